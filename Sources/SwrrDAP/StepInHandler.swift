// `stepIn`: stepping into calls (by line: to the start of another line, or past the prologue of a called function with line information).
// With a `targetId` from stepInTargets: into that call of the line (the core's
// LineStepper.stepIn(to:)), past the callee's prologue.
// Announced with `continued`; the stop (reason step, or a breakpoint or signal met on the way)
// follows.

public struct StepInHandler: TypedRequestHandler {
    public let command = "stepIn"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: StepInArguments, adapter: Adapter) throws -> NoBody? {
        let tid = try Resume.thread(arguments.stepping.threadId, command, adapter: adapter)
        guard let id = arguments.targetId else {
            try Resume.start(adapter, .stepIn(tid: tid, arguments.stepping.granularity))
            return nil
        }
        guard let t = adapter.session.target,
              let target = t.stepInTargets.target(id, stop: t.core.engineStopCount) else {
            throw RequestError("stepIn: unknown targetId \(id) (step-in targets are valid until the replay resumes)")
        }
        guard target.tid == tid else {
            throw RequestError("stepIn: target \(id) is a call of thread \(target.tid), not of thread \(tid)")
        }
        try Resume.start(adapter, .stepInTarget(target))
        return nil
    }
}
