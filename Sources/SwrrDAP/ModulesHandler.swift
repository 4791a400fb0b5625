// `modules`: the modules loaded in the focus thread's process (the executable, libraries, the
// vDSO), paged with startModule/moduleCount. Paths are the trace's copies of the files.

public struct ModulesHandler: RequestHandler {
    public let command = "modules"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let start = max(0, try arguments.integer("startModule") ?? 0)
        let count = try arguments.integer("moduleCount") ?? 0
        guard let t = adapter.session.target as? DebuggerTarget else { throw RequestError("nothing is being debugged") }
        let space = try t.space(for: try t.liveThread(nil))
        let all: [JSONObject] = space.modules.map { m in
            var o: JSONObject = ["id": m.path, "name": m.name, "path": m.path,
                                 "symbolStatus": m.hasDWARF ? "Symbols loaded" : "No debug information"]
            if let r = m.textRanges.first { o["addressRange"] = "\(hex(r.lowerBound))-\(hex(r.upperBound))" }
            return o
        }
        let end = count > 0 ? min(all.count, start + count) : all.count
        return ["modules": start < end ? Array(all[start..<end]) : [], "totalModules": all.count]
    }
}
