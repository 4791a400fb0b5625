// Job control while recording: a process stopped by SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU stays
// stopped until SIGCONT, as natively, and gives the scheduler's slot away meanwhile.
//
// Under PTRACE_SEIZE every thread of a stopping process reports a group-stop, PTRACE_EVENT_STOP
// with the stop signal in its siginfo (PTRACE_INTERRUPT's stop and the wake-up after SIGCONT
// carry SIGTRAP). Resuming it from there with PTRACE_CONT or PTRACE_SYSCALL runs it although the
// kernel still counts its process as stopped (measured: a child's three counting threads went on
// counting for the 30 ms their parent had them stopped, where natively none does); PTRACE_LISTEN
// leaves it stopped and lets a SIGCONT wake it, with another PTRACE_EVENT_STOP, SIGTRAP this time
// (rr does the same). The parent's waitpid(WUNTRACED/WCONTINUED) is the kernel's and is recorded;
// replay needs no stop of its own: it runs the tasks in the recorded order.
import Glibc
import SwrrTracee

extension SignalRecorder {
    /// Handles a PTRACE_EVENT_STOP that belongs to job control. Returns false for other ones.
    func jobControlStop(_ t: RecordTask) throws -> Bool {
        let signal = try t.task.siginfo().signal
        if signal != SIGTRAP {
            // A group-stop (again, if our PTRACE_INTERRUPT reached a listening task).
            if t.state != .jobStopped {
                t.stoppedFrom = t.state
                t.state = .jobStopped
                scheduler.release(t)
            }
            t.interruptPending = false
            try t.task.listen()
            return true
        }
        guard t.state == .jobStopped else { return false }
        // SIGCONT: back to what it was doing. A group-stop only comes on the way to user code,
        // after the exit stop of the syscall it interrupted: a task that ran user code waits for
        // the scheduler again; one stopped inside a syscall (no exit stop seen) goes on with it.
        t.interruptPending = false
        switch t.stoppedFrom {
        case .running, .runnable:
            t.state = .runnable
        case .inSyscall, .blocked:
            t.state = .blocked
            try t.task.resume(.syscall)
        default:
            t.state = t.stoppedFrom
            try t.task.resume(.cont)
        }
        return true
    }
}
