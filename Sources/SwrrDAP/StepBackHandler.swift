// `stepBack`: one instruction backwards, or (statement, line) back to the first instruction of
// the previous line, calls met on the way run back over. Announced with `continued`.

public struct StepBackHandler: TypedRequestHandler {
    public let command = "stepBack"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: StepBackArguments, adapter: Adapter) throws -> NoBody? {
        let tid = try Resume.thread(arguments.threadId, command, adapter: adapter, allowAtEnd: true)
        try Resume.start(adapter, .stepBack(tid: tid, arguments.granularity))
        return nil
    }
}
