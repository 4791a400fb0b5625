// Custom request `reverseStepOut` {"threadId"} (what DAP lacks; gdb's reverse-finish): back in
// time to where the current function was called, stopping at the call instruction in the
// caller (its line is the call's line). Announced with `continued`; `stopped` with reason
// "step" follows, or a breakpoint met on the way back, or the start of the recording.

public struct ReverseStepOutHandler: TypedRequestHandler {
    public let command = "reverseStepOut"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: ReverseStepOutArguments, adapter: Adapter) throws -> NoBody? {
        let tid = try Resume.thread(arguments.threadId, command, adapter: adapter)
        try Resume.start(adapter, .reverseStepOut(tid: tid))
        return nil
    }
}
