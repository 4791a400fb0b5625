// `breakpointLocations`: the positions where a breakpoint can stop between `line` (from `column`)
// and `endLine` (up to `endColumn`) of a source, from the line tables of the modules loaded now
// (the core's Debugger.breakpointLocations; VS Code asks it for inline breakpoint positions). A
// line without code has none: a breakpoint there moves to the next line that has (as
// setBreakpoints reports), which is not a position of that line.
import SwrrDebugInfo
import SwrrDebugger

public struct BreakpointLocationsHandler: TypedRequestHandler {
    public let command = "breakpointLocations"
    /// Not while running: the line tables are read through the replay's address spaces.
    public var validStates: Set<SessionState> { [.launched, .stopped] }

    public func handle(_ arguments: BreakpointLocationsArguments, adapter: Adapter) throws -> BreakpointLocationsResponseBody? {
        guard let path = arguments.source.path else {
            throw RequestError("breakpointLocations: the source has no 'path'")
        }
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let first = arguments.line, last = arguments.endLine ?? arguments.line
        guard first <= last else { return BreakpointLocationsResponseBody(breakpoints: []) }
        let base = adapter.session.columnBase
        // DWARF columns count from 1; both bounds are in the client's columns.
        let from = arguments.column.map { $0 - base + 1 } ?? 0
        let to = arguments.endColumn.map { $0 - base + 1 } ?? Int.max
        let positions = try t.core.breakpointLocations(file: path, lines: first...last, in: try t.liveThread(nil))
        let kept = positions.filter { p in
            !(p.line == first && p.column != 0 && p.column < from) && !(p.line == last && p.column > to)
        }
        return BreakpointLocationsResponseBody(breakpoints: kept.map {
            .init(line: $0.line, column: $0.column > 0 ? $0.column - 1 + base : nil)
        })
    }
}
