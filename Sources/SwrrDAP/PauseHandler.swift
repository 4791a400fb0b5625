// `pause`: the replay engine cannot be interrupted in the middle of a run, so a pause while
// running is acknowledged and said so in the debug console: the replay stops at its next
// breakpoint, signal or the end of the recording. Already stopped: nothing to do.

public struct PauseHandler: RequestHandler {
    public let command = "pause"
    public var validStates: Set<SessionState> { [.running, .stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        _ = try arguments.requiredInteger("threadId")
        if adapter.session.state == .running {
            adapter.afterResponse("output", ["category": "console", "output":
                "swrr-dap: the replay cannot be interrupted in the middle of a run yet: it stops at the next " +
                "breakpoint, signal or the end of the recording\n"])
        }
        return nil
    }
}
