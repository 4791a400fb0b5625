// `pause`: stops the running replay where it is (between two events). Already stopped: nothing
// to do.

public struct PauseHandler: RequestHandler {
    public let command = "pause"
    public var validStates: Set<SessionState> { [.running, .stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        _ = try arguments.requiredInteger("threadId")
        if adapter.session.state == .running, let target = adapter.session.target {
            adapter.report(.paused(event: target.eventNumber))
        }
        return nil
    }
}
