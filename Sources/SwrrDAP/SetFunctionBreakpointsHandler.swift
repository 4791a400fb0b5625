// `setFunctionBreakpoints`: breakpoints on function names, replacing the previous ones.

public struct SetFunctionBreakpointsHandler: RequestHandler {
    public let command = "setFunctionBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        guard let bps = try arguments.objects("breakpoints") else {
            throw RequestError("setFunctionBreakpoints: the argument 'breakpoints' is required")
        }
        var names: [String] = []
        for (i, bp) in bps.enumerated() {
            let a = Arguments(bp, command: "setFunctionBreakpoints breakpoints[\(i)]")
            names.append(try a.requiredString("name"))
            _ = try a.string("condition")
            _ = try a.string("hitCondition")
        }
        adapter.session.breakpoints["function"] = names.map { ["name": $0] }
        return ["breakpoints": names.map { _ in PendingBreakpoints.unverified() }]
    }
}
