// `pause`: stops a running replay. The engine's operation under way is interrupted
// (ReplayDebugger.interrupt) and stops at an exact position of the recording
// (SwrrReplay/ReplayInterrupt.swift): forward, at the next event boundary, or where a task that
// computes without events is; backwards, where the search had got to. A request made of several
// engine operations (a step by line, a reverseContinue whose conditions do not hold) ends at the
// first one that stops: the core returns a `.paused` stop (SwrrDebugger's Engine), reported as
// `stopped` with reason "pause". Already stopped: nothing to do.

public struct PauseHandler: TypedRequestHandler {
    public let command = "pause"
    public var validStates: Set<SessionState> { [.running, .stopped] }

    public func handle(_ arguments: PauseArguments, adapter: Adapter) throws -> NoBody? {
        if adapter.session.state == .running { adapter.session.target?.pause() }
        return nil
    }
}
