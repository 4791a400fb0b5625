// rt_sigaction sets held back. A set changes only the kernel's disposition of one signal, and
// replay needs the kernel's disposition only where a recorded signal is delivered: the kernel then
// runs the handler, ignores or kills as the disposition says. So without a debugger a set is
// replayed as an emulated call (one PTRACE_SYSEMU stop where running it took 2 or 3) and the new
// action, read from the program's memory at the call, is kept for its process until one of
// these needs the kernel's dispositions to be the recorded ones:
// - a signal event of the process (ReplaySession.replaySignal), or a syscall a signal with a
//   handler interrupts (the disposition is read from /proc there: SyscallReplay.swift);
// - a clone that shares the dispositions (CLONE_SIGHAND, threads): the held-back actions are
//   injected first. A fork or vfork copies them, so the child holds a copy of its parent's;
// - an execve, which resets every disposition but SIG_IGN: only a signal whose ignoring differs
//   from the kernel's is set.
// Measured on make -j2 of 16 files: 1,474 rt_sigaction sets, 1,116 of them by posix_spawn's vfork
// children resetting the signals their parent handles to SIG_DFL right before their execve,
// which resets them anyway; what is set at the execves is glibc's internal signals 32 and 33,
// which those children set to SIG_IGN, where their process did not ignore them yet (2 calls at
// such an execve). The trace's 2,950 stops of rt_sigaction became 1,478, its execs' 486 became 560.
//
// Only a process of one thread holds actions back (a thread of another would have to be stopped
// where a call can be injected), and none with a debugger: its checkpoints are forks, which copy
// the kernel's dispositions, and it shows the program's state at any stop.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

final class DeferredSignalActions {
    unowned let session: ReplaySession
    /// The held-back actions of each process (by real tgid): the kernel's sigaction (handler,
    /// flags, restorer, mask: 32 bytes) last set for each signal.
    private var held: [pid_t: [Int32: [UInt8]]] = [:]
    /// Processes that share their dispositions with another (CLONE_SIGHAND without CLONE_THREAD):
    /// they never hold actions back.
    private var sharing: Set<pid_t> = []

    static let actionSize = 32

    init(session: ReplaySession) {
        self.session = session
    }

    /// Whether the set `ev` made by `t` is held back rather than run: no debugger, a successful
    /// set of a signal number with the kernel's 8-byte mask, `t` alone in its process.
    func mayHold(_ ev: SyscallEvent, by t: ReplayTask) -> Bool {
        guard session.debugHook == nil, !session.keepTasksAtEnd, ev.result == 0, ev.args.count > 3,
              ev.args[0] >= 1, ev.args[0] <= 64, ev.args[3] == 8, t.parkedAt == nil,
              !sharing.contains(t.task.tgid) else { return false }
        return !session.tasks.values.contains { $0 !== t && $0.ended == nil && $0.task.tgid == t.task.tgid }
    }

    /// Keeps the new action of the set `ev` (its task at the call's entry, the action in its memory).
    func hold(_ ev: SyscallEvent, task: Task) throws {
        let action = try task.readMemory(ev.args[1], count: Self.actionSize)
        held[task.tgid, default: [:]][Int32(ev.args[0])] = action
    }

    /// SIG_IGN, as a handler.
    static let ignore: UInt64 = 1

    /// Whether process `tgid` holds actions back.
    func holds(_ tgid: pid_t) -> Bool { !(held[tgid]?.isEmpty ?? true) }

    /// Sets every held-back action of `t`'s process in the kernel, by injecting the calls into
    /// `t` where it stands (its registers given back afterwards).
    func apply(_ t: ReplayTask) throws {
        guard let actions = held.removeValue(forKey: t.task.tgid), !actions.isEmpty else { return }
        try inject(actions.sorted { $0.key < $1.key }, into: t)
    }

    /// Before `t`'s execve: the kernel resets every handled signal to SIG_DFL, and keeps the
    /// ignored ones. So only a held-back action whose SIG_IGN differs from the kernel's is set.
    func applyForExec(_ t: ReplayTask) throws {
        guard let actions = held.removeValue(forKey: t.task.tgid), !actions.isEmpty else { return }
        let ignored = SignalPolicy.ignored(tid: t.task.tid)
        let differing = actions.filter { sig, action in
            let ignoredNow = ignored & (UInt64(1) << UInt64(sig - 1)) != 0
            return (action.loadU64(at: 0) == Self.ignore) != ignoredNow
        }
        try inject(differing.sorted { $0.key < $1.key }, into: t)
    }

    /// A new process `child` made by `t`'s process with these clone flags: it holds a copy of its
    /// parent's held-back actions (fork, vfork), or shares the kernel's dispositions with it
    /// (CLONE_SIGHAND, whose parent must have applied them first: `beforeClone`).
    func newProcess(_ child: pid_t, parent: pid_t, flags: CloneFlags) {
        held[child] = nil
        sharing.remove(child)
        if flags.contains(.sighand) {
            sharing.insert(child)
            sharing.insert(parent)
        } else {
            held[child] = held[parent]
        }
    }

    /// Before a clone by `t` with these flags: one that shares the dispositions must find the
    /// recorded ones in the kernel.
    func beforeClone(_ t: ReplayTask, flags: CloneFlags) throws {
        if flags.contains(.sighand) || flags.contains(.thread) { try apply(t) }
    }

    private func inject(_ actions: [(key: Int32, value: [UInt8])], into t: ReplayTask) throws {
        guard !actions.isEmpty else { return }
        // A signal waiting at its delivery stop would be lost by resuming for the calls. (A task
        // parked at a syscall entry takes them: the call's replay sets its registers afterwards,
        // from an exit stop as from the entry.)
        guard t.pendingSignal == 0 else {
            throw session.diverge("task \(t.task.tid) holds back signal actions with a signal to deliver")
        }
        let task = t.task
        let regs = try task.registers()
        // The stub page's traced `syscall` (every replayed process has it from its exec on).
        let insn = SyscallBufferLayout.swrrCallEnd - 2
        for (sig, action) in actions {
            try task.writeMemory(ScratchPage.address, action)
            let r = try task.injectSyscall(Syscall.rt_sigaction.number, [UInt64(sig), ScratchPage.address, 0, 8],
                                           syscallInstruction: insn, base: regs)
            if r != 0 {
                throw session.diverge("rt_sigaction of signal \(sig), held back, returned \(r) on replay but 0 when recorded")
            }
        }
        try task.setRegisters(regs)
    }
}
