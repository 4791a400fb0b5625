// Why a replay stopped before the recorded end.
import SwrrTrace

public enum ReplayError: Error, CustomStringConvertible {
    /// The replayed program did something other than what was recorded.
    case divergence(event: Int, String)
    /// The trace cannot be read (damaged, foreign, newer, missing).
    case trace(String)
    /// ptrace or the system failed underneath.
    case tracee(String)
    /// A replayed task made no progress (asleep in the kernel, say) for SWRR_STUCK_SECONDS while
    /// the replay waited for its stop (StuckReplay.swift).
    case stuck(event: Int, String)

    public var description: String {
        switch self {
        case .divergence(let n, let what): return "divergence at event \(n): \(what)"
        case .trace(let what): return what
        case .tracee(let what): return "replay failed: \(what)"
        case .stuck(let n, let what): return "replay is stuck at event \(n): \(what)"
        }
    }
}

/// How a replay ended.
public enum ReplayOutcome: Equatable {
    /// The program ended as recorded, with this raw wait(2) status.
    case completed(waitStatus: Int32)
    /// The trace has no more events: the recording was interrupted (or stopped on purpose, with
    /// the recorder's reason) at `event`.
    case endedEarly(event: Int, reason: String?)
}
