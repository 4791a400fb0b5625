// Where breakpoints can stop in a range of a source's lines (DAP's breakpointLocations, which
// editors ask for to show inline breakpoint positions): the statement rows of the line tables
// of the modules loaded now in a thread's process, so a library loaded later adds its own at the
// next stop. Each module's rows for a file are indexed once (LineTable.statementRows), so a
// request is a walk over that file's statement rows.
import SwrrDebugInfo

extension Debugger {
    public func breakpointLocations(file: String, lines: ClosedRange<Int>, in tid: Int32) throws -> [SourcePosition] {
        try space(for: tid).statementPositions(file: file, lines: lines)
    }
}
