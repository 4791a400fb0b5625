// execve in a process with several threads, as the recorder sees it.
//
// A successful execve ends every other thread of the process (the kernel's de_thread: each gets
// SIGKILL, stops at PTRACE_EVENT_EXIT and reports death as an exit with status 0), and the
// exec'ing thread takes the thread-group leader's tid. Under ptrace that looks like this
// (ptrace(2), "execve(2) under ptrace"; seen here with swift, rustc and cargo, which exec while a
// thread waits in epoll_wait or a futex):
// - the other threads' PTRACE_EVENT_EXIT stops and deaths, in any order with what follows;
// - the leader's own PTRACE_EVENT_EXIT stop when a non-leader execs, and then never a death:
//   its tid now belongs to the exec'ing thread;
// - PTRACE_EVENT_EXEC, reported under the leader's tid, whose event message is the tid the
//   exec'ing thread had; then the execve's exit stop, under the leader's tid too.
//
// The trace says it in replay's terms: the exec event carries the tid of the thread that called
// execve (the task replay must exec), later events of the process carry the leader's tid, and
// the exit events of the threads the exec ended come right after the exec event, because on
// replay it is the replayed execve that ends them (SwrrReplay/ExecTakeover.swift).
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

extension Recorder {
    /// At PTRACE_EVENT_EXEC of the task known as `reporter` (the tid the stop came under, which
    /// is the process's leader): returns the task that exec'd, known by the leader's tid from now
    /// on, after dropping the leader it replaced and collecting the other threads it ended.
    func takeOverAfterExec(reportedBy reporter: RecordTask, formerTid: Int32) throws -> RecordTask {
        let leaderTid = reporter.tid
        let execer: RecordTask
        if formerTid != leaderTid, let former = tasks[formerTid] {
            execer = former
            execer.task = Task(tid: leaderTid)
            execer.execFormerTid = formerTid
            scheduler.renamed(execer, from: formerTid, replacing: reporter)
        } else {
            execer = reporter
        }
        // Every other thread of the process is dead by now (ptrace(2) guarantees it at this
        // stop); collect the deaths already reportable, and take the kernel's "exit status 0"
        // for those not reported yet (their reports, when they come, are of unknown tids).
        for victim in tasks.values where victim !== execer && victim.task.tgid == leaderTid {
            var status = WaitStatus.exited(0)
            for _ in 0..<64 {
                guard let stop = try? victim.task.poll() else { break }
                if stop.isTermination {
                    if case .killed(let sig, let core) = stop { status = WaitStatus.killed(sig, core: core) }
                    break
                }
                _ = try? victim.task.resume(.cont)
            }
            buffers.releaseSharedBuffer(victim)
            buffers.forgetDesched(victim)
            execer.execVictims.append((victim.tid, status))
            scheduler.remove(victim)
        }
        return execer
    }

    /// The exit events of the threads an exec ended, after its own event.
    func writeExecVictims(of execer: RecordTask) throws {
        for v in execer.execVictims {
            try writerRef.append(.exit(ExitEvent(tid: v.tid, waitStatus: v.waitStatus)))
        }
        execer.execVictims = []
    }
}
