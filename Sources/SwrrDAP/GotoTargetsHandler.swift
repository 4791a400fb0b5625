// `gotoTargets`: where `goto` can travel for a source line. In a replay, going to a line means
// travelling in time to one of its executions, so every line with code has two targets: its
// next execution (forward in time) and its previous one (backward). The line resolves as a
// breakpoint on it would (the first line at or after it with code, where the breakpoint would
// stop); the targets are kept for `goto` until the session ends.
import SwrrDebugger

public struct GotoTargetsHandler: TypedRequestHandler {
    public let command = "gotoTargets"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: GotoTargetsArguments, adapter: Adapter) throws -> GotoTargetsResponseBody? {
        let line = arguments.line
        guard let path = arguments.source.path else {
            throw RequestError("gotoTargets: the source has no 'path'")
        }
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        // At the end the program is held before its exit, its code still loaded (unless it is gone).
        if t.atEnd && !t.isLive(t.focusTid) {
            throw RequestError("gotoTargets: the replay is at the end of the recording, where the program has ended")
        }
        guard let found = try t.core.gotoTargets(file: path, line: line, in: try t.liveThread(nil)) else {
            throw RequestError("gotoTargets: no code is at or after line \(line) of \(path) in the modules loaded now")
        }
        let targets = found.targets.map { g in
            GotoTargetsResponseBody.GotoTarget(id: t.gotoTargets.add(g), label: g.label, line: g.line,
                                               instructionPointerReference: hex(found.address))
        }
        return GotoTargetsResponseBody(targets: targets)
    }
}
