// `setBreakpoints`: the source breakpoints of one file (line, condition, hitCondition,
// logMessage), replacing that file's previous ones.

public struct SetBreakpointsHandler: RequestHandler {
    public let command = "setBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let source = try arguments.requiredObject("source")
        let sourceArgs = Arguments(source, command: "setBreakpoints source")
        let path = try sourceArgs.string("path")
        _ = try sourceArgs.string("name")
        var lines: [Int] = []
        if let bps = try arguments.objects("breakpoints") {
            for (i, bp) in bps.enumerated() {
                let a = Arguments(bp, command: "setBreakpoints breakpoints[\(i)]")
                lines.append(try a.requiredInteger("line"))
                _ = try a.integer("column")
                _ = try a.string("condition")
                _ = try a.string("hitCondition")
                _ = try a.string("logMessage")
            }
        } else if let old = arguments.object["lines"] as? [Any] {
            lines = old.compactMap { IncomingMessage.integer($0) }
        }
        adapter.session.breakpoints["source:" + (path ?? "")] = lines.map { ["line": $0] }
        return ["breakpoints": lines.map { PendingBreakpoints.unverified(["line": $0, "source": source]) }]
    }
}
