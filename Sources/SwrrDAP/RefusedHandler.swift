// Requests swrr-dap always refuses, each with the reason (a table).

public struct RefusedHandler: TypedRequestHandler {
    public let command: String
    public let reason: String
    public var validStates: Set<SessionState> { Set(SessionState.allCases) }

    public func handle(_ arguments: NoArguments, adapter: Adapter) throws -> NoBody? {
        throw RequestError(reason)
    }

    static let pastIsFixed = "a replay cannot change the past: swrr-dap shows the recorded execution, " +
        "which cannot be modified"

    public static let table: [(command: String, reason: String)] = [
        ("setVariable", pastIsFixed),
        ("setExpression", pastIsFixed),
        ("attach", "swrr-dap cannot attach to a running process: use 'launch' with 'program' " +
                   "(to record it) or 'trace' (to debug an existing recording)"),
    ]

    public static let all: [RequestHandler] = table.map { RefusedHandler(command: $0.command, reason: $0.reason) }
}
