// `threads`: the recorded threads (recorded thread ids). Before a launch, and after the end,
// the list is empty.

public struct ThreadsHandler: RequestHandler {
    public let command = "threads"
    public var validStates: Set<SessionState> { Set(SessionState.allCases) }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let threads = adapter.session.target?.threads() ?? []
        return ["threads": threads.map { ["id": $0.id, "name": $0.name] as JSONObject }]
    }
}
