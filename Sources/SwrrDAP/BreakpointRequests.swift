// What the set*Breakpoints handlers share: placing the set's breakpoints in the replay now when
// it is stopped, or at the next stop when it runs (or before launch); DAP's Breakpoint objects
// made from the core's status of each.
import SwrrDebugger

enum BreakpointRequests {
    /// Places the set's breakpoints and returns the response body with the DAP objects of `bps`.
    static func apply(_ bps: [UserBreakpoint], adapter: Adapter) -> SetBreakpointsResponseBody {
        let pending: String
        if let t = adapter.session.target {
            if !t.isRunning {
                t.core.placeBreakpoints()
                return SetBreakpointsResponseBody(breakpoints: bps.map { object($0, session: adapter.session) })
            }
            t.breakpointsChanged = true
            pending = "placed when the replay stops next"
        } else {
            pending = "placed when the program is launched"
        }
        for bp in bps { bp.status = BreakpointStatus() }
        return SetBreakpointsResponseBody(breakpoints: bps.map {
            Breakpoint(id: $0.id, verified: false, message: pending, reason: "pending")
        })
    }

    /// The DAP Breakpoint of a breakpoint as last resolved. A source breakpoint's `source` is the
    /// client's own object; a function or instruction breakpoint's is the line table's file.
    static func object(_ bp: UserBreakpoint, session: Session) -> Breakpoint {
        let s = bp.status
        var d = Breakpoint(id: bp.id, verified: s.verified, message: s.message, line: s.line,
                           instructionReference: s.address.map(hex), reason: s.pending ? "pending" : nil)
        if bp.kind == .source {
            d.source = session.breakpointSources[bp.id].map(Breakpoint.Place.client)
        } else {
            d.source = s.file.map { .lineTable(Sources.source($0)) }
        }
        return d
    }
}
