// `goto`: travels in time to a target from `gotoTargets`, the next or the previous execution
// of a line (by any thread). Announced with `continued`; `stopped` with reason "goto" follows,
// at that execution, or where the replay was when the line does not run again in that
// direction (its description says which).

public struct GotoHandler: TypedRequestHandler {
    public let command = "goto"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: GotoArguments, adapter: Adapter) throws -> NoBody? {
        let id = arguments.targetId
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        guard let g = t.gotoTargets.target(id) else {
            throw RequestError("goto: unknown targetId \(id) (ask gotoTargets for a line's targets first)")
        }
        if g.direction == .next && t.atEnd {
            throw RequestError("goto: the replay is at the end of the recording: nothing runs after it")
        }
        try Resume.start(adapter, .gotoLine(g))
        return nil
    }
}
