// `pause`: stops a running replay. The engine's operation under way is interrupted
// (ReplayDebugger.interrupt) and stops at an exact position of the recording
// (SwrrReplay/ReplayInterrupt.swift): forward, at the next event boundary, or where a task that
// computes without events is; backwards, where the search had got to. A request made of several
// engine operations (a step by line, a reverseContinue whose conditions do not hold) ends at the
// first one that stops. The stop is `stopped` with reason "pause". Already stopped: nothing to do.
import SwrrReplay

public struct PauseHandler: TypedRequestHandler {
    public let command = "pause"
    public var validStates: Set<SessionState> { [.running, .stopped] }

    public func handle(_ arguments: PauseArguments, adapter: Adapter) throws -> NoBody? {
        if adapter.session.state == .running { adapter.session.target?.pause() }
        return nil
    }
}

/// Thrown through a run when a pause stopped its engine operation (or came between two).
struct Paused: Error {}

extension DebuggerTarget {
    /// The stop a paused `request` reports, saying where it is.
    func pausedStop(_ request: RunRequest) -> TargetStop {
        let tid = (try? debugger.currentTid()) ?? focusTid
        let event = (try? debugger.eventNumber()) ?? 0
        var description = "Paused at event \(event) of the recording"
        if case .state? = (try? debugger.position())?.path.last {
            description = "Paused in the middle of a computation (event \(event) of the recording)"
        }
        switch request {
        case .reverseContinue, .stepBack:
            description += ", where going back in time had got to"
        case .gotoEvent:
            description += ", where the travel in time had got to"
        default:
            break
        }
        return .stopped(StopInfo(reason: "pause", threadId: Int(tid), description: description))
    }
}
