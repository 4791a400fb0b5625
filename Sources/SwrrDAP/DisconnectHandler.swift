// `disconnect`: ends every replayed task, sends `terminated` (once per session), answers, and
// ends swrr-dap's loop. Nothing is left running.

public struct DisconnectHandler: RequestHandler {
    public let command = "disconnect"
    public var validStates: Set<SessionState> { Set(SessionState.allCases) }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        _ = try arguments.bool("restart")
        _ = try arguments.bool("terminateDebuggee")
        _ = try arguments.bool("suspendDebuggee")
        adapter.session.end()
        if !adapter.session.terminatedSent {
            adapter.session.terminatedSent = true
            adapter.sendEvent("terminated")
        }
        adapter.finish()
        return nil
    }
}
