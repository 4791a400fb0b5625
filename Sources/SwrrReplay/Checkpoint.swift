// A checkpoint of a replay: every live process of the replay copied by a fork injected into it,
// as rr does, plus a copy of ReplaySession's own state. A copy is a frozen, ptrace-stopped
// process that never runs; restoring forks it again (so the checkpoint stays reusable), gives the
// new process the saved registers, recreates its other threads, and continues the replay from
// the saved state, with the recorded tids mapped to the new live tasks.
//
// Why each piece is there:
// - Threads: fork copies only the calling thread. The copy keeps one thread's state (registers,
//   XSAVE); the others are saved by value and recreated at restore by clones sharing the new
//   process's memory, each given its registers, XSAVE area, signal mask, robust-futex list,
//   alternate signal stack and clear_child_tid (which fork and clone reset; TaskCopy.swift).
// - Parents: a copy of a process whose parent is swrr is made with CLONE_PARENT, so it and every
//   process restored from it are swrr's children and swrr reaps them itself; other copies are
//   made with exit signal 0, so their death never signals a live replayed process. (The replay
//   makes its own forks with CLONE_PARENT too, see SyscallReplayer.replaySpawn, so in practice
//   every process is swrr's child.) The replay emulates wait4, getppid and kill, so real
//   parentage does not matter to the program.
// - Pids: copies have new pids; the replay knows tasks by their recorded tids, and the program's
//   memory only ever holds recorded ones (replay writes them), so nothing else changes.
// - Files: the replay executes no fd-creating syscall for real except the opens of trace copies
//   for mmap (MappingReplay keeps them open; a restored replay opens its own again), so a copy's
//   fd table holds nothing that matters.
// - Shared memory: a copy shares MAP_SHARED pages with the live process (later writes would show
//   through). Writable shared mappings are saved by value and written back at restore; the
//   scratch copies of trace files that MAP_SHARED maps (FileMapper) are copied with their holes
//   (ScratchSnapshot) and written back in place.
// - Breakpoints: the caller erases its int3s from the frozen copy, so a restored process is
//   pristine and gets the debugger's current breakpoints like a fresh replay.
//
// A checkpoint can be taken when every live task is stopped by swrr at a point the session can
// continue from: not a newborn, not holding a signal being delivered (a fork would lose it), not
// between a wait with a temporary mask and the signal its handler takes (a fork carries no
// pending signal and not the mask the kernel saved to restore after the handler; measured on
// signal_delivery suspend-mask: restored there, the replay ran into rt_sigsuspend again where
// SIGUSR1 was recorded), no two processes sharing one address space (a vfork child before its
// exec). `obstacle` says why not otherwise, and the caller simply takes none there.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

final class SessionCheckpoint {
    struct ThreadState {
        let recordedTid: Int32
        let registers: Registers
        let kernel: ThreadKernelState
        let parkedAt: Registers?
    }
    struct ProcessCopy {
        /// The frozen copy (one thread: the copy of threads[0]).
        let frozen: Task
        let threads: [ThreadState]
        /// Restored copies are made with CLONE_PARENT (the original's parent was swrr).
        let sameParent: Bool
    }
    struct SharedRegion {
        let process: Int
        let start: UInt64
        let bytes: [UInt8]
    }

    let processes: [ProcessCopy]
    /// Tasks that have ended but whose exit event comes later (recorded tid → ReplayTask).
    let endedTasks: [Int32: ReplayTask]
    let shared: [SharedRegion]
    let scratch: ScratchSnapshot

    /// The trace reader and scratch copies of the replay it was taken from (restored replays
    /// share them; only one replay runs at a time).
    let reader: TraceReader
    let files: FileMapper
    let eventNumber: Int
    let mainTid: Int32
    let mainStatus: Int32?
    let lastEvent: Event?
    let registeredBuffers: Set<UInt64>
    /// Where the replay goes on reading the trace.
    let start: ReplayEvents.Start
    /// Taken at a stop inside an event: restored, the replay goes on with that event.
    let insideEvent: Bool

    private init(processes: [ProcessCopy], endedTasks: [Int32: ReplayTask], shared: [SharedRegion],
                 scratch: ScratchSnapshot, session s: ReplaySession, midEvent: ReplayEvents.Start?) {
        self.processes = processes
        self.endedTasks = endedTasks
        self.shared = shared
        self.scratch = scratch
        reader = s.reader
        files = s.files
        eventNumber = s.eventNumber
        mainTid = s.tasks.mainTid
        mainStatus = s.tasks.mainStatus
        lastEvent = s.lastEvent
        registeredBuffers = s.registeredBuffers
        start = midEvent ?? s.events.start
        insideEvent = midEvent != nil
    }

    /// Kills the frozen copies (on the tracer thread: ptrace needs it).
    func discard() {
        Task.kill(processes.map(\.frozen))
        scratch.remove()
    }

    /// The processes that hold it (one per replayed process).
    var frozenPids: [pid_t] { processes.map { $0.frozen.tid } }

    /// Memory the checkpoint holds on its own: the pages of its frozen copies no other process
    /// shares any more (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup; pages still shared
    /// copy-on-write with the live replay or other checkpoints cost nothing extra), plus the bytes
    /// saved by value and the blocks of its copies of the scratch files.
    func memoryBytes() -> Int {
        var total = shared.reduce(0) { $0 + $1.bytes.count } + scratch.allocatedBytes
        for p in processes {
            guard let text = readTextFile("/proc/\(p.frozen.tid)/smaps_rollup") else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("Private_Clean:") || line.hasPrefix("Private_Dirty:") {
                if let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) { total += kb * 1024 }
            }
        }
        return total
    }
}

extension SessionCheckpoint {
    /// Why no checkpoint can be taken of replay `s` at this point (nil: one can).
    /// A task that has finished exiting before its exit event (a process after its exit_group,
    /// whose termination the replay collects at that event) is collected now: a fork cannot copy
    /// a dead task, and its status is all the replay needs of it.
    static func obstacle(in s: ReplaySession) -> String? {
        if s.finished != nil { return "the replay has reached its end" }
        if s.searchTrap != nil { return "the replay is searching for the point where a signal was delivered" }
        var leaders: [Task] = []
        for (tid, t) in s.tasks.sorted(by: { $0.key < $1.key }) where t.ended == nil {
            if t.newborn { return "task \(tid) has not run yet" }
            if t.pendingSignal != 0 { return "task \(tid) is receiving a signal" }
            if t.signalAfterTemporaryMask != 0 {
                return "task \(tid) waits for \(SignalNames.name(t.signalAfterTemporaryMask)) with a temporary signal mask"
            }
            var state = t.task.procState()
            if state == "Z" || state == "X" || state == nil {
                var status: Int32 = 0
                if swrr_waitpid(t.task.tid, &status, WNOHANG) == t.task.tid,
                   swrr_wifexited(status) != 0 || swrr_wifsignaled(status) != 0 {
                    t.ended = ReplayTasks.status(of: Stop(waitStatus: status))
                    continue
                }
                state = t.task.procState()
            }
            guard state == "t" else {
                return "task \(tid) is not stopped by swrr (state \(state.map(String.init) ?? "gone"))"
            }
            if !leaders.contains(where: { $0.tgid == t.task.tgid }) { leaders.append(t.task) }
        }
        for (i, a) in leaders.enumerated() {
            for b in leaders[(i + 1)...] where a.sharesMemory(with: b) != false {
                return "two processes share one address space (a vfork child before its exec)"
            }
        }
        return nil
    }

    /// Takes a checkpoint of replay `s` (`obstacle(in: s)` must be nil). `clean` erases the
    /// debugger's changes to memory (int3s) from the frozen copy of the live process whose tgid
    /// is given.
    /// Taken at a debugger stop inside the event being replayed (its task stopped in `resume`,
    /// before the event's own effects), it keeps the reading state from before that event:
    /// restoring it replays the event again from its start with the task where it is now,
    /// which comes to the same, since an event's replay only resumes the task to the point the
    /// recording names (its syscall, rdtsc, signal, or a register state searched for).
    static func take(of s: ReplaySession, clean: (Int32, Task) throws -> Void) throws -> SessionCheckpoint {
        var byProcess: [Int32: [(Int32, ReplayTask)]] = [:]
        var ended: [Int32: ReplayTask] = [:]
        for (tid, t) in s.tasks {
            if t.ended != nil { ended[tid] = t } else { byProcess[t.task.tgid, default: []].append((tid, t)) }
        }
        var copies: [ProcessCopy] = []
        var shared: [SharedRegion] = []
        var seenShared = Set<String>()
        do {
            for (tgid, members) in byProcess.sorted(by: { $0.key < $1.key }) {
                // The thread group leader first (it is the one forked when alive).
                let threads = members.sorted { ($0.1.task.tid == tgid ? 0 : 1, $0.0) < ($1.1.task.tid == tgid ? 0 : 1, $1.0) }
                var states: [ThreadState] = []
                for (tid, t) in threads {
                    let kernel = try t.task.kernelState()
                    states.append(ThreadState(recordedTid: tid, registers: try t.task.registers(), kernel: kernel,
                                          parkedAt: t.parkedAt))
                }
                let forker = threads[0].1.task
                let sameParent = forker.parentPid() == getpid()
                let frozen = try forker.forkCopy(sameParent: sameParent)
                copies.append(ProcessCopy(frozen: frozen, threads: states, sameParent: sameParent))
                try clean(tgid, frozen)
                shared += try sharedRegions(of: forker, process: copies.count - 1, files: s.files, seen: &seenShared)
            }
            s.sharesFiles = true
            return SessionCheckpoint(processes: copies, endedTasks: ended, shared: shared,
                                     scratch: try s.files.snapshot(), session: s, midEvent: s.current?.start)
        } catch {
            Task.kill(copies.map(\.frozen))
            throw error
        }
    }

    /// The writable MAP_SHARED mappings of a process other than scratch copies, by value (each
    /// shared object once).
    private static func sharedRegions(of task: Task, process: Int, files: FileMapper,
                                      seen: inout Set<String>) throws -> [SharedRegion] {
        var out: [SharedRegion] = []
        for m in try task.mappings() {
            let p = Array(m.permissions)
            guard p.count == 4, p[3] == "s", p[1] == "w", !files.isScratch(m.name) else { continue }
            guard seen.insert("\(m.device) \(m.inode) \(m.offset) \(m.end - m.start)").inserted else { continue }
            guard m.end - m.start <= sharedLimit else {
                throw ReplayError.tracee("a shared mapping of \(m.end - m.start) bytes at 0x\(String(m.start, radix: 16)) is too large to save in a checkpoint")
            }
            out.append(.init(process: process, start: m.start, bytes: try task.readMemory(m.start, count: Int(m.end - m.start))))
        }
        return out
    }

    /// A replay continuing from here, with new copies of its processes. The caller has killed
    /// the previous live replay.
    func restore(echo: ((UInt8, [UInt8]) -> Void)?) throws -> ReplaySession {
        let cp = self
        let s = ReplaySession(continuing: cp.reader, files: cp.files, echo: echo)
        do {
            var leads: [Task] = []
            for p in cp.processes {
                let lead = p.threads[0]
                let copy = try p.frozen.forkCopy(sameParent: p.sameParent, clearChildTid: lead.kernel.clearChildTid)
                leads.append(copy)
                s.tasks[lead.recordedTid] = ReplayTask(task: copy, newborn: false)
                var made: [(Task, ThreadState)] = [(copy, lead)]
                for th in p.threads.dropFirst() {
                    let t = try copy.cloneThread(clearChildTid: th.kernel.clearChildTid)
                    s.tasks[th.recordedTid] = ReplayTask(task: t, newborn: false)
                    made.append((t, th))
                }
                // Kernel state first (set by injected calls, which keep the registers), then the
                // registers.
                for (t, th) in made {
                    // The forked thread keeps its alternate signal stack (and may be running on
                    // it, where the kernel refuses to change it); clones lose theirs.
                    try t.setKernelState(th.kernel, altStack: t !== copy)
                    try t.setRegisters(th.registers)
                    s.tasks[th.recordedTid]?.parkedAt = th.parkedAt
                }
            }
            for r in cp.shared { try leads[r.process].writeMemory(r.start, r.bytes) }
            try cp.files.restore(cp.scratch)
        } catch {
            s.kill()
            if let e = error as? ReplayError { throw e }
            throw ReplayError.tracee("restoring a checkpoint at event \(cp.eventNumber): \(error)")
        }
        for (tid, t) in cp.endedTasks { s.tasks[tid] = t }
        s.eventNumber = cp.eventNumber
        s.tasks.mainTid = cp.mainTid
        s.tasks.mainStatus = cp.mainStatus
        s.lastEvent = cp.lastEvent
        s.registeredBuffers = cp.registeredBuffers
        s.events.rewind(to: cp.start)
        if cp.insideEvent { try s.resumeEvent(from: cp.start) }
        return s
    }

    /// The largest writable shared mapping a checkpoint saves by value (64 MiB).
    static let sharedLimit: UInt64 = 64 << 20
}
