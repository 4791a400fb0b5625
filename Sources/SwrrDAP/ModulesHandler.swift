// `modules`: the modules loaded in the focus thread's process (the executable, libraries, the
// vDSO), paged with startModule/moduleCount. Paths are the trace's copies of the files. At each
// stop the adapter also sends `module` events for the modules loaded or unloaded since the last
// one (the dynamic loader maps libraries as the replay goes; a replay going back unmaps them).
import SwrrDebugInfo

public struct ModulesHandler: UntypedRequestHandler {
    public let command = "modules"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let start = try arguments.integer("startModule", in: Arguments.Range.count) ?? 0
        let count = try arguments.integer("moduleCount", in: Arguments.Range.count) ?? 0
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let all = try t.moduleObjects()
        let end = count > 0 ? min(all.count, start + count) : all.count
        return ["modules": start < end ? Array(all[start..<end]) : [], "totalModules": all.count]
    }
}

extension DebuggerTarget {
    /// The DAP Module objects of the focus thread's process.
    func moduleObjects() throws -> [JSONObject] {
        try space(for: try liveThread(nil)).modules.map { m in
            var o: JSONObject = ["id": m.path, "name": m.name, "path": m.path,
                                 "symbolStatus": m.hasDWARF ? "Symbols loaded" : "No debug information"]
            if let r = m.textRanges.first { o["addressRange"] = "\(hex(r.lowerBound))-\(hex(r.upperBound))" }
            return o
        }
    }
}

extension Adapter {
    /// `module` events for the modules that appeared or went since the last stop.
    func announceModules(_ target: DebuggerTarget) {
        guard !target.atEnd, let now = try? target.moduleObjects() else { return }
        var ids: Set<String> = []
        for m in now {
            guard let id = m["id"] as? String else { continue }
            ids.insert(id)
            if !session.knownModules.contains(id) { post("module", ["reason": "new", "module": m]) }
        }
        for id in session.knownModules.subtracting(ids).sorted() {
            post("module", ["reason": "removed", "module": ["id": id, "name": String(id.split(separator: "/").last ?? "")]])
        }
        session.knownModules = ids
    }
}
