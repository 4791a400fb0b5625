// `setFunctionBreakpoints`: breakpoints on function names (after the prologue), replacing the
// previous ones.
import SwrrDebugger

public struct SetFunctionBreakpointsHandler: TypedRequestHandler {
    public let command = "setFunctionBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ arguments: SetFunctionBreakpointsArguments, adapter: Adapter) throws -> SetBreakpointsResponseBody? {
        let table = adapter.session.breakpoints
        let made = arguments.breakpoints.map { a -> UserBreakpoint in
            let b = table.make(.function, a.name)
            b.function = a.name
            b.condition = ExpressionCondition(a.condition)
            b.hitCondition = a.hitCondition
            return b
        }
        table.function = made
        return BreakpointRequests.apply(made, adapter: adapter)
    }
}
