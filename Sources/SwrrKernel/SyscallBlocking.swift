// Syscalls that almost always block: waits for another task, for time, or for a signal. The
// recorder hands the CPU to another task as soon as one of these is entered, instead of waiting
// for its block timeout; every other call still gets that timeout (a read of a pipe may or may
// not block). Measured reason: python3's GIL hands over with timed futex waits, and a 3 ms
// timeout per hand-over made a 0.02 s threaded script take 116 s to record.

public enum SyscallBlocking {
    static let alwaysWaits: Set<String> = [
        "nanosleep", "clock_nanosleep", "pause", "rt_sigsuspend", "rt_sigtimedwait",
        "wait4", "waitid", "sched_yield",
    ]

    /// Calls the recorder waits out however long they take, never handing the CPU to another
    /// task meanwhile. execve never waits for another task, but a slow one (measured: make's
    /// execs of gcc and of the linked program took over the 2 ms block timeout on a loaded
    /// machine, 3 recordings in 12) would otherwise let the vfork parent run before the exec
    /// event: posix_spawn's parent then unmaps the child's stack, and the replayed execve, which
    /// runs at the exec event, finds its argv gone (EFAULT).
    static let neverHandsOver: Set<String> = ["execve", "execveat"]

    public static func keepsTheCPU(_ number: Int) -> Bool {
        neverHandsOver.contains(SyscallTable.name(number))
    }

    public static func isLikely(_ spec: SyscallSpec, args: [UInt64]) -> Bool {
        if alwaysWaits.contains(spec.name) { return true }
        switch spec.name {
        case "futex":
            // FUTEX_WAIT (0), FUTEX_WAIT_BITSET (9), FUTEX_LOCK_PI (6), FUTEX_WAIT_REQUEUE_PI (11)
            let op = args[1] & 0x7f
            return op == 0 || op == 9 || op == 6 || op == 11
        case "poll", "ppoll", "epoll_wait", "epoll_pwait", "epoll_pwait2":
            // A zero timeout returns at once. poll's timeout is argument 2 (ms); the others
            // take a pointer or a count where 0 also means "do not wait".
            switch spec.name {
            case "poll": return Int32(truncatingIfNeeded: args[2]) != 0
            case "epoll_wait", "epoll_pwait": return Int32(truncatingIfNeeded: args[3]) != 0
            default: return true   // ppoll, epoll_pwait2: a timespec pointer, NULL = forever
            }
        default:
            return false
        }
    }
}
