// Custom request `currentEvent`: where in the recording the replay is (event number, and
// whether it is at the end).

public struct CurrentEventHandler: TypedRequestHandler {
    public let command = "currentEvent"
    public var validStates: Set<SessionState> { [.launched, .stopped] }

    public func handle(_ arguments: NoArguments, adapter: Adapter) throws -> CurrentEventResponseBody? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        return CurrentEventResponseBody(event: t.eventNumber, atEnd: t.atEnd)
    }
}
