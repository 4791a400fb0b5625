// Replaying an execve in a process with other threads, or from a thread that is not the leader.
//
// The replayed execve is real, so the kernel's de_thread does on replay what it did when
// recorded: it kills every other thread of the process and gives the exec'ing thread the
// leader's tid (see SwrrRecord/ExecTakeover.swift for how this looks under ptrace and how the
// trace records it). Two things make the ordinary injection (Task.injectSyscall) unusable here:
// - the other threads are stopped under ptrace, and each stops again at PTRACE_EVENT_EXIT on its
//   way out; de_thread waits until they are gone, so they must be resumed from those stops while
//   the execve is under way, or it never completes;
// - a non-leader's stops after the exec come under the leader's tid, never under its own
//   (waitpid on the old tid would wait forever).
// So the exec'ing task is only started into its execve here, and then every task of the process
// is polled for its reports until the exec's syscall exit arrives under the leader's tid.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

extension ExecReplay {
    /// Runs execve in `t`, whose process has the other live tasks `others` (or which is not
    /// its leader). Afterwards the recorded leader's tid names the exec'ing task, the others have
    /// ended (their exit events follow in the trace) and the task that exec'd is returned.
    func execInThreadGroup(_ t: ReplayTask, others: [ReplayTask], args: [UInt64], syscallInstruction: UInt64,
                           base: Registers, program: String) throws -> Task {
        let leaderTid = t.task.tgid
        let recordedLeader = tasks.first { $0.value.task.tid == leaderTid }?.key
        let formerKey = tasks.first { $0.value === t }?.key
        try t.task.enterInjectedSyscall(59, args, syscallInstruction: syscallInstruction, base: base)
        try t.task.resume(.syscall)

        // Before PTRACE_EVENT_EXEC, reports under the leader's tid are the old leader's (when
        // another thread execs); after it, they are the exec'ing task's.
        let execer = Task(tid: leaderTid)
        var execSeen = false
        var result: Int64?
        // The threads the exec ends (a replaced leader is not one: it is never reported dead).
        let victims = others.filter { $0.task.tid != leaderTid }
        var waiting = victims
        var polls = 0
        let byLeader = t.task.tid == leaderTid
        while result == nil {
            var progressed = false
            if !byLeader && !execSeen, (try? t.task.poll()) != nil {
                // The exec'ing thread under its own tid, before de_thread takes it: signals replay
                // did not ask for (every signal the program saw is in the trace).
                progressed = true
                try? t.task.resume(.syscall)
            }
            if let stop = try? execer.poll() {
                progressed = true
                switch stop {
                case .event(.exec):
                    execSeen = true
                    try execer.resume(.syscall)
                case .syscall where execSeen:
                    result = try execer.registers().syscallResult
                case .exited, .killed:
                    throw diverge("task \(t.task.tid) ended during its execve of \(program) (\(stop))")
                default:
                    if execSeen || byLeader {
                        // Unasked signals, and the exit of the call PTRACE_SYSEMU skipped.
                        try execer.resume(.syscall)
                    } else {
                        // The replaced leader on its way out: it stops at PTRACE_EVENT_EXIT and is
                        // never reported dead (its tid passes to the exec'ing task).
                        try? execer.resume(.cont)
                    }
                }
            }
            waiting = waiting.filter { !collectEnd(of: $0) }
            if !progressed {
                polls += 1
                if polls > 200_000 {   // ≈ 10 s of 50 µs naps
                    throw diverge("the execve of \(program) by task \(t.task.tid) did not complete")
                }
                usleep(50)
            }
        }
        guard result == 0 else {
            throw diverge("execve of the trace's copy \(program) failed with error \(-(result ?? 0))")
        }
        // Threads whose deaths were not reported yet are dead all the same (ptrace(2): at the exec
        // event no other thread of the process is alive); their exit events say how they ended.
        for other in victims where other.ended == nil {
            for _ in 0..<100 {
                if collectEnd(of: other) { break }
                usleep(100)
            }
            if other.ended == nil { other.ended = WaitStatus.exited(0) }
        }
        if let key = formerKey, key != recordedLeader { tasks[key] = nil }
        tasks[recordedLeader ?? formerKey ?? t.task.tid] = ReplayTask(task: execer, newborn: false)
        return execer
    }

    /// Takes `t`'s next report if there is one: resumes it from a stop on its way out, notes its
    /// end. True once it has ended or can no longer be waited for.
    private func collectEnd(of t: ReplayTask) -> Bool {
        let stop: Stop?
        do { stop = try t.task.poll() } catch { return true }   // ECHILD: nothing left to wait for
        guard let stop else { return false }
        if stop.isTermination {
            t.ended = ReplayTasks.status(of: stop)
            return true
        }
        try? t.task.resume(.cont)
        return false
    }
}
