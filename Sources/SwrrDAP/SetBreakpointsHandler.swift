// `setBreakpoints`: the source breakpoints of one file (line, condition, hitCondition,
// logMessage), replacing that file's previous ones. Each is resolved with the line table to the
// first line at or after it that has code, and answered with that actual line.

public struct SetBreakpointsHandler: UntypedRequestHandler {
    public let command = "setBreakpoints"
    public var validStates: Set<SessionState> { SessionState.configured }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let source = try arguments.requiredObject("source")
        let sourceArgs = Arguments(source, command: "setBreakpoints source")
        let path = try sourceArgs.sourcePath()
        _ = try sourceArgs.string("name")
        var specs: [(line: Int, condition: String?, hit: String?, log: String?)] = []
        if let bps = try arguments.objects("breakpoints") {
            for (i, bp) in bps.enumerated() {
                let a = Arguments(bp, command: "setBreakpoints breakpoints[\(i)]")
                let line = try a.requiredInteger("line", in: Arguments.Range.count)
                _ = try a.integer("column", in: Arguments.Range.any)
                specs.append((line, try a.string("condition"), try a.string("hitCondition"), try a.string("logMessage")))
            }
        } else if let old = arguments.object["lines"] as? [Any] {
            specs = old.compactMap { IncomingMessage.integer($0) }.filter(Arguments.Range.count.contains).map { ($0, nil, nil, nil) }
        }
        let table = adapter.session.breakpoints
        let key = path ?? (source["name"] as? String ?? "")
        let made = specs.map { s -> UserBreakpoint in
            let bp = table.make(.source, "\(key.split(separator: "/").last ?? ""):\(s.line)")
            bp.file = path
            bp.line = s.line
            bp.source = source
            bp.condition = s.condition
            bp.hitCondition = s.hit
            bp.logMessage = s.log
            return bp
        }
        table.source[key] = made.isEmpty ? nil : made
        return ["breakpoints": BreakpointRequests.apply(made, adapter: adapter)]
    }
}
