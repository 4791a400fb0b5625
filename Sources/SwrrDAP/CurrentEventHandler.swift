// Custom request `currentEvent`: where in the recording the replay is (event number, and
// whether it is at the end).

public struct CurrentEventHandler: RequestHandler {
    public let command = "currentEvent"
    public var validStates: Set<SessionState> { [.launched, .stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        return ["event": t.eventNumber, "atEnd": t.atEnd]
    }
}
