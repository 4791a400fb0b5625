// The syscalls of processes and threads, as data: creating, executing, waiting for and ending
// them, their ids and identity, signals and their masks, limits and usage, clocks and sleeps,
// futexes, and the process's own kernel state (prctl, arch_prctl, the robust list).
// SyscallTable merges this table with the other families (SyscallTable.swift).
//
// Struct sizes on x86-64 used below: utsname 390, sysinfo 112, rusage 144, tms 32,
// timespec/timeval 16, timezone 8, rlimit 16, the kernel's sigaction 32 (handler, flags,
// restorer, 8-byte mask), stack_t 24, siginfo 128.

enum ProcessSyscalls {
    static let specs: [SyscallSpec] = [
        SyscallSpec(13, "rt_sigaction", [.int, .ptr, .ptr, .uint], out: [.fixed(arg: 2, size: 32)],
                    replay: .signalAction(newActionArg: 1)),
        SyscallSpec(15, "rt_sigreturn", [], replay: .sigreturn),
        SyscallSpec(14, "rt_sigprocmask", [.int, .ptr, .ptr, .uint],
                    out: [.argSized(arg: 2, sizeArg: 3, unit: 1)], replay: .execute),
        SyscallSpec(24, "sched_yield", [], blocking: .waits),
        SyscallSpec(35, "nanosleep", [.ptr, .ptr], out: [.fixed(arg: 1, size: 16)], when: .always,
                    blocking: .waits),
        SyscallSpec(37, "alarm", [.uint]),
        SyscallSpec(39, "getpid", []),
        // Its CLONE_NEW* bits are cleared on replay (NamespaceFlags.swift), and CLONE_UNTRACED
        // always: the new task must be traced like any other (CloneFlags.hiddenFromKernel).
        SyscallSpec(56, "clone", [.flags(.clone), .ptr, .ptr, .ptr, .hex], replay: .spawn,
                    clears: ClearedFlags(arg: 0, bits: CloneFlags.hiddenFromKernel.rawValue)),
        SyscallSpec(57, "fork", [], replay: .spawn),
        SyscallSpec(58, "vfork", [], replay: .spawn),
        SyscallSpec(59, "execve", [.path, .ptr, .ptr], replay: .exec, blocking: .keepsTheCPU),
        SyscallSpec(61, "wait4", [.int, .ptr, .hex, .ptr], out: [.fixed(arg: 1, size: 4), .fixed(arg: 3, size: 144)],
                    blocking: .waits),
        // The program's own ptrace: swrr is the real tracer of every task, so it is emulated
        // (PtraceRequests.swift); its output is decided by the request.
        SyscallSpec(101, "ptrace", [.ptraceRequest, .int, .ptr, .ptr], out: [.dynamic], replay: .ptrace,
                    record: .emulatePtrace),
        SyscallSpec(109, "setpgid", [.int, .int]),
        // Identity changes are answered from the trace: replay runs as whoever replays.
        SyscallSpec(105, "setuid", [.int]),
        SyscallSpec(106, "setgid", [.int]),
        SyscallSpec(113, "setreuid", [.int, .int]),
        SyscallSpec(114, "setregid", [.int, .int]),
        SyscallSpec(116, "setgroups", [.int, .ptr]),
        SyscallSpec(117, "setresuid", [.int, .int, .int]),
        SyscallSpec(119, "setresgid", [.int, .int, .int]),
        SyscallSpec(122, "setfsuid", [.int]),
        SyscallSpec(123, "setfsgid", [.int]),
        SyscallSpec(112, "setsid", []),
        SyscallSpec(219, "restart_syscall", []),
        SyscallSpec(247, "waitid", [.int, .int, .ptr, .hex, .ptr],
                    out: [.fixed(arg: 2, size: 128), .fixed(arg: 4, size: 144)], blocking: .waits),
        SyscallSpec(322, "execveat", [.fd, .path, .ptr, .ptr, .hex], replay: .exec, blocking: .keepsTheCPU),
        // glibc uses clone3 for threads when it exists and falls back to clone on ENOSYS.
        SyscallSpec(435, "clone3", [.ptr, .uint], record: .refuse(errno: 38 /* ENOSYS */)),
        SyscallSpec(60, "exit", [.int], replay: .exit),
        // Signals sent to the program itself reach it as recorded signal events; replay does not
        // send them again.
        SyscallSpec(62, "kill", [.int, .int]),
        SyscallSpec(63, "uname", [.ptr], out: [.fixed(arg: 0, size: 390)]),
        SyscallSpec(96, "gettimeofday", [.ptr, .ptr], out: [.fixed(arg: 0, size: 16), .fixed(arg: 1, size: 8)]),
        SyscallSpec(97, "getrlimit", [.int, .ptr], out: [.fixed(arg: 1, size: 16)]),
        // The calling process's limits; RLIMIT_STACK (3) runs for real, as prlimit64's does (the
        // kernel grows the stack up to it); the others only answer later getrlimit calls, which
        // replay emulates.
        SyscallSpec(160, "setrlimit", [.int, .ptr], replay: .executeWhen(arg: 0, equals: 3)),
        SyscallSpec(98, "getrusage", [.int, .ptr], out: [.fixed(arg: 1, size: 144)]),
        SyscallSpec(99, "sysinfo", [.ptr], out: [.fixed(arg: 0, size: 112)]),
        SyscallSpec(100, "times", [.ptr], out: [.fixed(arg: 0, size: 32)]),
        SyscallSpec(102, "getuid", []),
        SyscallSpec(104, "getgid", []),
        SyscallSpec(107, "geteuid", []),
        SyscallSpec(108, "getegid", []),
        SyscallSpec(110, "getppid", []),
        // The kernel also writes its preferred version into the header's first 4 bytes when the
        // program's is not one it knows, and then fails (EINVAL), or succeeds when the data
        // pointer is NULL: libcap probes the version so (measured: setpriv's replay, whose header
        // kept version 0, went on differently at the next call).
        SyscallSpec(125, "capget", [.ptr, .ptr], out: [.fixed(arg: 0, size: 4), .fixed(arg: 1, size: 24)],
                    when: .always),
        SyscallSpec(135, "personality", [.hex]),
        SyscallSpec(140, "getpriority", [.int, .int]),
        SyscallSpec(141, "setpriority", [.int, .int, .int]),
        SyscallSpec(111, "getpgrp", []),
        SyscallSpec(115, "getgroups", [.int, .ptr], out: [.argSized(arg: 1, sizeArg: 0, unit: 4)]),
        SyscallSpec(118, "getresuid", [.ptr, .ptr, .ptr],
                    out: [.fixed(arg: 0, size: 4), .fixed(arg: 1, size: 4), .fixed(arg: 2, size: 4)]),
        SyscallSpec(120, "getresgid", [.ptr, .ptr, .ptr],
                    out: [.fixed(arg: 0, size: 4), .fixed(arg: 1, size: 4), .fixed(arg: 2, size: 4)]),
        SyscallSpec(121, "getpgid", [.int]),
        SyscallSpec(124, "getsid", [.int]),
        SyscallSpec(131, "sigaltstack", [.ptr, .ptr], out: [.fixed(arg: 1, size: 24)], replay: .execute),
        // PR_SET_NAME (15) runs on replay, so each replayed thread has the name the program gave
        // it (pthread_setname_np of the calling thread is this prctl) for debuggers to show.
        SyscallSpec(157, "prctl", [.int, .hex, .hex, .hex, .hex], out: [.dynamic], replay: .executeWhen(arg: 0, equals: 15)),
        SyscallSpec(158, "arch_prctl", [.hex, .hex], out: [.dynamic], replay: .execute),
        SyscallSpec(186, "gettid", []),
        // Single-threaded programs still call futex (libc's locks, once-initialisation). Replay
        // never blocks on it: the recorded result is returned.
        SyscallSpec(202, "futex", [.ptr, .hex, .int, .ptr, .ptr, .int], out: [.dynamic],
                    blocking: .waitsFor(opArg: 1, mask: 0x7f, ops: [0, 6, 9, 11])),
        SyscallSpec(200, "tkill", [.int, .int]),
        SyscallSpec(201, "time", [.ptr], out: [.fixed(arg: 0, size: 8)]),
        SyscallSpec(218, "set_tid_address", [.ptr], replay: .executeKeepRecordedResult),
        SyscallSpec(228, "clock_gettime", [.int, .ptr], out: [.fixed(arg: 1, size: 16)]),
        SyscallSpec(229, "clock_getres", [.int, .ptr], out: [.fixed(arg: 1, size: 16)]),
        SyscallSpec(230, "clock_nanosleep", [.int, .hex, .ptr, .ptr], out: [.fixed(arg: 3, size: 16)],
                    when: .always, blocking: .waits),
        SyscallSpec(231, "exit_group", [.int], replay: .exit),
        SyscallSpec(234, "tgkill", [.int, .int, .int]),
        SyscallSpec(273, "set_robust_list", [.ptr, .uint], replay: .execute),
        // Of the calling process (pid 0) and RLIMIT_STACK (3): run for real (see executeWhen).
        SyscallSpec(302, "prlimit64", [.int, .int, .ptr, .ptr], out: [.fixed(arg: 3, size: 16)],
                    replay: .executeWhen(arg: 0, equals: 0, andArg: 1, andEquals: 3)),
        SyscallSpec(318, "getrandom", [.ptr, .uint, .hex], out: [.resultSized(arg: 0)]),
        SyscallSpec(334, "rseq", [.ptr, .uint, .hex, .hex], record: .refuse(errno: 38 /* ENOSYS */)),
    ]
}
