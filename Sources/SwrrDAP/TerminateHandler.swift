// `terminate`: ends the replay (every replayed task); the client then sends `disconnect`.

public struct TerminateHandler: TypedRequestHandler {
    public let command = "terminate"
    public var validStates: Set<SessionState> { Set(SessionState.allCases) }

    public func handle(_ arguments: TerminateArguments, adapter: Adapter) throws -> NoBody? {
        adapter.session.end()
        adapter.sendTerminated()
        return nil
    }
}
