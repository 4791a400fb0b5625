// The long tail of syscalls real programs make about the system and the process's kernel state
// (issue 14): clocks, memory locking and NUMA policy, syncs, extended attributes, scheduling
// policy, other processes (pidfds, process_vm_readv, kcmp), file change notification, keys,
// administration (acct, quotactl, syslog, sysfs), sandboxes (landlock) and x86 port and segment
// state. SyscallTable merges this table with the other families
// (SyscallTable.swift).
//
// Every call here is emulated on replay unless its spec says otherwise: what the recording saw
// (a result, a filled buffer) is what the program saw, and running it again would act on the
// replaying machine (set its clock, lock its memory, sync its disks) or on processes, keys and
// descriptors that exist only in the recording. A call that fails natively (EPERM without a
// privilege, ENOSYS) is an ordinary recorded result.
//
// Struct sizes on x86-64 used below (measured with gcc's sizeof): struct timex 208, struct
// sched_param 4, struct timespec 16, struct keyctl_pkey_query 56, struct if_dqblk 72,
// struct if_dqinfo 24, struct fs_disk_quota 112.

enum SystemSyscalls {
    static let specs: [SyscallSpec] = [
        // ---- clocks ----
        // Never run on replay: the replaying machine's clock is not the program's to set.
        SyscallSpec(227, "clock_settime", [.int, .ptr]),
        SyscallSpec(164, "settimeofday", [.ptr, .ptr]),
        // modes 0 only reads; either way the kernel writes the whole struct timex back.
        SyscallSpec(305, "clock_adjtime", [.int, .ptr], out: [.fixed(arg: 1, size: 208)]),
        SyscallSpec(159, "adjtimex", [.ptr], out: [.fixed(arg: 0, size: 208)]),

        // ---- moving bytes between descriptors in the kernel ----
        // Like sendfile and copy_file_range (core table): refused with EINVAL when the bytes would
        // go to swrr's own stdout or stderr, where replay could not echo them (the kernel answers
        // EINVAL for descriptors it cannot splice; programs fall back to read and write).
        // splice writes the updated offsets back (each pointer may be NULL).
        SyscallSpec(275, "splice", [.fd, .ptr, .fd, .ptr, .uint, .hex],
                    out: [.fixed(arg: 1, size: 8), .fixed(arg: 3, size: 8)],
                    record: .refuseWhenEchoing(fdArg: 2, errno: 22), file: .writes(fdArg: 2, at: .pointer(3))),
        SyscallSpec(276, "tee", [.fd, .fd, .uint, .hex], record: .refuseWhenEchoing(fdArg: 1, errno: 22)),
        // On a pipe's read end vmsplice copies the pipe's bytes into the iovecs (like readv); on
        // its write end it reads them, and recording them again is harmless.
        SyscallSpec(278, "vmsplice", [.fd, .ptr, .uint, .hex], out: [.iovecs(arg: 1, countArg: 2)],
                    record: .refuseWhenEchoing(fdArg: 0, errno: 22)),

        // ---- other processes ----
        // Process ids and descriptors are the recording's; a signal sent through a pidfd reaches
        // the recorded processes as a signal event, like kill's.
        SyscallSpec(434, "pidfd_open", [.int, .hex], fd: .returnsFd),
        SyscallSpec(424, "pidfd_send_signal", [.fd, .int, .ptr, .hex]),
        // The copy may be of another process's stdout: its writes are then not echoed on replay
        // (the recorder cannot see what the other process's descriptor refers to).
        SyscallSpec(438, "pidfd_getfd", [.fd, .fd, .hex], fd: .returnsFd),
        // The bytes read land in the caller's own iovecs (argument 1). process_vm_writev's land
        // in another process: replay copies the `result` bytes it wrote from the caller's iovecs
        // into the recorded target's (`writesTask`), as the kernel did at this event.
        SyscallSpec(310, "process_vm_readv", [.int, .ptr, .uint, .ptr, .uint, .hex],
                    out: [.iovecs(arg: 1, countArg: 2)]),
        SyscallSpec(311, "process_vm_writev", [.int, .ptr, .uint, .ptr, .uint, .hex],
                    writesTask: RemoteWrite(pidArg: 0, localArg: 1, localCountArg: 2, remoteArg: 3, remoteCountArg: 4)),
        SyscallSpec(312, "kcmp", [.int, .int, .int, .hex, .hex]),
        SyscallSpec(274, "get_robust_list", [.int, .ptr, .ptr],
                    out: [.fixed(arg: 1, size: 8), .fixed(arg: 2, size: 8)]),

        // ---- memory locking and NUMA policy ----
        // Residency and placement are invisible to the program except through these calls'
        // results (and get_mempolicy's outputs), which replay returns.
        SyscallSpec(149, "mlock", [.ptr, .uint]),
        SyscallSpec(150, "munlock", [.ptr, .uint]),
        SyscallSpec(151, "mlockall", [.hex]),
        SyscallSpec(152, "munlockall", []),
        SyscallSpec(325, "mlock2", [.ptr, .uint, .hex]),
        SyscallSpec(237, "mbind", [.ptr, .uint, .int, .ptr, .uint, .hex]),
        SyscallSpec(238, "set_mempolicy", [.int, .ptr, .uint]),
        // The mode (an int) and the node mask, as long as maxnode says (`.dynamic`).
        SyscallSpec(239, "get_mempolicy", [.ptr, .ptr, .uint, .ptr, .hex], out: [.dynamic]),
        SyscallSpec(450, "set_mempolicy_home_node", [.ptr, .uint, .uint, .hex]),

        // ---- opening files ----
        // openat with its flags, mode and RESOLVE_* restrictions in a struct open_how that the
        // kernel only reads; the result is a new descriptor, emulated as openat's is.
        SyscallSpec(437, "openat2", [.fd, .path, .ptr, .uint], fd: .returnsFd),

        // ---- syncs ----
        SyscallSpec(162, "sync", []),
        SyscallSpec(306, "syncfs", [.fd]),
        SyscallSpec(277, "sync_file_range", [.fd, .long, .long, .hex]),

        // ---- extended attributes (the getters are in the core table) ----
        SyscallSpec(188, "setxattr", [.path, .path, .ptr, .uint, .hex]),
        SyscallSpec(189, "lsetxattr", [.path, .path, .ptr, .uint, .hex]),
        SyscallSpec(190, "fsetxattr", [.fd, .path, .ptr, .uint, .hex]),
        SyscallSpec(197, "removexattr", [.path, .path]),
        SyscallSpec(198, "lremovexattr", [.path, .path]),
        SyscallSpec(199, "fremovexattr", [.fd, .path]),

        // ---- scheduling policy ----
        // Replay runs one task at a time in the recorded order, so a policy or priority changes
        // nothing there but what these calls report, which replay returns.
        SyscallSpec(142, "sched_setparam", [.int, .ptr]),
        SyscallSpec(143, "sched_getparam", [.int, .ptr], out: [.fixed(arg: 1, size: 4)]),
        SyscallSpec(144, "sched_setscheduler", [.int, .int, .ptr]),
        SyscallSpec(145, "sched_getscheduler", [.int]),
        SyscallSpec(146, "sched_get_priority_max", [.int]),
        SyscallSpec(147, "sched_get_priority_min", [.int]),
        SyscallSpec(148, "sched_rr_get_interval", [.int, .ptr], out: [.fixed(arg: 1, size: 16)]),
        SyscallSpec(314, "sched_setattr", [.int, .ptr, .hex]),
        // The kernel copies at most `size` bytes (it refuses sizes over a page with EINVAL).
        SyscallSpec(315, "sched_getattr", [.int, .ptr, .uint, .hex], out: [.argSized(arg: 1, sizeArg: 2, unit: 1)]),
        SyscallSpec(252, "ioprio_get", [.int, .int]),
        SyscallSpec(251, "ioprio_set", [.int, .int, .int]),

        // ---- file change notification ----
        // Their events are read with read(), which replay answers from the trace.
        SyscallSpec(253, "inotify_init", [], fd: .returnsFd),
        SyscallSpec(294, "inotify_init1", [.hex], fd: .returnsFd),
        SyscallSpec(254, "inotify_add_watch", [.fd, .path, .hex]),
        SyscallSpec(255, "inotify_rm_watch", [.fd, .int]),
        SyscallSpec(300, "fanotify_init", [.hex, .hex], fd: .returnsFd),
        SyscallSpec(301, "fanotify_mark", [.fd, .hex, .hex, .fd, .path]),

        // ---- keys ----
        // Key serials are the recording's (the keys themselves may outlive the process).
        SyscallSpec(248, "add_key", [.path, .path, .ptr, .uint, .int]),
        SyscallSpec(249, "request_key", [.path, .path, .path, .int]),
        SyscallSpec(250, "keyctl", [.int, .hex, .hex, .hex, .hex], out: [.dynamic]),

        // ---- administration ----
        SyscallSpec(163, "acct", [.path]),
        // The output depends on the command (`.dynamic`); quotactl_fd names the file system by
        // a descriptor instead of a device path.
        SyscallSpec(179, "quotactl", [.hex, .path, .int, .ptr], out: [.dynamic]),
        SyscallSpec(443, "quotactl_fd", [.fd, .hex, .int, .ptr], out: [.dynamic]),
        SyscallSpec(103, "syslog", [.int, .ptr, .int], out: [.dynamic]),
        SyscallSpec(139, "sysfs", [.int, .hex, .hex], out: [.dynamic]),
        // Not run: a loaded program or map would change what later calls and the kernel do in
        // ways replay cannot reproduce (maps are written by the kernel and by BPF programs at any
        // time). Every command fails with EPERM, as it does natively for an unprivileged process
        // (kernel.unprivileged_bpf_disabled, on by default in Debian); programs that probe for
        // BPF cope with that.
        SyscallSpec(321, "bpf", [.int, .ptr, .uint], record: .refuse(errno: 1 /* EPERM */)),

        // ---- sandboxes ----
        // Emulated, restrict_self included: every file access the sandbox could deny is itself
        // emulated on replay (its recorded result, EACCES included, comes back), while replay's
        // own accesses (mapping and executing the trace's copies of files) must not be denied.
        SyscallSpec(444, "landlock_create_ruleset", [.ptr, .uint, .hex], fd: .returnsFd),
        SyscallSpec(445, "landlock_add_rule", [.fd, .int, .ptr, .hex]),
        SyscallSpec(446, "landlock_restrict_self", [.fd, .hex]),
        // A program's own seccomp filter is rewritten by the recorder before the kernel installs
        // it, and its actions are emulated at PTRACE_EVENT_SECCOMP (SeccompActions.swift,
        // SwrrRecord/ProgramSeccompFilter.swift). Emulated on replay: the recorded results and
        // signals of the filtered calls are in the trace, and replay's own injected calls must
        // not be filtered. Strict mode and a filter with a notification listener are refused
        // (SyscallOutputs+Commands.swift).
        SyscallSpec(317, "seccomp", [.int, .hex, .ptr], out: [.dynamic]),

        // ---- older interfaces and file handles ----
        // getdents is getdents64's predecessor (struct linux_dirent, still served on x86-64).
        SyscallSpec(78, "getdents", [.fd, .ptr, .uint], out: [.resultSized(arg: 1)]),
        SyscallSpec(187, "readahead", [.fd, .long, .uint]),
        SyscallSpec(261, "futimesat", [.fd, .path, .ptr]),
        // struct ustat (32 bytes); ENOSYS or EINVAL for most devices on current kernels.
        SyscallSpec(136, "ustat", [.uint, .ptr], out: [.fixed(arg: 1, size: 32)]),
        // The handle's size is in the struct the call fills (and, on EOVERFLOW, only that size is
        // written): SyscallOutputs+Commands.swift.
        SyscallSpec(303, "name_to_handle_at", [.fd, .path, .ptr, .ptr, .hex], out: [.dynamic], when: .always),
        SyscallSpec(304, "open_by_handle_at", [.fd, .ptr, .hex], fd: .returnsFd),
        // Advice about and memory of other processes: no output, emulated on replay (the advice
        // changes no content the program can observe; move_pages's status array is its output).
        SyscallSpec(440, "process_madvise", [.fd, .ptr, .uint, .int, .hex]),
        SyscallSpec(448, "process_mrelease", [.fd, .hex]),
        SyscallSpec(256, "migrate_pages", [.int, .uint, .ptr, .ptr]),
        SyscallSpec(279, "move_pages", [.int, .uint, .ptr, .ptr, .ptr, .hex], out: [.argSized(arg: 4, sizeArg: 1, unit: 4)]),
        // Waits on several futexes (the timeout a timespec pointer, NULL forever); writes nothing.
        SyscallSpec(449, "futex_waitv", [.ptr, .uint, .hex, .ptr, .int], blocking: .waits),

        // ---- kernel interfaces that write the program's memory later, on their own ----
        // Linux AIO and io_uring complete requests asynchronously: the kernel writes read data and
        // completion entries into the program's memory at moments no syscall marks (io_uring's
        // rings are shared memory), which replay could not reproduce. userfaultfd's handler thread
        // fills pages for a faulting thread the same way, and memfd_secret's pages are not even
        // readable through /proc/PID/mem. Refused with ENOSYS, as a kernel built without them
        // answers (rr does the same for io_uring): libaio users, liburing users (and runtimes that
        // probe io_uring, as libuv and tokio do) fall back to ordinary syscalls.
        SyscallSpec(206, "io_setup", [.uint, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(207, "io_destroy", [.hex], record: .refuse(errno: 38)),
        SyscallSpec(208, "io_getevents", [.hex, .int, .int, .ptr, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(209, "io_submit", [.hex, .int, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(210, "io_cancel", [.hex, .ptr, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(333, "io_pgetevents", [.hex, .int, .int, .ptr, .ptr, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(425, "io_uring_setup", [.uint, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(426, "io_uring_enter", [.fd, .uint, .uint, .hex, .ptr, .uint], record: .refuse(errno: 38)),
        SyscallSpec(427, "io_uring_register", [.fd, .uint, .ptr, .uint], record: .refuse(errno: 38)),
        SyscallSpec(323, "userfaultfd", [.hex], record: .refuse(errno: 38)),
        SyscallSpec(447, "memfd_secret", [.hex], record: .refuse(errno: 38)),

        // ---- removed from the kernel, or never implemented on x86-64 ----
        // Measured on 6.18: each answers ENOSYS whatever its arguments (_sysctl since 5.5,
        // uselib since 6.x without CONFIG_USELIB, lookup_dcookie since 6.8, the others always).
        // Refused with ENOSYS unrun, so an older kernel that still had one could not act on it
        // during the recording either.
        SyscallSpec(134, "uselib", [.path], record: .refuse(errno: 38)),
        SyscallSpec(156, "_sysctl", [.ptr], record: .refuse(errno: 38)),
        SyscallSpec(174, "create_module", [.path, .uint], record: .refuse(errno: 38)),
        SyscallSpec(177, "get_kernel_syms", [.ptr], record: .refuse(errno: 38)),
        SyscallSpec(178, "query_module", [.path, .int, .ptr, .uint, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(180, "nfsservctl", [.int, .ptr, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(181, "getpmsg", [.fd, .ptr, .ptr, .ptr, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(182, "putpmsg", [.fd, .ptr, .ptr, .int, .int], record: .refuse(errno: 38)),
        SyscallSpec(183, "afs_syscall", [.hex, .hex, .hex, .hex, .hex], record: .refuse(errno: 38)),
        SyscallSpec(184, "tuxcall", [.hex, .hex, .hex], record: .refuse(errno: 38)),
        SyscallSpec(185, "security", [.hex, .hex, .hex], record: .refuse(errno: 38)),
        SyscallSpec(212, "lookup_dcookie", [.hex, .ptr, .uint], record: .refuse(errno: 38)),
        SyscallSpec(214, "epoll_ctl_old", [.fd, .int, .fd, .ptr], record: .refuse(errno: 38)),
        SyscallSpec(215, "epoll_wait_old", [.fd, .ptr, .int, .int], record: .refuse(errno: 38)),
        SyscallSpec(236, "vserver", [.hex, .hex, .hex, .hex, .hex], record: .refuse(errno: 38)),

        // ---- x86 segment and port state ----
        // Run on replay: the CPU consults the LDT (segment selectors the program loads) and the
        // I/O permissions (in/out instructions) without any syscall, so they must be the
        // recorded ones. Reading the LDT (func 0) writes as many bytes as it returns.
        SyscallSpec(154, "modify_ldt", [.int, .ptr, .uint], out: [.resultSized(arg: 1)], replay: .execute),
        SyscallSpec(172, "iopl", [.int], replay: .execute),
        SyscallSpec(173, "ioperm", [.hex, .uint, .int], replay: .execute),
    ]
}
