// `terminate`: ends the replay (every replayed task); the client then sends `disconnect`.

public struct TerminateHandler: RequestHandler {
    public let command = "terminate"
    public var validStates: Set<SessionState> { Set(SessionState.allCases) }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        _ = try arguments.bool("restart")
        adapter.session.end()
        adapter.sendTerminated()
        return nil
    }
}
