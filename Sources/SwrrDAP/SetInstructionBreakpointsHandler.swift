// `setInstructionBreakpoints`: breakpoints on instruction addresses (an instructionReference as
// stackTrace and disassemble hand out, plus an offset), replacing the previous ones.
import SwrrDebugger

public struct SetInstructionBreakpointsHandler: TypedRequestHandler {
    public let command = "setInstructionBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ arguments: SetInstructionBreakpointsArguments, adapter: Adapter) throws -> SetBreakpointsResponseBody? {
        let table = adapter.session.breakpoints
        let made = arguments.breakpoints.map { a -> UserBreakpoint in
            let ref = a.instructionReference
            let offset = a.offset ?? 0
            let b = table.make(.instruction, ref + (offset != 0 ? "\(offset >= 0 ? "+" : "")\(offset)" : ""))
            b.instructionAddress = parseAddress(ref).map { UInt64(bitPattern: Int64(bitPattern: $0) &+ Int64(offset)) }
            b.condition = ExpressionCondition(a.condition)
            b.hitCondition = a.hitCondition
            return b
        }
        table.instruction = made
        return BreakpointRequests.apply(made, adapter: adapter)
    }
}
