// `cancel` {requestId?, progressId?}: ends the operation under way on the run thread when the
// arguments name it, by the request that started it (a continue, reverseContinue, stepBack,
// goto…, a valueHistory or `-history` evaluate) or by the progressId of its progress events. The
// engine stops it as a `pause` does (SwrrReplay/ReplayInterrupt.swift), at an exact position,
// within the engine's 50 ms slice: a `stopped` event with reason "pause" says it was cancelled
// and where the replay is. A request still waiting for its response (valueHistory, evaluate) is
// answered with success false and message "cancelled"; the run requests were answered when they
// started (DAP answers continue at once), so only their stop says so. Cancelling anything else
// (a request already answered, an unknown id) does nothing and succeeds, as DAP asks.

public struct CancelHandler: TypedRequestHandler {
    public let command = "cancel"
    public var validStates: Set<SessionState> { SessionState.live }

    public func handle(_ arguments: CancelArguments, adapter: Adapter) throws -> NoBody? {
        _ = adapter.cancelLongRun(arguments)
        return nil
    }
}
