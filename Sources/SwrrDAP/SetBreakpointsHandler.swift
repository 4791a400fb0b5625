// `setBreakpoints`: the source breakpoints of one file (line, condition, hitCondition,
// logMessage), replacing that file's previous ones. Each is resolved with the line table to the
// first line at or after it that has code, and answered with that actual line.
import SwrrDebugger

public struct SetBreakpointsHandler: TypedRequestHandler {
    public let command = "setBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ arguments: SetBreakpointsArguments, adapter: Adapter) throws -> SetBreakpointsResponseBody? {
        let source = arguments.source
        let table = adapter.session.breakpoints
        let key = source.path ?? source.name ?? ""
        for old in table.source[key] ?? [] { adapter.session.breakpointSources[old.id] = nil }
        let made = arguments.breakpoints.map { s -> UserBreakpoint in
            let bp = table.make(.source, "\(key.split(separator: "/").last ?? ""):\(s.line)")
            bp.file = source.path
            bp.line = s.line
            adapter.session.breakpointSources[bp.id] = source.raw
            bp.condition = ExpressionCondition(s.condition)
            bp.hitCondition = s.hitCondition
            bp.logMessage = s.logMessage
            return bp
        }
        table.source[key] = made.isEmpty ? nil : made
        return BreakpointRequests.apply(made, adapter: adapter)
    }
}
