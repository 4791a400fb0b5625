// Which of the engine's stops are the user's: breakpoints whose conditions hold, data
// breakpoints, signals the policy selects, the ends of the recording. The rest (temporary
// breakpoints of a step, task events, hits in another process of the recording) are gone over.
import SwrrReplay

struct StopClassifier {
    let debugger: Debugger
    let evaluator: BreakpointEvaluator

    init(_ debugger: Debugger) {
        self.debugger = debugger
        evaluator = BreakpointEvaluator(debugger)
    }

    /// The stop an engine stop is for the user, or nil to keep going. `backward`: the engine
    /// found it going backwards (a data breakpoint stops before its write).
    func classify(_ s: DebugStop, ignoring ignored: UInt64?, backward: Bool = false) throws -> Stop? {
        switch s.reason {
        case .breakpoint, .hardwareBreakpoint, .watchpoint, .signal:
            if !debugger.inDebuggedProcess(s.tid) { return nil }   // another process of the recording
        default:
            break
        }
        switch s.reason {
        case .breakpoint(let a), .hardwareBreakpoint(let a):
            if a == ignored { return nil }
            return try evaluator.breakpointHit(a, tid: s.tid)
        case .watchpoint(let address, _):
            return evaluator.dataBreakpointHit(address, tid: s.tid, backward: backward, writer: s.writer)
        case .signal(let sig):
            guard debugger.breakpoints.signals.stops(at: sig) else { return nil }
            return .signal(tid: s.tid, number: sig)
        case .end(let outcome):
            return endStop(outcome)
        case .step:
            return .step(tid: s.tid, note: nil)
        case .taskCreated, .taskExited, .exec:
            return nil
        case .startOfRecording:
            return .startOfRecording(tid: s.tid)
        case .jumped:
            return .step(tid: s.tid, note: nil)
        case .interrupted:
            return debugger.pausedStop()
        }
    }

    func endStop(_ outcome: ReplayOutcome) -> Stop {
        switch outcome {
        case .completed(let status):
            return .endOfRecording(.completed(status: status, event: (try? debugger.replay.eventNumber()) ?? 0))
        case .endedEarly(let event, let reason):
            return .endOfRecording(.endedEarly(event: event, reason: reason))
        }
    }
}
