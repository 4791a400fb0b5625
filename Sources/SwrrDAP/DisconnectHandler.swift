// `disconnect`: ends every replayed task, sends `terminated` (once per session), answers, and
// ends swrr-dap's loop. Nothing is left running.

public struct DisconnectHandler: TypedRequestHandler {
    public let command = "disconnect"
    public var validStates: Set<SessionState> { Set(SessionState.allCases) }

    public func handle(_ arguments: DisconnectArguments, adapter: Adapter) throws -> NoBody? {
        adapter.endLongRun()   // a request waiting for its pass is answered (cancelled)
        adapter.session.end()
        if !adapter.session.terminatedSent {
            adapter.session.terminatedSent = true
            adapter.sendEvent("terminated")
        }
        adapter.finish()
        return nil
    }
}
