// `terminate`: ends the replay (every replayed task); the client then sends `disconnect`.

public struct TerminateHandler: TypedRequestHandler {
    public let command = "terminate"
    public var validStates: Set<SessionState> { Set(SessionState.allCases) }

    public func handle(_ arguments: TerminateArguments, adapter: Adapter) throws -> NoBody? {
        adapter.endLongRun()   // a request waiting for its pass is answered (cancelled)
        adapter.session.end()
        adapter.sendTerminated()
        return nil
    }
}
