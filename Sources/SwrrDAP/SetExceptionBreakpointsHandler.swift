// `setExceptionBreakpoints`: which signals stop the replay (InitializeHandler.exceptionFilters):
// fatal ones, or all of them.

public struct SetExceptionBreakpointsHandler: UntypedRequestHandler {
    public let command = "setExceptionBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        guard let filters = try arguments.strings("filters") else {
            throw RequestError("setExceptionBreakpoints: the argument 'filters' is required")
        }
        let known = Set(InitializeHandler.exceptionFilters.compactMap { $0["filter"] as? String })
        if let bad = filters.first(where: { !known.contains($0) }) {
            throw RequestError("setExceptionBreakpoints: unknown filter '\(bad)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        adapter.session.breakpoints.exceptionFilters = Set(filters)
        return ["breakpoints": filters.map { _ in ["verified": true] as JSONObject }]
    }
}
