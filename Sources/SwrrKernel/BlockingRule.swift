// Whether a syscall almost always blocks: waits for another task, for time, or for a signal. The
// recorder hands the CPU to another task as soon as such a call is entered, instead of waiting for
// its block timeout; every other call still gets that timeout (a read of a pipe may or may not
// block). Measured reason: python3's GIL hands over with timed futex waits, and a 3 ms timeout
// per hand-over made a 0.02 s threaded script take 116 s to record. The table's specs carry the
// rule (SyscallSpec.blocking).

public enum BlockingRule: Sendable, Equatable {
    /// May or may not block: the recorder gives it the block timeout.
    case mayBlock
    /// Waits (nanosleep, pause, wait4, sched_yield...; ppoll and epoll_pwait2, whose timeout is a
    /// timespec pointer, NULL meaning forever).
    case waits
    /// Waits unless the C int timeout in argument `timeoutArg` is 0, which returns at once (poll's
    /// milliseconds, epoll_wait's and epoll_pwait's).
    case waitsUnlessZero(timeoutArg: Int)
    /// Waits when the operation in argument `opArg`, masked with `mask`, is one of `ops`
    /// (futex: FUTEX_WAIT 0, FUTEX_LOCK_PI 6, FUTEX_WAIT_BITSET 9, FUTEX_WAIT_REQUEUE_PI 11; the
    /// mask 0x7f drops FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME).
    case waitsFor(opArg: Int, mask: UInt64, ops: [UInt64])
    /// Waited out however long it takes, never handing the CPU to another task meanwhile. execve
    /// never waits for another task, but a slow one (measured: make's execs of gcc and of the
    /// linked program took over the 2 ms block timeout on a loaded machine, 3 recordings in 12)
    /// would otherwise let the vfork parent run before the exec event: posix_spawn's parent then
    /// unmaps the child's stack, and the replayed execve, which runs at the exec event, finds its
    /// argv gone (EFAULT).
    case keepsTheCPU

    /// Whether a call with these arguments will almost surely block.
    public func isLikely(args: [UInt64]) -> Bool {
        func arg(_ i: Int) -> UInt64 { i >= 0 && i < args.count ? args[i] : 0 }
        switch self {
        case .mayBlock, .keepsTheCPU: return false
        case .waits: return true
        case .waitsUnlessZero(let t): return Int32(truncatingIfNeeded: arg(t)) != 0
        case .waitsFor(let opArg, let mask, let ops): return ops.contains(arg(opArg) & mask)
        }
    }
}

extension SyscallTable {
    /// Whether the recorder waits out syscall `number` on the CPU (BlockingRule.keepsTheCPU).
    public static func keepsTheCPU(_ number: Int) -> Bool {
        spec(number)?.blocking == .keepsTheCPU
    }
}
