// `stepIn`: stepping into calls (by line: to the start of another line, or past the prologue of a called function with line information).
// Announced with `continued`; the stop (reason step, or a breakpoint or signal met on the way)
// follows.

public struct StepInHandler: RequestHandler {
    public let command = "stepIn"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let tid = try Resume.thread(arguments, adapter: adapter)
        _ = try arguments.bool("singleThread")
        try Resume.start(adapter, .stepIn(tid: tid, try Resume.granularity(arguments)))
        return nil
    }
}
