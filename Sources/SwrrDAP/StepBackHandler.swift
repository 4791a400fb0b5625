// `stepBack`: one instruction backwards, or (statement, line) back to the first instruction of
// the previous line, calls met on the way run back over. Announced with `continued`.

public struct StepBackHandler: RequestHandler {
    public let command = "stepBack"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let tid = try Resume.thread(arguments, adapter: adapter, allowAtEnd: true)
        _ = try arguments.bool("singleThread")
        try Resume.start(adapter, .stepBack(tid: tid, try Resume.granularity(arguments)))
        return nil
    }
}
