// `setInstructionBreakpoints`: breakpoints on instruction addresses, replacing the previous ones.

public struct SetInstructionBreakpointsHandler: RequestHandler {
    public let command = "setInstructionBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        guard let bps = try arguments.objects("breakpoints") else {
            throw RequestError("setInstructionBreakpoints: the argument 'breakpoints' is required")
        }
        var refs: [JSONObject] = []
        for (i, bp) in bps.enumerated() {
            let a = Arguments(bp, command: "setInstructionBreakpoints breakpoints[\(i)]")
            let ref = try a.requiredString("instructionReference")
            let offset = try a.integer("offset") ?? 0
            _ = try a.string("condition")
            _ = try a.string("hitCondition")
            refs.append(["instructionReference": ref, "offset": offset])
        }
        adapter.session.breakpoints["instruction"] = refs
        return ["breakpoints": refs.map { PendingBreakpoints.unverified(["instructionReference": $0["instructionReference"]!]) }]
    }
}
