// `stepOut`: running to the return address of the current function (frame 0 from the unwinder).
// Announced with `continued`; the stop (reason step, or a breakpoint or signal met on the way)
// follows.

public struct StepOutHandler: RequestHandler {
    public let command = "stepOut"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let tid = try Resume.thread(arguments, adapter: adapter)
        _ = try arguments.bool("singleThread")
        try Resume.start(adapter, .stepOut(tid: tid, try Resume.granularity(arguments)))
        return nil
    }
}
