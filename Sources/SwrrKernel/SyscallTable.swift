// The syscalls swrr knows, as data. Numbers are x86-64's; a unit test checks each against the
// names generated from the kernel header (SyscallNames.swift).
//
// Struct sizes on x86-64 used below: struct stat 144, statx 256, utsname 390, sysinfo 112,
// rusage 144, tms 32, timespec/timeval 16, timezone 8, rlimit 16, the kernel's sigaction 32
// (handler, flags, restorer, 8-byte mask), stack_t 24, statfs 120, pollfd 8, siginfo 128.

private let statSize = 144

public enum SyscallTable {
    /// Every supported syscall, by number.
    public static let specs: [Int: SyscallSpec] = {
        var d: [Int: SyscallSpec] = [:]
        for s in all {
            precondition(d[s.number] == nil, "duplicate syscall spec \(s.name)")
            d[s.number] = s
        }
        return d
    }()

    /// The spec of a supported syscall, or of a number no kernel has (NonexistentSyscalls.swift:
    /// always -ENOSYS, recorded as such); nil for a syscall swrr cannot record.
    public static func spec(_ number: Int) -> SyscallSpec? {
        specs[number] ?? NonexistentSyscalls.spec(for: number)
    }

    /// The name of any syscall number, known to swrr or not.
    public static func name(_ number: Int) -> String {
        if number >= 0 && number < syscallNames.count && !syscallNames[number].isEmpty {
            return syscallNames[number]
        }
        if let swrr = SyscallBufferLayout.callNames[number] { return swrr }
        if let newer = NonexistentSyscalls.newerNames[number] { return newer }
        return "syscall_\(number)"
    }

    public static let all: [SyscallSpec] = core + ipc + runtime + system + namespaces + swrrCalls

    /// swrr's own calls, made by its preload library (SyscallBufferLayout.swift). The kernel does
    /// not know them; the recorder answers swrr_register_buffer itself when it buffers syscalls.
    static let swrrCalls: [SyscallSpec] = [
        SyscallSpec(SyscallBufferLayout.registerBufferCall, "swrr_register_buffer", [.ptr, .uint],
                    record: .refuse(errno: 38 /* ENOSYS */)),
        SyscallSpec(SyscallBufferLayout.bufferMismatchCall, "swrr_buffer_mismatch", [.int, .int],
                    record: .refuse(errno: 38 /* ENOSYS */)),
        SyscallSpec(SyscallBufferLayout.registerDeschedCall, "swrr_register_desched", [.fd],
                    record: .refuse(errno: 38 /* ENOSYS */)),
    ]

    static let core: [SyscallSpec] = [
        // ---- file I/O ----
        SyscallSpec(0, "read", [.fd, .ptr, .uint], out: [.resultSized(arg: 1)]),
        SyscallSpec(1, "write", [.fd, .ptr, .uint], writes: .buffer(fdArg: 0, bufArg: 1),
                    file: .writes(fdArg: 0, at: .position)),
        SyscallSpec(2, "open", [.path, .hex, .hex], fd: .returnsFd, file: .truncatesOnOpen(flagsArg: 1)),
        SyscallSpec(3, "close", [.fd], fd: .closes(arg: 0)),
        SyscallSpec(4, "stat", [.path, .ptr], out: [.fixed(arg: 1, size: statSize)]),
        SyscallSpec(5, "fstat", [.fd, .ptr], out: [.fixed(arg: 1, size: statSize)]),
        SyscallSpec(6, "lstat", [.path, .ptr], out: [.fixed(arg: 1, size: statSize)]),
        SyscallSpec(7, "poll", [.ptr, .uint, .int], out: [.argSized(arg: 0, sizeArg: 1, unit: 8)],
                    blocking: .waitsUnlessZero(timeoutArg: 2)),
        SyscallSpec(8, "lseek", [.fd, .long, .int]),
        SyscallSpec(9, "mmap", [.ptr, .uint, .hex, .hex, .fd, .hex], replay: .mmap),
        SyscallSpec(10, "mprotect", [.ptr, .uint, .hex], replay: .execute),
        SyscallSpec(11, "munmap", [.ptr, .uint], replay: .execute),
        SyscallSpec(12, "brk", [.ptr], replay: .execute),
        SyscallSpec(13, "rt_sigaction", [.int, .ptr, .ptr, .uint], out: [.fixed(arg: 2, size: 32)],
                    replay: .execute),
        SyscallSpec(15, "rt_sigreturn", [], replay: .sigreturn),
        SyscallSpec(14, "rt_sigprocmask", [.int, .ptr, .ptr, .uint],
                    out: [.argSized(arg: 2, sizeArg: 3, unit: 1)], replay: .execute),
        SyscallSpec(16, "ioctl", [.fd, .hex, .hex], out: [.dynamic]),
        SyscallSpec(17, "pread64", [.fd, .ptr, .uint, .long], out: [.resultSized(arg: 1)]),
        SyscallSpec(18, "pwrite64", [.fd, .ptr, .uint, .long], writes: .buffer(fdArg: 0, bufArg: 1),
                    file: .writes(fdArg: 0, at: .argument(3))),
        SyscallSpec(19, "readv", [.fd, .ptr, .uint], out: [.iovecs(arg: 1, countArg: 2)]),
        SyscallSpec(20, "writev", [.fd, .ptr, .uint], writes: .iovecs(fdArg: 0, iovArg: 1, countArg: 2),
                    file: .writes(fdArg: 0, at: .position)),
        SyscallSpec(21, "access", [.path, .hex]),
        SyscallSpec(22, "pipe", [.ptr], out: [.fixed(arg: 0, size: 8)], fd: .fdPair(arg: 0)),
        SyscallSpec(23, "select", [.int, .ptr, .ptr, .ptr, .ptr], out: [.dynamic]),
        SyscallSpec(24, "sched_yield", [], blocking: .waits),
        SyscallSpec(25, "mremap", [.ptr, .uint, .uint, .hex, .ptr], replay: .execute),
        SyscallSpec(26, "msync", [.ptr, .uint, .hex]),
        SyscallSpec(27, "mincore", [.ptr, .uint, .ptr], out: [.dynamic]),
        SyscallSpec(28, "madvise", [.ptr, .uint, .int], replay: .execute),
        SyscallSpec(32, "dup", [.fd], fd: .dupResult),
        SyscallSpec(33, "dup2", [.fd, .fd], fd: .dupTo(arg: 1)),
        SyscallSpec(35, "nanosleep", [.ptr, .ptr], out: [.fixed(arg: 1, size: 16)], when: .always,
                    blocking: .waits),
        SyscallSpec(37, "alarm", [.uint]),
        SyscallSpec(39, "getpid", []),
        SyscallSpec(40, "sendfile", [.fd, .fd, .ptr, .uint], out: [.fixed(arg: 2, size: 8)],
                    record: .refuseWhenEchoing(fdArg: 0, errno: 22), file: .writes(fdArg: 0, at: .position)),
        SyscallSpec(41, "socket", [.int, .hex, .int], fd: .returnsFd),
        SyscallSpec(42, "connect", [.fd, .ptr, .uint]),
        // ---- processes and threads ----
        // Its CLONE_NEW* bits are cleared on replay (NamespaceFlags.swift).
        SyscallSpec(56, "clone", [.flags(.clone), .ptr, .ptr, .ptr, .hex], replay: .spawn),
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
        SyscallSpec(72, "fcntl", [.fd, .int, .hex], out: [.dynamic], fd: .fcntlDup),
        SyscallSpec(73, "flock", [.fd, .hex]),
        SyscallSpec(74, "fsync", [.fd]),
        SyscallSpec(75, "fdatasync", [.fd]),
        SyscallSpec(76, "truncate", [.path, .long], file: .resizesPath(pathArg: 0)),
        SyscallSpec(77, "ftruncate", [.fd, .long], file: .resizes(fdArg: 0)),
        SyscallSpec(79, "getcwd", [.ptr, .uint], out: [.resultSized(arg: 0)]),
        SyscallSpec(80, "chdir", [.path]),
        SyscallSpec(81, "fchdir", [.fd]),
        SyscallSpec(82, "rename", [.path, .path]),
        SyscallSpec(83, "mkdir", [.path, .hex]),
        SyscallSpec(133, "mknod", [.path, .hex, .hex]),
        SyscallSpec(84, "rmdir", [.path]),
        SyscallSpec(85, "creat", [.path, .hex], fd: .returnsFd, file: .truncatesOnOpen(flagsArg: nil)),
        SyscallSpec(86, "link", [.path, .path]),
        SyscallSpec(87, "unlink", [.path]),
        SyscallSpec(88, "symlink", [.path, .path]),
        SyscallSpec(89, "readlink", [.path, .ptr, .uint], out: [.resultSized(arg: 1)]),
        SyscallSpec(90, "chmod", [.path, .hex]),
        SyscallSpec(91, "fchmod", [.fd, .hex]),
        SyscallSpec(92, "chown", [.path, .int, .int]),
        SyscallSpec(93, "fchown", [.fd, .int, .int]),
        SyscallSpec(94, "lchown", [.path, .int, .int]),
        SyscallSpec(95, "umask", [.hex]),
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
        SyscallSpec(132, "utime", [.path, .ptr]),
        SyscallSpec(137, "statfs", [.path, .ptr], out: [.fixed(arg: 1, size: 120)]),
        SyscallSpec(138, "fstatfs", [.fd, .ptr], out: [.fixed(arg: 1, size: 120)]),
        // PR_SET_NAME (15) runs on replay, so each replayed thread has the name the program gave
        // it (pthread_setname_np of the calling thread is this prctl) for debuggers to show.
        SyscallSpec(157, "prctl", [.int, .hex, .hex, .hex, .hex], out: [.dynamic], replay: .executeWhen(arg: 0, equals: 15)),
        SyscallSpec(158, "arch_prctl", [.hex, .hex], out: [.dynamic], replay: .execute),
        SyscallSpec(186, "gettid", []),
        // Single-threaded programs still call futex (libc's locks, once-initialisation). Replay
        // never blocks on it: the recorded result is returned.
        SyscallSpec(202, "futex", [.ptr, .hex, .int, .ptr, .ptr, .int], out: [.dynamic],
                    blocking: .waitsFor(opArg: 1, mask: 0x7f, ops: [0, 6, 9, 11])),
        SyscallSpec(191, "getxattr", [.path, .path, .ptr, .uint], out: [.resultSized(arg: 2)]),
        SyscallSpec(192, "lgetxattr", [.path, .path, .ptr, .uint], out: [.resultSized(arg: 2)]),
        SyscallSpec(193, "fgetxattr", [.fd, .path, .ptr, .uint], out: [.resultSized(arg: 2)]),
        SyscallSpec(194, "listxattr", [.path, .ptr, .uint], out: [.resultSized(arg: 1)]),
        SyscallSpec(195, "llistxattr", [.path, .ptr, .uint], out: [.resultSized(arg: 1)]),
        SyscallSpec(196, "flistxattr", [.fd, .ptr, .uint], out: [.resultSized(arg: 1)]),
        SyscallSpec(200, "tkill", [.int, .int]),
        SyscallSpec(201, "time", [.ptr], out: [.fixed(arg: 0, size: 8)]),
        SyscallSpec(217, "getdents64", [.fd, .ptr, .uint], out: [.resultSized(arg: 1)]),
        SyscallSpec(218, "set_tid_address", [.ptr], replay: .executeKeepRecordedResult),
        SyscallSpec(221, "fadvise64", [.fd, .long, .long, .int]),
        SyscallSpec(228, "clock_gettime", [.int, .ptr], out: [.fixed(arg: 1, size: 16)]),
        SyscallSpec(229, "clock_getres", [.int, .ptr], out: [.fixed(arg: 1, size: 16)]),
        SyscallSpec(230, "clock_nanosleep", [.int, .hex, .ptr, .ptr], out: [.fixed(arg: 3, size: 16)],
                    when: .always, blocking: .waits),
        SyscallSpec(231, "exit_group", [.int], replay: .exit),
        SyscallSpec(234, "tgkill", [.int, .int, .int]),
        SyscallSpec(235, "utimes", [.path, .ptr]),
        SyscallSpec(257, "openat", [.fd, .path, .hex, .hex], fd: .returnsFd, file: .truncatesOnOpen(flagsArg: 2)),
        SyscallSpec(258, "mkdirat", [.fd, .path, .hex]),
        SyscallSpec(259, "mknodat", [.fd, .path, .hex, .hex]),
        SyscallSpec(260, "fchownat", [.fd, .path, .int, .int, .hex]),
        SyscallSpec(262, "newfstatat", [.fd, .path, .ptr, .hex], out: [.fixed(arg: 2, size: statSize)]),
        SyscallSpec(263, "unlinkat", [.fd, .path, .hex]),
        SyscallSpec(264, "renameat", [.fd, .path, .fd, .path]),
        SyscallSpec(265, "linkat", [.fd, .path, .fd, .path, .hex]),
        SyscallSpec(266, "symlinkat", [.path, .fd, .path]),
        SyscallSpec(267, "readlinkat", [.fd, .path, .ptr, .uint], out: [.resultSized(arg: 2)]),
        SyscallSpec(268, "fchmodat", [.fd, .path, .hex]),
        SyscallSpec(269, "faccessat", [.fd, .path, .hex]),
        SyscallSpec(270, "pselect6", [.int, .ptr, .ptr, .ptr, .ptr, .ptr], out: [.dynamic], mask: .indirect(arg: 5)),
        SyscallSpec(271, "ppoll", [.ptr, .uint, .ptr, .ptr, .uint],
                    out: [.argSized(arg: 0, sizeArg: 1, unit: 8), .fixed(arg: 2, size: 16)],
                    blocking: .waits, mask: .direct(mask: 3, size: 4)),   // a NULL timeout waits forever
        SyscallSpec(273, "set_robust_list", [.ptr, .uint], replay: .execute),
        SyscallSpec(280, "utimensat", [.fd, .path, .ptr, .hex]),
        SyscallSpec(285, "fallocate", [.fd, .hex, .long, .long], file: .allocates(fdArg: 0)),
        SyscallSpec(292, "dup3", [.fd, .fd, .hex], fd: .dupTo(arg: 1)),
        SyscallSpec(293, "pipe2", [.ptr, .hex], out: [.fixed(arg: 0, size: 8)], fd: .fdPair(arg: 0)),
        SyscallSpec(295, "preadv", [.fd, .ptr, .uint, .long], out: [.iovecs(arg: 1, countArg: 2)]),
        SyscallSpec(296, "pwritev", [.fd, .ptr, .uint, .long],
                    writes: .iovecs(fdArg: 0, iovArg: 1, countArg: 2), file: .writes(fdArg: 0, at: .argument(3))),
        // Of the calling process (pid 0) and RLIMIT_STACK (3): run for real (see executeWhen).
        SyscallSpec(302, "prlimit64", [.int, .int, .ptr, .ptr], out: [.fixed(arg: 3, size: 16)],
                    replay: .executeWhen(arg: 0, equals: 0, andArg: 1, andEquals: 3)),
        SyscallSpec(316, "renameat2", [.fd, .path, .fd, .path, .hex]),
        SyscallSpec(318, "getrandom", [.ptr, .uint, .hex], out: [.resultSized(arg: 0)]),
        SyscallSpec(326, "copy_file_range", [.fd, .ptr, .fd, .ptr, .uint, .hex],
                    out: [.fixed(arg: 1, size: 8), .fixed(arg: 3, size: 8)],
                    record: .refuseWhenEchoing(fdArg: 2, errno: 22), file: .writes(fdArg: 2, at: .pointer(3))),
        SyscallSpec(327, "preadv2", [.fd, .ptr, .uint, .long, .long, .hex], out: [.iovecs(arg: 1, countArg: 2)]),
        SyscallSpec(328, "pwritev2", [.fd, .ptr, .uint, .long, .long, .hex],
                    writes: .iovecs(fdArg: 0, iovArg: 1, countArg: 2), file: .writes(fdArg: 0, at: .argumentOrPosition(3))),
        // The preload library's desched event; replay answers from the trace (no event there).
        SyscallSpec(298, "perf_event_open", [.ptr, .int, .int, .int, .hex], fd: .returnsFd),
        SyscallSpec(332, "statx", [.fd, .path, .hex, .hex, .ptr], out: [.fixed(arg: 4, size: 256)]),
        SyscallSpec(334, "rseq", [.ptr, .uint, .hex, .hex], record: .refuse(errno: 38 /* ENOSYS */)),
        SyscallSpec(439, "faccessat2", [.fd, .path, .hex, .hex]),
        SyscallSpec(436, "close_range", [.fd, .fd, .hex], fd: .closesRange(firstArg: 0, lastArg: 1)),
    ]
}
