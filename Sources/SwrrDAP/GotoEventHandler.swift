// Custom request `gotoEvent` {"event": N}: travels in time to the boundary before event N of the
// recording (what `currentEvent` reports), backwards or forwards. Announced with `continued`,
// then `stopped` with reason "goto".

public struct GotoEventHandler: RequestHandler {
    public let command = "gotoEvent"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let n = try arguments.requiredInteger("event", in: Arguments.Range.any)
        guard n >= 1 else { throw RequestError("gotoEvent: event \(n) is before the start of the recording (event 1)") }
        try Resume.start(adapter, .gotoEvent(n))
        return nil
    }
}
