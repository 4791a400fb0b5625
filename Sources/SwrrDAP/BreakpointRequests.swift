// What the set*Breakpoints handlers share: placing the table's breakpoints in the replay now
// when it is stopped, or at the next stop when it runs (or before launch).

enum BreakpointRequests {
    /// Places the table's breakpoints and returns the response body with the DAP objects of `bps`.
    static func apply(_ bps: [UserBreakpoint], adapter: Adapter) -> SetBreakpointsResponseBody {
        if let t = adapter.session.target {
            if t.isRunning {
                t.breakpointsChanged = true
                for bp in bps {
                    bp.dap = Breakpoint(id: bp.id, verified: false, message: "placed when the replay stops next",
                                        reason: "pending")
                }
            } else {
                t.placeBreakpoints()
            }
        } else {
            for bp in bps {
                bp.dap = Breakpoint(id: bp.id, verified: false, message: "placed when the program is launched",
                                    reason: "pending")
            }
        }
        return SetBreakpointsResponseBody(breakpoints: bps.map(\.dap))
    }
}
