// `next`: stepping over calls (by line: to the start of another line; by instruction: one instruction, a call run to its return).
// Announced with `continued`; the stop (reason step, or a breakpoint or signal met on the way)
// follows.

public struct NextHandler: RequestHandler {
    public let command = "next"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let tid = try Resume.thread(arguments, adapter: adapter)
        _ = try arguments.bool("singleThread")
        try Resume.start(adapter, .next(tid: tid, try Resume.granularity(arguments)))
        return nil
    }
}
