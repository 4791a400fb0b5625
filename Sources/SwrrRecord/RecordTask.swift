// The recorder's view of one traced task and of the process it belongs to.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// What a process's threads share: the file-descriptor table (for output echo).
final class RecordProcess {
    var fds: FdTable
    init(fds: FdTable) { self.fds = fds }
}

extension RecordTask {
    /// A finished call's effect on the task's descriptor table: a change to the table it shares
    /// with others, or (unshare with CLONE_FILES) a copy of its own from now on.
    func applyFdEffect(_ effect: FdEffect, args: [UInt64], result: Int64, pair: () -> (Int64, Int64)?) {
        if case .unshares(let a, let bit) = effect {
            if result == 0 && a < args.count && args[a] & bit != 0 { process = RecordProcess(fds: process.fds) }
            return
        }
        process.fds.apply(effect, args: args, result: result, pair: pair)
    }
}

final class RecordTask {
    enum State: Equatable {
        /// Created by clone/fork; its first stop has not been seen yet.
        case newborn
        /// Stopped, waiting for the scheduler.
        case runnable
        /// Running user code; holds the scheduler's slot.
        case running
        /// Inside a syscall that has not blocked (yet); holds the slot.
        case inSyscall
        /// Inside a syscall that blocked: the slot went to another task and a SyscallEntryEvent
        /// marks where it entered.
        case blocked
        /// Past PTRACE_EVENT_EXIT: waiting for its termination.
        case exiting
        /// In a group-stop (SIGSTOP, SIGTSTP…), left stopped with PTRACE_LISTEN until SIGCONT.
        case jobStopped
        /// In a stop of the program's own (emulated) ptrace, until its tracer resumes it.
        case ptraceStopped
        /// A tracer's wait found nothing and was undone; held until a tracee may have stopped
        /// (EmulatedPtrace.swift).
        case ptraceWaiting
    }

    /// Replaced once: when a non-leader thread execs, the kernel gives it the leader's tid.
    var task: Task
    var tid: Int32 { task.tid }
    var process: RecordProcess
    var state: State
    /// Registers at the current syscall's entry.
    var entry = Registers(values: Array(repeating: 0, count: Registers.count))
    /// The current call's iovec array as it was at its entry, as the kernel takes it (readv...):
    /// read back at the exit, an array the read itself overwrote (a buffer pointing into it) gave
    /// the new bytes as addresses, and the recording stopped ("cannot read the output of readv").
    var entryIovecs: (address: UInt64, bytes: [UInt8])?
    var refusal: Int32?
    /// The program's seccomp filter skipped the current call (ProgramSeccompFilter.swift): what
    /// its event says and the result it returns.
    var filtered: (verdict: SeccompVerdict, result: Int64)?
    /// The program's filter as it wrote it, rewritten in its memory while the call installing it
    /// runs: put back at that call's exit, where it joins `filters` if the kernel took it.
    var filterToRestore: (address: UInt64, bytes: [UInt8])?
    var installingFilter: (bytes: [UInt8], tsync: Bool)?
    /// The program's seccomp filters this task has (as the program wrote them), newest first:
    /// inherited by its children and threads, kept across exec, given to every thread of its
    /// process by SECCOMP_FILTER_FLAG_TSYNC (SwrrKernel/SeccompEvaluation.swift says why).
    var filters: [[UInt8]] = []
    /// The program set no_new_privs for this task (inherited like the filters): what
    /// PR_GET_NO_NEW_PRIVS answers while swrr's own filter has it set in every task.
    var noNewPrivs = false
    /// Signal to deliver at the next resume.
    var resumeSignal: Int32 = 0
    /// Registers at the last syscall exit, as the task was resumed from it: a signal stop with
    /// exactly these registers is at the syscall boundary.
    var boundary: Registers?
    /// Where a stop signal was delivered at a syscall boundary (the task is still there when its
    /// group-stop ends; EmulatedPtrace.swift).
    var stopBoundary: Registers?
    /// Asynchronous signals held back until the task reaches a syscall (DESIGN.md §2), with
    /// their siginfo.
    var held: [(signal: Int32, info: [UInt8])] = []
    /// When the oldest held signal arrived (monotonic ms).
    var heldSince: UInt64 = 0
    /// Signals re-raised at a syscall entry, to be delivered at the following boundary with
    /// their original siginfo.
    var reraised: [(signal: Int32, info: [UInt8])] = []
    /// When the task last started running user code (monotonic ms), for spin detection.
    var runningSince: UInt64 = 0
    /// When it last got the slot (Scheduler.granted): it keeps it through syscalls for a
    /// Scheduler.syscallSliceMs while others wait.
    var slotSince: UInt64 = 0
    /// Chaos mode (Scheduler, ChaosSchedule): the length of its current slice (ms), its priority
    /// (higher goes first), and until when it is kept off the slot (scheduler clock, ms).
    var sliceMs: UInt64 = Scheduler.sliceMs
    var priority = 0
    var starvedUntil: UInt64 = 0
    /// Positions given up in a row because the task stood in writable code (SlicePreemption).
    var writableCodeRetries = 0
    /// The current syscall's event was written before its exit (fork/vfork/clone, at their
    /// ptrace event: a vfork parent only returns after the child has run).
    var syscallRecorded = false
    /// What it was doing when a group-stop stopped it (state .jobStopped; JobControl.swift).
    var stoppedFrom: State = .runnable
    /// A PTRACE_INTERRUPT we sent and whose stop has not arrived.
    var interruptPending = false
    /// Its syscall buffer, once the preload library registered one (SyscallBuffering.swift).
    var buffer: TaskBuffer?
    /// A vfork child (or CLONE_VM child without TLS of its own) that runs with its parent's
    /// buffer in reach: the parent, whose buffer is off until this task execs or ends.
    var sharesBufferOf: RecordTask?
    /// Its buffer stays off: a child shares its memory and TLS for good.
    var bufferOffForGood = false
    /// Its desched event: the descriptor number in the task, and swrr's own duplicate of it
    /// (pidfd_getfd), through which the recorder disables the event when it fires.
    var desched: (fd: Int32, mine: Int32)?
    /// Its desched event fired before the call it guards: that call is to be caught at its entry
    /// and made to return SWRR_INTERRUPTED (SyscallBuffering.swift, deschedStop).
    var awaitingArmedCall = false
    /// That call was caught and skipped; its exit stop comes next.
    var skippingArmedCall = false

    /// After an exec by a non-leader thread (PTRACE_EVENT_EXEC): the tid it had when it called
    /// execve. Its exec event is written under that tid, which is the task replay must exec.
    var execFormerTid: Int32?
    /// The other threads of its process that the exec ended (the kernel's de_thread), with their
    /// wait statuses: their exit events follow the exec event, since on replay it is the
    /// replayed exec that ends them.
    var execVictims: [(tid: Int32, waitStatus: Int32)] = []
    /// Inside execve or execveat (whose success ends every other thread of the process).
    var isInExec: Bool {
        (state == .inSyscall || state == .blocked)
            && SyscallTable.spec(Int(Int64(bitPattern: entry.origRax)))?.replay == .exec
    }

    /// Traced by the program itself (EmulatedPtrace.swift): its tracer and the stop it sees.
    var ptrace: EmulatedTracee?
    /// Stopped by its tracer at a syscall entry: the call is to be made when it is next picked.
    var reenterSyscall = false
    /// The current syscall's entry was recorded for its tracer's entry stop.
    var ptraceEntryRecorded = false
    /// A signal its tracer passed on, recorded and delivered when it is next resumed.
    var ptraceDelivery: (signal: Int32, info: [UInt8], point: SignalDeliveryPoint)?
    /// Flags of its current call the kernel was not to see were cleared at the entry (clone's
    /// CLONE_UNTRACED, SyscallSpec.clearedAtEntry): the argument and the program's value, put back
    /// at the exit; in a task the call created, at its first stop.
    var clearedArg: (arg: Int, value: UInt64)?
    /// Its wait runs with WNOHANG added (argument index, original options).
    var waitNoHang: (arg: Int, original: UInt64)?
    /// Its wait, sleeping in the kernel, was interrupted for an emulated stop (EmulatedPtrace.swift).
    var waitKicked = false
    /// When its wait was last held (monotonic ms).
    var waitingSince: UInt64 = 0

    init(task: Task, process: RecordProcess, state: State) {
        self.task = task
        self.process = process
        self.state = state
    }
}
