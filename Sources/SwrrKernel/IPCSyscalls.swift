// The syscalls of inter-process communication, timers and signal waiting, as data (issue 3,
// item 6): sockets, epoll, eventfd, memfd, signalfd, timerfd, SysV shared memory, interval and
// POSIX timers, and the calls that wait for signals. SyscallTable merges this table with the
// other families (SyscallTable.swift).
//
// Every call here is emulated on replay unless its spec says otherwise: the descriptors these
// calls create exist only in the recording, and replay gives the program the recorded results
// and memory. Timers never fire on replay either: the signals they sent are signal events of the
// trace, delivered at their recorded points.
//
// Struct sizes on x86-64 used below: struct epoll_event 12 (packed: u32 events, u64 data),
// socket addresses as long as their socklen_t says, struct itimerval 32 (two timevals),
// struct itimerspec 32 (two timespecs), siginfo_t 128, the kernel's sigset_t 8, the kernel's
// timer_t 4 (an int: glibc's own timer_t is a pointer but it passes the kernel an int),
// struct shmid_ds 112, struct shminfo 72, struct shm_info 48, struct semid_ds 104, struct seminfo
// 40, struct msqid_ds 120, struct msginfo 32, struct mq_attr 64, struct msghdr 56, cmsghdr header 16
// (see SyscallOutputs.msghdrRanges for recvmsg).

enum IPCSyscalls {
    static let specs: [SyscallSpec] = [
        // ---- sockets ----
        SyscallSpec(41, "socket", [.int, .hex, .int], fd: .returnsFd),
        SyscallSpec(42, "connect", [.fd, .ptr, .uint]),
        SyscallSpec(43, "accept", [.fd, .ptr, .ptr], out: [.sockaddr(arg: 1, lenArg: 2)], fd: .returnsFd),
        SyscallSpec(44, "sendto", [.fd, .ptr, .uint, .hex, .ptr, .uint]),
        // With MSG_TRUNC a datagram socket returns the datagram's full length, which can exceed
        // the buffer: the buffer range is min(result, len), hence `.dynamic`.
        SyscallSpec(45, "recvfrom", [.fd, .ptr, .uint, .hex, .ptr, .ptr],
                    out: [.dynamic, .sockaddr(arg: 4, lenArg: 5)]),
        SyscallSpec(46, "sendmsg", [.fd, .ptr, .hex]),
        // The kernel writes back msg_namelen and the name, the iovecs (result bytes),
        // msg_controllen and the control messages (SCM_RIGHTS descriptors, SCM_CREDENTIALS),
        // and msg_flags: all found by reading the msghdr after the call (`.dynamic`).
        SyscallSpec(47, "recvmsg", [.fd, .ptr, .hex], out: [.dynamic]),
        SyscallSpec(48, "shutdown", [.fd, .int]),
        SyscallSpec(49, "bind", [.fd, .ptr, .uint]),
        SyscallSpec(50, "listen", [.fd, .int]),
        SyscallSpec(51, "getsockname", [.fd, .ptr, .ptr], out: [.sockaddr(arg: 1, lenArg: 2)]),
        SyscallSpec(52, "getpeername", [.fd, .ptr, .ptr], out: [.sockaddr(arg: 1, lenArg: 2)]),
        SyscallSpec(53, "socketpair", [.int, .hex, .int, .ptr], out: [.fixed(arg: 3, size: 8)],
                    fd: .fdPair(arg: 3)),
        SyscallSpec(54, "setsockopt", [.fd, .int, .int, .ptr, .uint]),
        // optval is a value-result buffer sized by the socklen_t at optlen, like a socket address.
        SyscallSpec(55, "getsockopt", [.fd, .int, .int, .ptr, .ptr], out: [.sockaddr(arg: 3, lenArg: 4)]),
        SyscallSpec(288, "accept4", [.fd, .ptr, .ptr, .hex], out: [.sockaddr(arg: 1, lenArg: 2)], fd: .returnsFd),

        // ---- epoll ----
        SyscallSpec(213, "epoll_create", [.int], fd: .returnsFd),
        SyscallSpec(291, "epoll_create1", [.hex], fd: .returnsFd),
        SyscallSpec(233, "epoll_ctl", [.fd, .int, .fd, .ptr]),
        // result × 12 bytes of epoll_event at argument 1 (`.dynamic`).
        SyscallSpec(232, "epoll_wait", [.fd, .ptr, .int, .int], out: [.dynamic],
                    blocking: .waitsUnlessZero(timeoutArg: 3)),
        SyscallSpec(281, "epoll_pwait", [.fd, .ptr, .int, .int, .ptr, .uint], out: [.dynamic],
                    blocking: .waitsUnlessZero(timeoutArg: 3), mask: .direct(mask: 4, size: 5)),
        // Its timeout is a timespec pointer, NULL meaning forever: counted as waiting.
        SyscallSpec(441, "epoll_pwait2", [.fd, .ptr, .int, .ptr, .ptr, .uint], out: [.dynamic],
                    blocking: .waits, mask: .direct(mask: 4, size: 5)),

        // ---- descriptors for events, memory, signals and timers ----
        SyscallSpec(284, "eventfd", [.uint], fd: .returnsFd),
        SyscallSpec(290, "eventfd2", [.uint, .hex], fd: .returnsFd),
        // The name is shown like a path; it only names the file in /proc/PID/fd.
        SyscallSpec(319, "memfd_create", [.path, .hex], fd: .returnsFd),
        // With fd -1 a new descriptor, otherwise the same one with a new mask: either way not a
        // copy of swrr's stdout.
        SyscallSpec(282, "signalfd", [.fd, .ptr, .uint], fd: .returnsFd),
        SyscallSpec(289, "signalfd4", [.fd, .ptr, .uint, .hex], fd: .returnsFd),
        SyscallSpec(283, "timerfd_create", [.int, .hex], fd: .returnsFd),
        SyscallSpec(286, "timerfd_settime", [.fd, .hex, .ptr, .ptr], out: [.fixed(arg: 3, size: 32)]),
        SyscallSpec(287, "timerfd_gettime", [.fd, .ptr], out: [.fixed(arg: 1, size: 32)]),

        // ---- SysV shared memory ----
        // Segment ids are emulated (replay returns the recorded ones), and so is shmctl: its
        // IPC_STAT times and pids are the recording's. The segment's bytes at its first
        // attachment are kept in the trace like a mapped file; replay maps one shared copy of
        // them at every recorded attachment, so writes by one replayed process are seen by the
        // others exactly as the recorded processes saw them.
        SyscallSpec(29, "shmget", [.hex, .uint, .hex]),
        SyscallSpec(30, "shmat", [.int, .ptr, .hex], replay: .shmAttach),
        SyscallSpec(31, "shmctl", [.int, .int, .ptr], out: [.dynamic]),
        SyscallSpec(67, "shmdt", [.ptr], replay: .shmDetach),

        // ---- SysV semaphores and message queues ----
        // Like shmget's, their ids are the recording's and every call is emulated: a semop that
        // waited for another process returns when the recording says, and a message's bytes are
        // the recorded ones. semctl's and msgctl's outputs depend on the command (`.dynamic`).
        SyscallSpec(64, "semget", [.hex, .int, .hex]),
        SyscallSpec(65, "semop", [.int, .ptr, .uint]),
        SyscallSpec(220, "semtimedop", [.int, .ptr, .uint, .ptr]),
        SyscallSpec(66, "semctl", [.int, .int, .int, .ptr], out: [.dynamic]),
        SyscallSpec(68, "msgget", [.hex, .hex]),
        SyscallSpec(69, "msgsnd", [.int, .ptr, .uint, .hex]),
        // The message's type (a long) then its text, `result` bytes (`.dynamic`).
        SyscallSpec(70, "msgrcv", [.int, .ptr, .uint, .int, .hex], out: [.dynamic]),
        SyscallSpec(71, "msgctl", [.int, .int, .ptr], out: [.dynamic]),

        // ---- POSIX message queues ----
        // A queue is a descriptor of the recording. mq_notify's signal, when a message arrives,
        // is a signal event of the trace like any signal from outside (and SIGEV_THREAD is
        // glibc's netlink socket and thread, whose calls are recorded too).
        SyscallSpec(240, "mq_open", [.path, .hex, .hex, .ptr], fd: .returnsFd),
        SyscallSpec(241, "mq_unlink", [.path]),
        SyscallSpec(242, "mq_timedsend", [.fd, .ptr, .uint, .uint, .ptr]),
        SyscallSpec(243, "mq_timedreceive", [.fd, .ptr, .uint, .ptr, .ptr],
                    out: [.resultSized(arg: 1), .fixed(arg: 3, size: 4)]),
        SyscallSpec(244, "mq_notify", [.fd, .ptr]),
        SyscallSpec(245, "mq_getsetattr", [.fd, .ptr, .ptr], out: [.fixed(arg: 2, size: 64)]),

        // ---- waiting for signals ----
        // These return when a signal arrives; replay returns the recorded result and delivers the
        // signal from its signal event. rt_sigsuspend's temporary mask is also the mask the
        // handler starts with (plus sa_mask), until sigreturn restores the old one: delivering
        // the signal on replay has to set it, since the emulated call does not.
        SyscallSpec(34, "pause", [], blocking: .waits),
        SyscallSpec(127, "rt_sigpending", [.ptr, .uint], out: [.argSized(arg: 0, sizeArg: 1, unit: 1)]),
        SyscallSpec(128, "rt_sigtimedwait", [.ptr, .ptr, .ptr, .uint], out: [.fixed(arg: 1, size: 128)],
                    blocking: .waits),
        SyscallSpec(130, "rt_sigsuspend", [.ptr, .uint], blocking: .waits, mask: .direct(mask: 0, size: 1)),
        // sigqueue and pthread_sigqueue: like kill and tgkill (core table), the signal they send
        // is a signal event of the trace wherever it lands among the recorded processes, so
        // replay only returns the result. The kernel reads the siginfo and writes nothing.
        SyscallSpec(129, "rt_sigqueueinfo", [.int, .int, .ptr]),
        SyscallSpec(297, "rt_tgsigqueueinfo", [.int, .int, .int, .ptr]),

        // ---- interval and POSIX timers (alarm is in the core table) ----
        SyscallSpec(36, "getitimer", [.int, .ptr], out: [.fixed(arg: 1, size: 32)]),
        SyscallSpec(38, "setitimer", [.int, .ptr, .ptr], out: [.fixed(arg: 2, size: 32)]),
        SyscallSpec(222, "timer_create", [.int, .ptr, .ptr], out: [.fixed(arg: 2, size: 4)]),
        SyscallSpec(223, "timer_settime", [.int, .hex, .ptr, .ptr], out: [.fixed(arg: 3, size: 32)]),
        SyscallSpec(224, "timer_gettime", [.int, .ptr], out: [.fixed(arg: 1, size: 32)]),
        SyscallSpec(225, "timer_getoverrun", [.int]),
        SyscallSpec(226, "timer_delete", [.int]),
    ]
}
