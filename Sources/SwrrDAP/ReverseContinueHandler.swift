// `reverseContinue`: runs backwards to the previous breakpoint hit (condition true), data
// breakpoint trap, or the start of the recording. Announced with `continued`.

public struct ReverseContinueHandler: RequestHandler {
    public let command = "reverseContinue"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        // The requests that resume (or pause) every thread do not use the thread: any integer.
        _ = try arguments.requiredInteger("threadId", in: Arguments.Range.any)
        _ = try arguments.bool("singleThread")
        try Resume.start(adapter, .reverseContinue)
        return nil
    }
}
