// `stepInTargets`: the calls a stepIn can go into from a frame's line (the core's
// Debugger.stepInTargets: call instructions between the frame's pc and the line's end, named by
// their callee), each an id that `stepIn`'s targetId names. Ids are valid at the stop they were
// handed out at (StepInTargetIDs).
import SwrrDebugger

public struct StepInTargetsHandler: TypedRequestHandler {
    public let command = "stepInTargets"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: StepInTargetsArguments, adapter: Adapter) throws -> StepInTargetsResponseBody? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        guard let f = t.inspection.frames[arguments.frameId] else {
            throw RequestError("stepInTargets: unknown frameId \(arguments.frameId) (frames are valid until the replay resumes)")
        }
        let base = adapter.session.columnBase
        let found: [StepInTarget]
        do {
            found = try t.core.stepInTargets(tid: f.tid, frame: f.index)
        } catch let e as SessionError {
            throw RequestError("stepInTargets: \(e.message)")
        }
        return StepInTargetsResponseBody(targets: found.map { target in
            .init(id: t.stepInTargets.add(target, stop: t.core.engineStopCount), label: target.name,
                  line: target.line > 0 ? target.line : nil, column: target.column > 0 ? target.column - 1 + base : nil)
        })
    }
}

/// The step-in targets handed out, by id, each with the stop it belongs to (the engine's stop
/// count then): a target is a call in one activation of a frame at one stop.
final class StepInTargetIDs {
    private var targets: [Int: (target: StepInTarget, stop: Int)] = [:]

    func add(_ target: StepInTarget, stop: Int) -> Int {
        let id = targets.count + 1
        targets[id] = (target, stop)
        return id
    }

    /// The target `id` names if it was handed out at stop `stop`.
    func target(_ id: Int, stop: Int) -> StepInTarget? {
        guard let t = targets[id], t.stop == stop else { return nil }
        return t.target
    }
}
