// Syscalls that wait with a signal mask of their own (rt_sigsuspend, pselect6, ppoll,
// epoll_pwait, epoll_pwait2): while they wait the kernel blocks only what the call's mask says,
// a signal that interrupts them is delivered with that mask in force, and the handler's frame
// keeps the caller's mask for rt_sigreturn. Replay emulates these calls, so the program's own
// mask would still block such a signal (make's SIGCHLD during pselect6): ReplaySession lets a real
// rt_sigsuspend with the same mask take the signal instead. The table's specs say where each
// call's mask is (SyscallSpec.temporaryMask).

/// Where a syscall's temporary signal mask is.
public enum TemporarySignalMask: Sendable, Equatable {
    /// Argument `mask` points to the sigset, argument `size` is its size.
    case direct(mask: Int, size: Int)
    /// Argument `arg` points to a { const sigset_t *mask; size_t size } pair (pselect6).
    case indirect(arg: Int)

    /// The mask's (address, size) for these arguments; nil when the call has none (a NULL mask).
    /// `read` reads the program's memory (for pselect6's pair).
    public func location(args: [UInt64], read: (UInt64, Int) -> [UInt8]?) -> (address: UInt64, size: UInt64)? {
        switch self {
        case .direct(let m, let s):
            return args[m] == 0 ? nil : (args[m], args[s])
        case .indirect(let a):
            guard args[a] != 0, let pair = read(args[a], 16) else { return nil }
            let address = pair.loadU64(at: 0)
            return address == 0 ? nil : (address, pair.loadU64(at: 8))
        }
    }
}
