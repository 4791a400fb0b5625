// The replay's task table: every replayed task by the tid it had when recorded (the events name
// tasks so, and the program's memory only ever holds recorded tids), their first stops after a
// clone or fork, and their ends: collected at their exit events, or waited for after a real exit
// syscall. Tasks are added by the exec and spawn replays (ExecReplay.swift, SyscallReplay.swift)
// and by checkpoint restores (Checkpoint.swift).
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// One replayed task, known by the tid it had when recorded.
final class ReplayTask {
    let task: Task
    /// Its first stop (after clone/fork) has not been consumed yet.
    var newborn: Bool
    /// Stopped at the entry of a syscall (from a SyscallEntryEvent), with these registers.
    var parkedAt: Registers?
    /// Signal to deliver at the next resume.
    var pendingSignal: Int32 = 0
    /// A wait with a temporary mask (rt_sigsuspend...) was replayed by a real rt_sigsuspend that
    /// left this signal pending for its handler (SyscallReplay.swift), and its signal event has not
    /// been replayed yet. Between the two, the kernel holds the pending signal and the program's
    /// own mask (saved_sigmask, restored when no handler runs), which a fork does not copy and an
    /// injected syscall would undo: no checkpoint can be taken (Checkpoint.swift).
    var signalAfterTemporaryMask: Int32 = 0
    /// Its wait status once it has ended.
    var ended: Int32?

    init(task: Task, newborn: Bool) {
        self.task = task
        self.newborn = newborn
        task.stuckAfter = ReplaySession.stuckSeconds   // StuckReplay.swift
    }
}

/// The replayed tasks by recorded tid (a sequence of (key: recorded tid, value: task)).
final class ReplayTasks: Sequence {
    unowned let session: ReplaySession
    private var byTid: [Int32: ReplayTask] = [:]
    /// The recorded program's first task (its recorded tid), and its recorded wait status once
    /// its exit event has been replayed.
    var mainTid: Int32 = 0
    var mainStatus: Int32?

    init(session: ReplaySession) {
        self.session = session
    }

    private func diverge(_ what: String) -> ReplayError { session.diverge(what) }

    subscript(tid: Int32) -> ReplayTask? {
        get { byTid[tid] }
        set { byTid[tid] = newValue }
    }
    /// The stack pointers of the other live threads of `t`'s process, stopped while `t` runs to
    /// or stands at a position: their dead stacks digest as zeros as `t`'s (MemoryDigest.swift),
    /// as the recorder's digest had them (SlicePreemption.otherStacks). A thread parked at a
    /// syscall's entry has the entry's rsp.
    func otherStacks(of t: ReplayTask) -> [UInt64] {
        byTid.values.compactMap { o in
            guard o !== t, o.ended == nil, o.task.tgid == t.task.tgid else { return nil }
            return o.parkedAt?.rsp ?? (try? o.task.registers())?.rsp
        }
    }

    var keys: Dictionary<Int32, ReplayTask>.Keys { byTid.keys }
    var values: Dictionary<Int32, ReplayTask>.Values { byTid.values }
    var isEmpty: Bool { byTid.isEmpty }
    func makeIterator() -> Dictionary<Int32, ReplayTask>.Iterator { byTid.makeIterator() }

    /// The recorded tid of the task whose real tid is `tid`.
    func recordedTid(ofReplayTid tid: pid_t) -> Int32? {
        byTid.first { $0.value.task.tid == tid }?.key
    }

    /// Kills the tasks that are still alive and forgets them all. Tasks that have ended already
    /// are left alone: their ids may belong to other processes by now.
    func killAll() {
        Task.kill(byTid.values.filter { $0.ended == nil }.map(\.task))
        byTid = [:]
    }

    /// The live task recorded as `tid`, with the first stop of a newborn consumed.
    func replayTask(_ tid: Int32) throws -> ReplayTask {
        guard let t = byTid[tid], t.ended == nil else { throw diverge("task \(tid) has already ended") }
        if t.newborn {
            // The first stop of a task created by clone/fork.
            let stop = try t.task.wait()
            if stop.isTermination { throw diverge("task \(tid) ended before it started") }
            t.newborn = false
        }
        return t
    }

    /// The wait status of a recorded task, running it to its end if needed.
    func waitForEnd(_ tid: Int32, recorded: Int32) throws -> Int32 {
        guard let t = byTid[tid] else { throw diverge("task \(tid) is unknown") }
        if let s = t.ended { return s }
        var sig = t.pendingSignal
        t.pendingSignal = 0
        if swrr_wifsignaled(recorded) != 0 && swrr_wtermsig(recorded) == SIGKILL {
            // SIGKILL never shows the tracer a delivery stop, so it is in the trace only as this
            // death (sent by another process, whose kill replay emulates, or from outside). The
            // replay sends it: a task it ends may stand anywhere, nothing it did later exists.
            _ = Glibc.kill(t.task.tgid, SIGKILL)
            sig = 0
        }
        if t.newborn {
            let stop = try t.task.wait()
            if stop.isTermination { t.ended = Self.status(of: stop); return t.ended! }
            t.newborn = false
        }
        // The signal that ended the task in the recording. replaySignal raised it again where a
        // handler-less signal lands anywhere (.arbitrary): the task was stopped by our interrupt
        // then, and a signal given with the resume from that stop is ignored by the kernel, so
        // the raised one comes to a delivery stop here and must be let through. (Measured: a
        // buffered write to a pipe without readers got SIGPIPE inside the preload library; the
        // replay dropped it there, the program went on and exited with 3 where it had died.)
        let fatal: Int32? = swrr_wifsignaled(recorded) != 0 ? swrr_wtermsig(recorded) : nil
        // Already exiting (exit_group of another thread, a fatal signal) or about to: let it go.
        try? t.task.resume(.cont, signal: sig)
        sig = 0
        while true {
            let stop = try t.task.wait()
            if stop.isTermination {
                t.ended = Self.status(of: stop)
                return t.ended!
            }
            if case .syscall = stop {
                throw diverge("task \(tid) made a syscall (\(ReplaySession.describe(stop, task: t.task))) after its recorded end")
            }
            if case .signal(let s) = stop, s == fatal {
                try t.task.resume(.cont, signal: s)
            } else {
                try t.task.resume(.cont)
            }
        }
    }

    /// After a real exit syscall was started for task `t`. A thread (not a group leader) is
    /// waited for until it is gone, because the kernel clears its CLEARTID word and wakes its
    /// joiners on the way out, and the recording let nobody run before that had happened either.
    /// A group leader's termination only comes once every thread has gone: it is collected at
    /// its ExitEvent.
    func awaitExit(_ t: ReplayTask) throws {
        try t.task.resume(.cont)
        var stop = try t.task.wait()
        if !stop.isTermination {
            try t.task.resume(.cont)
            if t.task.tid != t.task.tgid {
                repeat {
                    stop = try t.task.wait()
                    if !stop.isTermination { try t.task.resume(.cont) }
                } while !stop.isTermination
            }
        }
        if stop.isTermination { t.ended = Self.status(of: stop) }
    }

    /// The wait status a termination stop stands for (0 for any other stop).
    static func status(of stop: Stop) -> Int32 {
        switch stop {
        case .exited(let c): return WaitStatus.exited(c)
        case .killed(let s, let core): return WaitStatus.killed(s, core: core)
        default: return 0
        }
    }
}
