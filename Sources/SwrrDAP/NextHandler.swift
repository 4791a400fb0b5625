// `next`: stepping over calls (by line: to the start of another line; by instruction: one instruction, a call run to its return).
// Announced with `continued`; the stop (reason step, or a breakpoint or signal met on the way)
// follows.

public struct NextHandler: TypedRequestHandler {
    public let command = "next"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: NextArguments, adapter: Adapter) throws -> NoBody? {
        let tid = try Resume.thread(arguments.threadId, command, adapter: adapter)
        try Resume.start(adapter, .next(tid: tid, arguments.granularity))
        return nil
    }
}
