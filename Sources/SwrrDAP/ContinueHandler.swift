// `continue`: replays forward to the next breakpoint, data breakpoint, signal (per the exception
// filters) or the end of the recording. At the end, it stops there again at once.

/// Starting to run: the state changes and `continued` is announced before any `stopped`.
enum Resume {
    static func start(_ adapter: Adapter, _ request: RunRequest = .continue) throws {
        guard let target = adapter.session.target else { throw RequestError("nothing is being debugged") }
        try target.begin(request)
        try adapter.session.move(to: .running)
        adapter.afterResponse("continued", ["threadId": target.focusThread, "allThreadsContinued": true])
    }

    /// The thread a stepping request names, checked against the live threads.
    static func thread(_ arguments: Arguments, adapter: Adapter, allowAtEnd: Bool = false) throws -> Int32 {
        let id = try arguments.threadID()
        guard let t = adapter.session.target as? DebuggerTarget else { throw RequestError("nothing is being debugged") }
        if t.atEnd && !allowAtEnd { throw RequestError("\(arguments.command): the replay is at the end of the recording") }
        return try t.liveThread(id)
    }

    static func granularity(_ arguments: Arguments) throws -> RunRequest.Granularity {
        guard let g = try arguments.string("granularity") else { return .statement }
        guard let v = RunRequest.Granularity(rawValue: g) else {
            throw RequestError("\(arguments.command): 'granularity' must be statement, line or instruction")
        }
        return v
    }
}

public struct ContinueHandler: RequestHandler {
    public let command = "continue"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        // The requests that resume (or pause) every thread do not use the thread: any integer.
        _ = try arguments.requiredInteger("threadId", in: Arguments.Range.any)
        _ = try arguments.bool("singleThread")
        try Resume.start(adapter)
        return ["allThreadsContinued": true]
    }
}
