// `threads`: the recorded threads (recorded thread ids). Before a launch, and after the end,
// the list is empty.

public struct ThreadsHandler: TypedRequestHandler {
    public let command = "threads"
    public var validStates: Set<SessionState> { Set(SessionState.allCases) }

    public func handle(_ arguments: NoArguments, adapter: Adapter) throws -> ThreadsResponseBody? {
        let threads = adapter.session.target?.threads() ?? []
        return ThreadsResponseBody(threads: threads.map { .init(id: $0.id, name: $0.name) })
    }
}
