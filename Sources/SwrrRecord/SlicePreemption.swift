// Time-slice preemption while recording (issue 16, docs/POSITIONS.md). A task that runs user code
// for a slice (Scheduler.sliceMs) without a syscall while another task is runnable is stopped by
// PTRACE_INTERRUPT wherever it is; its position is taken as a state signature
// (ProgressWordFinder: a pass analysis from there, so the stub can find the same pass on replay),
// written as a PreemptEvent, and the slot goes to the next task. A signal held back for a task
// that computes is delivered at such a position too, within a slice.
//
// The position needs no loop: where no instruction the stub can patch is reached, or the pc is
// not in a loop short enough to come back within the pass timeout, the signature is the state
// where the task stands (registers, FP state, memory digest, no words) and replay searches it
// with a hardware breakpoint. Code in a writable mapping (a JIT's) is signed the same way, and
// replay never patches it (PointSearch): the program may rewrite it under the jump.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

extension SignalRecorder {
    /// SWRR_PREEMPT_REPORT=1: the recorder says on stderr what each position cost (tests,
    /// benchmarks, docs/POSITIONS.md's measurements).
    static let reportPositions = getenv("SWRR_PREEMPT_REPORT").map { String(cString: $0) == "1" } ?? false

    /// The state signature where `t` (stopped by our interrupt in user code) stands after a pass
    /// analysis: the task is left stopped there. nil when another stop came first (a signal, a
    /// syscall the pass reached, the task's end): that stop has been handled as the main loop
    /// handles it, and the task is no longer stopped here.
    func takePosition(_ t: RecordTask, why: String) throws -> StateSignature? {
        let started = monotonicMs()
        let signature: StateSignature
        var detail: String
        // The pass runs as the task's user code does: under PTRACE_SYSCALL when every syscall
        // must stop (SWRR_SYSCALLBUF=0), so one the pass reaches is recorded, not run blindly.
        switch try ProgressWordFinder.analyze(t.task, excluding: buffers.positionExclusions, mode: buffers.userMode(t)) {
        case .position(let a):
            signature = a.signature
            detail = "\(a.signature.words.count) word(s), \(a.attempts) attempt(s), \(a.snapshotBytes / 1024) KiB"
                + (a.isFixedPoint ? ", a fixed point" : "")
        case .noLoop(let s):
            signature = s
            detail = "no loop: registers and digest only"
        case .interrupted(let stop):
            try loop.handle(stop, of: t)
            return nil
        }
        if Self.reportPositions {
            let held = t.held.isEmpty ? "" : ", signal held \(monotonicMs() &- t.heldSince) ms"
            let line = "swrr: position of task \(t.tid) (\(why)) at 0x\(String(signature.registers.rip, radix: 16)): "
                + detail + ", \(monotonicMs() &- started) ms" + held + "\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }
        return signature
    }

    /// `t` ran its slice while others are runnable: record its position and give the slot away.
    func preempt(_ t: RecordTask) throws {
        guard let sig = try takePosition(t, why: "end of its slice") else { return }
        try buffers.flushBuffer(t)
        try writer.append(.preempt(PreemptEvent(tid: t.tid, registers: sig.registers, signature: sig)))
        scheduler.yielded(t)
    }
}
