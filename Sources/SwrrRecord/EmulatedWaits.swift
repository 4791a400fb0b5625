// The tracers' waits under the program's emulated ptrace (EmulatedPtrace.swift): what a wait4 or
// waitid of a task that traces others reports, and the ends of tracees that only such a wait
// reports.
//
// The tracer's wait4/waitid sees its tracees' emulated stops as wait statuses. The kernel knows nothing of them,
// so a blocking wait is never left to the kernel (it would sleep through an emulated stop): it
// runs with WNOHANG added, and when that finds nothing the call is undone (rip back on the
// syscall instruction) and the tracer is held (.ptraceWaiting) until a tracee stops, a task
// ends, or a short poll interval passes; then it makes the call again. Only the call that
// answers is recorded.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTracee

/// The end of a tracee that is not its tracer's child process, waiting for the tracer's wait.
struct EmulatedZombie {
    let tracer: Int32
    let tid: Int32
    let tgid: Int32
    let waitStatus: Int32
}

/// What the recorder does with a wait4/waitid of a task that traces others.
enum EmulatedWait: Equatable {
    /// A wait that selects none of the caller's emulated tracees: run it.
    case kernel
    /// An emulated stop answers it: the call is skipped with this result.
    case answer(Int64)
    /// Run with WNOHANG added (argument `arg`, originally `original`); nothing found undoes it
    /// (or, with the program's own WNOHANG, answers 0).
    case noHang(arg: Int, original: UInt64)
}

private let WNOHANG: UInt64 = 1, WNOWAIT: UInt64 = 0x0100_0000

/// The emulated tracers' waits: answered from emulated stops and ends, or run with WNOHANG and
/// held until something may have changed. Works with the scheduler's task set and held waits.
final class EmulatedWaits {
    private let scheduler: Scheduler
    /// Ends of the program's own tracees that only their tracers' waits report.
    private var zombies: [EmulatedZombie] = []

    init(scheduler: Scheduler) {
        self.scheduler = scheduler
    }

    private var tasks: [Int32: RecordTask] { scheduler.tasks }

    /// At the entry of wait4 (61) or waitid (247) by `t`: whether an emulated stop answers it.
    func emulatedWait(_ t: RecordTask, number: Int, args a: [UInt64]) throws -> EmulatedWait {
        guard number == 61 || number == 247 else { return .kernel }
        let optionArg = number == 61 ? 2 : 3
        let options = a[optionArg]
        let wanted: (_ tid: Int32) -> Bool
        if number == 61 {
            // pid > 0: that task; -1: any; 0 and < -1 name process groups, taken as any.
            let pid = Int32(truncatingIfNeeded: a[0])
            wanted = { pid > 0 ? $0 == pid : true }
        } else {
            switch a[0] {
            case 0, 2: wanted = { _ in true }                                   // P_ALL, P_PGID
            case 1: wanted = { $0 == Int32(truncatingIfNeeded: a[1]) }          // P_PID
            default: return .kernel                                             // P_PIDFD
            }
        }
        if let i = zombies.firstIndex(where: { $0.tracer == t.task.tgid && wanted($0.tid) }) {
            let z = zombies[i]
            if options & WNOWAIT == 0 { zombies.remove(at: i) }
            return try answerWait(t, number: number, args: a, tid: z.tid, tgid: z.tgid, status: z.waitStatus,
                                  code: swrr_wifsignaled(z.waitStatus) != 0 ? 2 : 1)   // CLD_KILLED, CLD_EXITED
        }
        let tracees = tasks.values.filter { $0.ptrace?.tracer == t.task.tgid && wanted($0.tid) }
        guard !tracees.isEmpty else { return .kernel }
        let stopped = tracees.filter { x in x.ptrace.map { $0.stop != nil && !$0.reported } ?? false }
        if let x = stopped.min(by: { $0.tid < $1.tid }), let p = x.ptrace, let status = p.waitStatus {
            if options & WNOWAIT == 0 { p.reported = true }
            return try answerWait(t, number: number, args: a, tid: x.tid, tgid: x.task.tgid, status: status,
                                  code: 4)   // CLD_TRAPPED
        }
        // Nothing emulated to report yet: the kernel may have a real child's change. It runs
        // with WNOHANG (a tracee that is not a real child, such as a thread of another process,
        // makes it answer ECHILD, which means "nothing" here too).
        return .noHang(arg: optionArg, original: options)
    }

    /// Writes what wait4 (status, rusage) or waitid (siginfo with `code`, rusage) reports for
    /// `tid`, and returns the call's result.
    private func answerWait(_ t: RecordTask, number: Int, args a: [UInt64], tid: Int32, tgid: Int32,
                            status: Int32, code: UInt32) throws -> EmulatedWait {
        if number == 61 {
            if a[1] != 0 { try t.task.writeMemory(a[1], withUnsafeBytes(of: status.littleEndian) { Array($0) }) }
            if a[3] != 0 { try t.task.writeMemory(a[3], [UInt8](repeating: 0, count: 144)) }
            return .answer(Int64(tid))
        }
        if a[2] != 0 {
            var info = [UInt8](repeating: 0, count: 128)
            info.storeU32(UInt32(SIGCHLD), at: 0)
            info.storeU32(code, at: 8)
            info.storeU32(UInt32(bitPattern: tgid), at: 16)
            info.storeU32(getuid(), at: 20)
            // A stop's si_status is its exit code (signal | event << 8); an end's, the exit code
            // or the signal.
            let s = code == 4 ? status >> 8 & 0xffff : swrr_wifsignaled(status) != 0 ? swrr_wtermsig(status) : swrr_wexitstatus(status)
            info.storeU32(UInt32(bitPattern: s), at: 24)
            try t.task.writeMemory(a[2], info)
        }
        if a[4] != 0 { try t.task.writeMemory(a[4], [UInt8](repeating: 0, count: 144)) }
        return .answer(0)
    }

    /// At the exit of a wait that ran with WNOHANG added: true when it found nothing, so the call
    /// was undone and the task is held until something may have changed.
    func heldWaitExit(_ t: RecordTask) throws -> Bool {
        if t.waitKicked {
            t.waitKicked = false
            var regs = try t.task.registers()
            guard regs.syscallResult == -512 else { return false }   // -ERESTARTSYS
            // Undone and made again at once: the emulated stop that kicked it answers it. (The
            // PTRACE_EVENT_STOP of the kick follows when it is resumed; the recorder's event-stop
            // path resumes it as before.)
            try undoSyscall(t, regs: &regs)
            scheduler.yielded(t)
            return true
        }
        guard let w = t.waitNoHang else { return false }
        t.waitNoHang = nil
        var regs = try t.task.registers()
        regs.setSyscallArg(w.arg, w.original)
        let result = regs.syscallResult
        guard result == 0 || result == -10 /* ECHILD */ else {
            try t.task.setRegisters(regs)
            return false
        }
        if w.original & WNOHANG != 0 {
            // The program's own WNOHANG: "nothing yet" is 0 (waitid then zeroes its siginfo's
            // first fields, as the kernel does).
            regs.rax = 0
            try t.task.setRegisters(regs)
            let infop = t.entry.syscallArgs[2]
            if Int64(bitPattern: t.entry.origRax) == 247 && infop != 0 {
                try t.task.writeMemory(infop, [UInt8](repeating: 0, count: 32))
            }
            return false
        }
        try undoSyscall(t, regs: &regs)
        if Recorder.debug { Recorder.debugLog("wait of \(t.tid) held") }
        scheduler.holdWait(t)
        return true
    }

    /// Back onto the syscall instruction with the call's number, at its exit stop: resumed, the
    /// task makes the same call again (the kernel's own restart does the same), with the same
    /// registers as the first time.
    private func undoSyscall(_ t: RecordTask, regs: inout Registers) throws {
        regs.rip -= 2
        regs.rax = regs.origRax
        try t.task.setRegisters(regs)
    }

    /// A task ended: a tracee that is not its tracer's child waits for the tracer's wait, a
    /// tracer's own zombies go with it, and held waits look again.
    func taskEnded(_ t: RecordTask, waitStatus: Int32) {
        if let p = t.ptrace, !p.isChildProcess {
            zombies.append(EmulatedZombie(tracer: p.tracer, tid: t.tid, tgid: t.task.tgid, waitStatus: waitStatus))
        }
        zombies.removeAll { $0.tracer == t.tid && t.tid == t.task.tgid }
        scheduler.wakeHeldWaits()
    }

    /// A wait of the tracer already sleeping in the kernel (it began before the task was traced:
    /// a parent waits for its child, which then makes PTRACE_TRACEME) would never see the stop:
    /// PTRACE_INTERRUPT ends it with -ERESTARTSYS, and its exit undoes it (heldWaitExit) so that
    /// it is made again and answered. Only the call that answers is recorded; a SyscallEntryEvent
    /// already written for the undone one parks replay's task at the same entry, which is the
    /// entry of the call made again (the same registers).
    func kickKernelWaits(of tracer: Int32) {
        for w in tasks.values where w.task.tgid == tracer && !w.waitKicked
            && (w.state == .blocked || w.state == .inSyscall) && w.waitNoHang == nil {
            let n = Int64(bitPattern: w.entry.origRax)
            guard n == 61 || n == 247 else { continue }
            w.waitKicked = true
            try? w.task.interrupt()
        }
    }
}
