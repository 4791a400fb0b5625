// Requests that need reverse execution, which the replay engine does not offer yet. They are
// registered so that every capability swrr-dap advertises is answered, each with a clear
// success:false until then; each entry here is then replaced by a real handler in its own file.

public struct EngineRequiredHandler: RequestHandler {
    public let command: String
    /// What the request does, for the message ("showing the call stack").
    public let what: String
    public var validStates: Set<SessionState> { SessionState.live }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        throw RequestError("\(command) (\(what)) is not available yet in this version of swrr-dap: " +
                           "it needs reverse execution in the replay engine")
    }

    /// The commands and what each one is for.
    public static let table: [(command: String, what: String)] = [
        ("goto", "travelling to a line's next or previous execution"),
        ("gotoTargets", "finding where a line executes"),
        // Custom requests (README, "swrr-dap"): what DAP lacks.
        ("reverseStepOut", "stepping backwards out of the current function"),
    ]

    public static let all: [RequestHandler] = table.map { EngineRequiredHandler(command: $0.command, what: $0.what) }
}
