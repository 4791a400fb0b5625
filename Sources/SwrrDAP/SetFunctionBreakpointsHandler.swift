// `setFunctionBreakpoints`: breakpoints on function names (after the prologue), replacing the
// previous ones.

public struct SetFunctionBreakpointsHandler: UntypedRequestHandler {
    public let command = "setFunctionBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        guard let bps = try arguments.objects("breakpoints") else {
            throw RequestError("setFunctionBreakpoints: the argument 'breakpoints' is required")
        }
        let table = adapter.session.breakpoints
        var made: [UserBreakpoint] = []
        for (i, bp) in bps.enumerated() {
            let a = Arguments(bp, command: "setFunctionBreakpoints breakpoints[\(i)]")
            let name = try a.requiredString("name")
            let b = table.make(.function, name)
            b.function = name
            b.condition = try a.string("condition")
            b.hitCondition = try a.string("hitCondition")
            made.append(b)
        }
        table.function = made
        return ["breakpoints": BreakpointRequests.apply(made, adapter: adapter)]
    }
}
