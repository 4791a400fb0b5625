// `stepIn`: stepping into calls (by line: to the start of another line, or past the prologue of a called function with line information).
// Announced with `continued`; the stop (reason step, or a breakpoint or signal met on the way)
// follows.

public struct StepInHandler: TypedRequestHandler {
    public let command = "stepIn"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: StepInArguments, adapter: Adapter) throws -> NoBody? {
        let tid = try Resume.thread(arguments.threadId, command, adapter: adapter)
        try Resume.start(adapter, .stepIn(tid: tid, arguments.granularity))
        return nil
    }
}
