// `continue`: replays forward (to the end of the recording, until breakpoints exist). At the
// end, it stops there again at once.

/// Starting to run forward: the state changes and `continued` is announced before any `stopped`.
enum Resume {
    static func start(_ adapter: Adapter) throws {
        guard let target = adapter.session.target else { throw RequestError("nothing is being debugged") }
        try adapter.session.move(to: .running)
        adapter.afterResponse("continued", ["threadId": target.focusThread, "allThreadsContinued": true])
    }
}

public struct ContinueHandler: RequestHandler {
    public let command = "continue"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        _ = try arguments.requiredInteger("threadId")
        _ = try arguments.bool("singleThread")
        try Resume.start(adapter)
        return ["allThreadsContinued": true]
    }
}
