// Custom request `gotoEvent` {"event": N}: travels in time to the boundary before event N of the
// recording (what `currentEvent` reports), backwards or forwards. Announced with `continued`,
// then `stopped` with reason "goto".

public struct GotoEventHandler: TypedRequestHandler {
    public let command = "gotoEvent"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: GotoEventArguments, adapter: Adapter) throws -> NoBody? {
        let n = arguments.event
        guard n >= 1 else { throw RequestError("gotoEvent: event \(n) is before the start of the recording (event 1)") }
        try Resume.start(adapter, .gotoEvent(n))
        return nil
    }
}
