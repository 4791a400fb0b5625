// The syscalls swrr's own code names (the calls it injects into a tracee, the ones whose events it
// looks at), by their x86-64 numbers. A unit test checks every case against the names generated
// from the kernel header (SyscallNames.swift): `syscallNames[c.rawValue] == "\(c)"`. The table
// (SyscallTable.swift) keeps its literal numbers, checked the same way.

public enum Syscall: Int, CaseIterable, Sendable {
    case close = 3
    case mmap = 9
    case mprotect = 10
    case munmap = 11
    case rt_sigaction = 13
    case ioctl = 16
    case mremap = 25
    case clone = 56
    case fork = 57
    case vfork = 58
    case execve = 59
    case rt_sigsuspend = 130
    case sigaltstack = 131
    case prctl = 157
    case restart_syscall = 219
    case exit_group = 231
    case openat = 257
    case set_robust_list = 273
    case seccomp = 317
    case execveat = 322
    case clone3 = 435

    /// mmap, mprotect and mremap: after one succeeds, code may be where there was none (or other
    /// code), so a debugger puts its breakpoints in again.
    public static let mayMapCode: Set<Syscall> = [.mmap, .mprotect, .mremap]

    /// The number as the tracee's registers and the trace's events carry it.
    public var number: Int { rawValue }

    /// The call of a register's or an event's number, nil for one not named here (or out of
    /// range: orig_rax is -1 outside a syscall).
    public init?(number: Int64) {
        guard let n = Int(exactly: number) else { return nil }
        self.init(rawValue: n)
    }
}
