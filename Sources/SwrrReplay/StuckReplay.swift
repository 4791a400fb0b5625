// A replay never waits forever. Replay runs no blocking syscall of the program (reads, waits,
// sleeps, futexes are answered from the trace); the calls it does run (mmap, brk, an exec, a real
// rt_sigsuspend for a signal it made pending first, a thread's exit) return at once. So a
// replayed task that sleeps in the kernel while replay waits for its next stop has left the
// recorded path for good: a damaged trace, or a kernel behaviour replay does not reproduce (an
// exec waiting for threads that replay keeps stopped). Without a bound the replay would hang.
//
// Every replayed task's waits are bounded (Task.stuckAfter, set for each ReplayTask; the
// debugger's sliced wait in ReplayInterrupt.swift uses the same StallWatch): a task that makes no
// progress for SWRR_STUCK_SECONDS (default 10) while replay waits for it ends the replay with
// ReplayError.stuck, which names the event, the task (recorded tid and real pid) and what /proc
// says it is doing. A task that computes (state R, or its CPU time growing) is making progress
// however long it runs. `step()` kills every replayed task on the way out, as for a divergence.
import Glibc
import SwrrTracee

extension ReplaySession {
    /// Seconds a replayed task may make no progress while replay waits for its stop:
    /// SWRR_STUCK_SECONDS when it is a positive number of seconds (at most a day), else 10. Read
    /// for each new task (a getenv), so a process that replays several times may change it.
    static var stuckSeconds: Double { stuckSeconds(from: getenv("SWRR_STUCK_SECONDS").map { String(cString: $0) }) }

    static func stuckSeconds(from text: String?) -> Double {
        if let text, let v = Double(text), v.isFinite, v > 0, v <= 86_400 { return v }
        return 10
    }

    /// The replay error for a task that made no progress while replay waited for it (before the
    /// tasks are killed: the recorded tid comes from them).
    func stuck(_ e: TaskStuck) -> ReplayError {
        let recorded = tasks.first { $0.value.task.tid == e.tid }?.key
        let who = recorded.map { "task \($0) (pid \(e.tid))" } ?? "pid \(e.tid)"
        return .stuck(event: eventNumber, "\(who) is \(e.what), where the replay expects it to stop")
    }
}
