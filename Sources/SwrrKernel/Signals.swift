// Signal names (x86-64 numbering) for messages and `swrr dump`.

public enum SignalNames {
    public static let names: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
        7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
        13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT",
        19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU",
        25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
        31: "SIGSYS",
    ]

    public static func name(_ signal: Int32) -> String {
        if let n = names[signal] { return n }
        if signal >= 34 && signal <= 64 { return "SIGRTMIN+\(signal - 34)" }
        return "signal \(signal)"
    }

    /// Signals that the faulting instruction itself raises (deterministic: they recur at the
    /// same instruction on replay) when their si_code is positive (sent by the kernel).
    public static let synchronous: Set<Int32> = [4, 5, 7, 8, 11]
}

public enum ErrnoNames {
    public static let names: [Int32: String] = [
        1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG",
        8: "ENOEXEC", 9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES",
        14: "EFAULT", 16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR",
        21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY",
        27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 31: "EMLINK", 32: "EPIPE",
        33: "EDOM", 34: "ERANGE", 36: "ENAMETOOLONG", 38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP",
        61: "ENODATA", 75: "EOVERFLOW", 95: "EOPNOTSUPP", 98: "EADDRINUSE", 104: "ECONNRESET",
        110: "ETIMEDOUT", 111: "ECONNREFUSED", 115: "EINPROGRESS", 512: "ERESTARTSYS",
        513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 516: "ERESTART_RESTARTBLOCK",
        // What the long tail's calls answer (issue 14): quotactl, locks, SysV and POSIX message
        // queues, sockets, keys.
        15: "ENOTBLK", 35: "EDEADLK", 37: "ENOLCK", 42: "ENOMSG", 43: "EIDRM", 62: "ETIME", 71: "EPROTO",
        74: "EBADMSG", 84: "EILSEQ", 88: "ENOTSOCK", 89: "EDESTADDRREQ", 90: "EMSGSIZE", 91: "EPROTOTYPE",
        92: "ENOPROTOOPT", 93: "EPROTONOSUPPORT", 97: "EAFNOSUPPORT", 99: "EADDRNOTAVAIL", 100: "ENETDOWN",
        101: "ENETUNREACH", 103: "ECONNABORTED", 105: "ENOBUFS", 106: "EISCONN", 107: "ENOTCONN",
        113: "EHOSTUNREACH", 114: "EALREADY", 116: "ESTALE", 122: "EDQUOT", 125: "ECANCELED", 126: "ENOKEY",
        127: "EKEYEXPIRED", 128: "EKEYREVOKED", 129: "EKEYREJECTED", 130: "EOWNERDEAD", 131: "ENOTRECOVERABLE",
    ]
    public static func name(_ errno: Int32) -> String { names[errno] ?? "E\(errno)" }
}
