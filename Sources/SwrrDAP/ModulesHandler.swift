// `modules`: the modules loaded in the focus thread's process (the executable, libraries, the
// vDSO), paged with startModule/moduleCount. Paths are the trace's copies of the files. At each
// stop the adapter also sends `module` events for the modules loaded or unloaded since the last
// one (the dynamic loader maps libraries as the replay goes; a replay going back unmaps them).
import SwrrDebugInfo

public struct ModulesHandler: TypedRequestHandler {
    public let command = "modules"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: ModulesArguments, adapter: Adapter) throws -> ModulesResponseBody? {
        let start = arguments.startModule ?? 0
        let count = arguments.moduleCount ?? 0
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let all = try t.moduleObjects()
        let end = count > 0 ? min(all.count, start + count) : all.count
        return ModulesResponseBody(modules: start < end ? Array(all[start..<end]) : [], totalModules: all.count)
    }
}

extension DebuggerTarget {
    /// The DAP Module objects of the focus thread's process.
    func moduleObjects() throws -> [ModulesResponseBody.Module] {
        try space(for: try liveThread(nil)).modules.map { m in
            ModulesResponseBody.Module(id: m.path, name: m.name, path: m.path,
                   symbolStatus: m.hasDWARF ? "Symbols loaded" : "No debug information",
                   addressRange: m.textRanges.first.map { "\(hex($0.lowerBound))-\(hex($0.upperBound))" })
        }
    }
}

extension Adapter {
    /// `module` events for the modules that appeared or went since the last stop.
    func announceModules(_ target: DebuggerTarget) {
        guard !target.atEnd, let now = try? target.moduleObjects() else { return }
        var ids: Set<String> = []
        for m in now {
            ids.insert(m.id)
            if !session.knownModules.contains(m.id) { post(ModuleEventBody(reason: "new", module: m)) }
        }
        for id in session.knownModules.subtracting(ids).sorted() {
            post(ModuleEventBody(reason: "removed", module: ModulesResponseBody.Module(id: id, name: String(id.split(separator: "/").last ?? ""))))
        }
        session.knownModules = ids
    }
}
