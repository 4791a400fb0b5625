// `stepOut`: running to the return address of the current function (frame 0 from the unwinder).
// Announced with `continued`; the stop (reason step, or a breakpoint or signal met on the way)
// follows.

public struct StepOutHandler: TypedRequestHandler {
    public let command = "stepOut"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: StepOutArguments, adapter: Adapter) throws -> NoBody? {
        let tid = try Resume.thread(arguments.threadId, command, adapter: adapter)
        try Resume.start(adapter, .stepOut(tid: tid, arguments.granularity))
        return nil
    }
}
