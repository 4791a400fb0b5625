// `setInstructionBreakpoints`: breakpoints on instruction addresses (an instructionReference as
// stackTrace and disassemble hand out, plus an offset), replacing the previous ones.

public struct SetInstructionBreakpointsHandler: UntypedRequestHandler {
    public let command = "setInstructionBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        guard let bps = try arguments.objects("breakpoints") else {
            throw RequestError("setInstructionBreakpoints: the argument 'breakpoints' is required")
        }
        let table = adapter.session.breakpoints
        var made: [UserBreakpoint] = []
        for (i, bp) in bps.enumerated() {
            let a = Arguments(bp, command: "setInstructionBreakpoints breakpoints[\(i)]")
            let ref = try a.requiredString("instructionReference")
            let offset = try a.integer("offset", in: Arguments.Range.any) ?? 0
            let b = table.make(.instruction, ref + (offset != 0 ? "\(offset >= 0 ? "+" : "")\(offset)" : ""))
            b.instructionAddress = parseAddress(ref).map { UInt64(bitPattern: Int64(bitPattern: $0) &+ Int64(offset)) }
            b.condition = try a.string("condition")
            b.hitCondition = try a.string("hitCondition")
            made.append(b)
        }
        table.instruction = made
        return ["breakpoints": BreakpointRequests.apply(made, adapter: adapter)]
    }
}
