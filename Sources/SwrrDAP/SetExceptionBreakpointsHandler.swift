// `setExceptionBreakpoints`: which signals stop the replay (InitializeHandler.exceptionFilters):
// fatal ones, or all of them. The filter names are DAP's; the core takes the policy they select.
import SwrrDebugger

public struct SetExceptionBreakpointsHandler: TypedRequestHandler {
    public let command = "setExceptionBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ arguments: SetExceptionBreakpointsArguments, adapter: Adapter) throws -> SetBreakpointsResponseBody? {
        let filters = arguments.filters
        let known = Set(InitializeHandler.exceptionFilters.map(\.filter))
        if let bad = filters.first(where: { !known.contains($0) }) {
            throw RequestError("setExceptionBreakpoints: unknown filter '\(bad)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        adapter.session.breakpoints.signals = filters.contains("all-signals") ? .all
            : filters.contains("fatal-signals") ? .fatal : .none
        return SetBreakpointsResponseBody(breakpoints: filters.map { _ in Breakpoint(verified: true) })
    }
}
