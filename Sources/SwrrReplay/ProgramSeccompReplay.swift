// Replaying a call the program's own seccomp filter decided (SwrrRecord/ProgramSeccompFilter.swift).
// Replay installs none of the program's filters: the filter-installing call is emulated, and
// each call the filter acted on is in the trace with its verdict. Such a call never runs on
// replay, whatever its spec says (a filtered mmap or execve must not happen).
import SwrrKernel
import SwrrTrace
import SwrrTracee

extension SyscallReplayer {
    /// The task stands at the call's entry (PTRACE_SYSEMU stop), its registers checked.
    func replayFiltered(_ ev: SyscallEvent, task t: ReplayTask, regs: Registers) throws {
        switch ev.seccomp {
        case .none:
            return
        case .skipped, .trap:
            // ERRNO's -errno, ENOSYS, or TRAP's rax rolled back to the number; TRAP's SIGSYS is
            // the task's next event, delivered at this boundary with the recorded siginfo.
            var out = regs
            out.rax = UInt64(bitPattern: ev.result)
            try t.task.setRegisters(out)
        case .killThread, .killProcess:
            // The kernel kills it as it did when recorded (SeccompKill.swift); the trace has its
            // end (and its process's, for KILL_PROCESS) as exit events next.
            try SeccompKill.arm(t.task, process: ev.seccomp == .killProcess, entry: regs)
            try tasks.awaitExit(t)
        }
    }
}
