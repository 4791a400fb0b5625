// `loadedSources`: every source file named by the line tables of the loaded modules with
// debug information.

public struct LoadedSourcesHandler: TypedRequestHandler {
    public let command = "loadedSources"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: NoArguments, adapter: Adapter) throws -> LoadedSourcesResponseBody? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        if t.atEnd { throw RequestError("loadedSources: the replay is at the end of the recording: nothing is loaded") }
        let space = try t.space(for: try t.liveThread(nil))
        var seen = Set<String>()
        var out: [Source] = []
        for m in space.modules where m.hasDWARF {
            for f in m.lines.sourceFiles() where seen.insert(f).inserted {
                out.append(Sources.source(f))
            }
        }
        return LoadedSourcesResponseBody(sources: out)
    }
}
