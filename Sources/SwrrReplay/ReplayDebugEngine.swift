// The engine side of ReplayDebugger: runs on the engine thread (the ptrace tracer of every
// replayed task) and owns the live ReplaySession, whose hook is the engine's TrapControl.
//
// The engine is a loop: it takes a request from the mailbox, runs it, and reports the stop.
// Running is `drive`, which calls ReplaySession.step until something stops the replay: a stop of
// the debugger's in the middle of an event, which the session returns (`ReplayStep.trap`) with
// the event left under way, or an event the client wants to stop at (a signal, a task event,
// the end). Reverse operations and jumps are silent replays driven the same way from a
// checkpoint (ReplayTimeline.swift, ReverseExecution.swift), counting the traps the session
// returns until they reach their target.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// How a run of the engine (`drive`) ended.
enum DriveEnd {
    /// A stop to report to the client.
    case stop(DebugStop)
    /// An error to report to the client at a stop: the replay stands at a usable position (a
    /// jump that failed went back to where the client was).
    case failed(Error)
    /// A silent replay (a scan, a step-scan) has learnt what it wanted.
    case done

    /// What the client is told.
    var result: Result<DebugStop, Error> {
        switch self {
        case .stop(let s): return .success(s)
        case .failed(let e): return .failure(e)
        case .done: return .failure(DebuggerError.other("a silent replay ended without a stop"))
        }
    }
}

final class ReplayDebugEngine {
    let traceDirectory: String
    private let echo: ((UInt8, [UInt8]) -> Void)?
    let mailbox: DebugMailbox
    private(set) var session: ReplaySession!
    /// The session's hook: breakpoints, watchpoints, steps and carry-overs (TrapControl.swift).
    let traps = TrapControl()
    /// The live session's event number, readable from any thread while the engine runs.
    let liveEvent = LiveEventNumber()
    var breakpoints: SoftwareBreakpoints { traps.breakpoints }
    var debugRegisters: DebugRegisters { traps.debugRegisters }
    var interruption: Interruption { traps.interruption }
    var stepState: TrapControl.StepState {
        get { traps.stepState }
        set { traps.stepState = newValue }
    }
    var stepOver: [Int32: TrapControl.StepOver] {
        get { traps.stepOver }
        set { traps.stepOver = newValue }
    }
    var establishedPending: Bool {
        get { traps.establishedPending }
        set { traps.establishedPending = newValue }
    }
    var outcome: ReplayOutcome?
    var currentTid: Int32 = 0
    private(set) var mainTid: Int32 = 0

    /// Where the replay is now (ReplayPosition.swift): the event boundary, extended by every stop
    /// in the middle of an event.
    var position = ReplayPosition(event: 1, tid: 0)
    /// Going back: checkpoints, silent replays, what forward runs showed (ReplayTimeline.swift).
    private(set) lazy var timeline = ReplayTimeline(engine: self)
    /// The silent replay under way (ReverseExecution.swift); nil: the replay runs for the client.
    var seek: Seek? { timeline.seek }
    var checkpoints: CheckpointStore { timeline.checkpoints }

    /// What the client asked for last.
    private var mode: ResumeRequest = .continue(stopAtTaskEvents: true)
    /// The client's forward run under way: where it began and what was inserted (HitLedger.swift).
    private var forwardRun: (from: ReplayPosition, keys: Set<Seek.Key>?)?
    /// The boundaries after each task's `.syscallEntry` events, and the exits of the syscall
    /// entries found for writes (SyscallWrites.swift).
    var syscallEntries: [Int32: [Int]] = [:]
    var syscallExits: [EntryKey: ReplayPosition] = [:]

    init(traceDirectory: String, echo: ((UInt8, [UInt8]) -> Void)?, mailbox: DebugMailbox) {
        self.traceDirectory = traceDirectory
        self.echo = echo
        self.mailbox = mailbox
    }

    var eventNumber: Int { session?.eventNumber ?? 0 }

    // MARK: the engine thread

    func main(started: (Error?) -> Void) {
        do {
            try startReplay()
            mainTid = session.tasks.first(where: { $0.value.task === session.task })?.key ?? 0
            currentTid = mainTid
            position = ReplayPosition(event: eventNumber, tid: mainTid)
        } catch {
            started(error)
            return
        }
        started(nil)
        while true {
            switch mailbox.next() {
            case .call(let body):
                body()
            case .resume(.kill):
                finish()
                checkpoints.removeAll()
                mailbox.report(.success(killedStop))
                return
            case .resume(let r):
                mailbox.report(serve(r))
            }
        }
    }

    private var killedStop: DebugStop {
        DebugStop(reason: .end(outcome ?? .endedEarly(event: eventNumber, reason: "killed")), tid: mainTid, event: eventNumber)
    }

    /// Serves one resume request: the stop it ends at, or its error.
    private func serve(_ r: ResumeRequest) -> Result<DebugStop, Error> {
        defer { ReplayProfile.report("\(r)") }
        do {
            var result = try ReplayProfile.time("request") { try execute(r).result }
            if case .reverseContinue = r { result = result.map(namingWriter) }
            endForwardRun(try? result.get().reason)
            if case .success = result, let sig = position.signature { checkpoints.keepForStop(sig) }
            return result
        } catch let e as ReplayError {
            timeline.endSeek()
            outcome = outcome ?? .endedEarly(event: eventNumber, reason: e.description)
            return .failure(DebuggerError.replay(e.description))
        } catch {
            timeline.endSeek()
            // An error reported where the replay still stands leaves it usable.
            if session == nil || session.tasks.isEmpty {
                outcome = outcome ?? .endedEarly(event: eventNumber, reason: "\(error)")
            }
            return .failure(error)
        }
    }

    private func execute(_ r: ResumeRequest) throws -> DriveEnd {
        forwardRun = nil   // accept() starts one for a continue
        switch r {
        case .continue, .step:
            if let o = outcome { return .stop(DebugStop(reason: .end(o), tid: mainTid, event: eventNumber)) }
            accept(r)
            return try drive()
        case .reverseContinue:
            return try timeline.reverseContinue()
        case .reverseStep(let tid):
            return try timeline.reverseStep(tid: tid)
        case .goTo(let p, let reason):
            return try timeline.jump(to: p, reason: reason)
        case .kill:
            return .stop(killedStop)   // main() serves it before it comes here
        }
    }

    /// A fresh replay of the trace, stopped at the program's first instruction, with the
    /// debugger's breakpoints and watchpoints in it (and a checkpoint there, so that going back
    /// to the start does not start the program again). Going back otherwise starts from
    /// `restore(nearestTo:)`: see ReverseExecution.swift.
    func startReplay() throws {
        finish()
        installSession(try ReplaySession(traceDirectory: traceDirectory, echo: echoForSession))
        timeline.eventTids[0] = session.tasks.first(where: { $0.value.task === session.task })?.key
        currentTid = mainTid
        checkpoints.moved(to: 0)
        position = ReplayPosition(event: eventNumber, tid: mainTid)
        if checkpoints.automatic && checkpoints.latest(before: eventNumber, inclusive: true) == nil {
            _ = try? timeline.takeCheckpoint(at: position, explicit: false)
        }
    }

    /// The program's output as the replay passes it: a replay going back over what the client
    /// already saw stays quiet.
    var echoForSession: (UInt8, [UInt8]) -> Void {
        { [weak self] fd, bytes in
            guard let self = self, self.seek == nil else { return }
            self.echo?(fd, bytes)
        }
    }

    /// Makes `s` the live replay, with the debugger's breakpoints and watchpoints in it.
    func installSession(_ s: ReplaySession) {
        s.keepTasksAtEnd = true
        s.progress = liveEvent
        liveEvent.set(s.eventNumber)
        traps.attach(to: s)
        traps.stretchDue = { [unowned self] t in self.timeline.stretchDue(t) }
        traps.stretchInterrupts = []
        traps.coverageTrap = { [unowned self] a, t in self.timeline.coverageTrap(at: a, in: t) }
        session = s
        timeline.stretchAnchor = (s.eventNumber, nil)
        outcome = nil
        breakpoints.insertAll(in: addressSpaces)
    }

    func finish() {
        session?.debugHook = nil
        session?.kill()
        session = nil
    }

    private func accept(_ r: ResumeRequest) {
        noteBoundaryWrites()
        mode = r
        if case .step(let tid) = r { stepState = .armed(tid) } else { stepState = .off }
        switch r {
        case .continue where seek == nil: forwardRun = (position, timeline.scanKeys(excluding: nil))
        case .step where seek == nil: forwardRun = (position, nil)
        default: forwardRun = nil
        }
    }

    /// The forward run under way stopped where the replay now is (for `reason`; nil: an error):
    /// the ledger learns what it proved.
    private func endForwardRun(_ reason: StopReason?) {
        guard let run = forwardRun else { return }
        forwardRun = nil
        if reason != nil { noteBoundaryWrites() }
        guard reason != nil, seek == nil else { return }
        timeline.ledger.add(HitLedger.Run(from: run.from, to: position, keys: run.keys))
    }

    /// Replays until something stops the replay (or, while seeking, until the target): calls
    /// ReplaySession.step, and looks at what it returns. A trap in the middle of an event is a
    /// stop for the client, or a count for a seek, after which the session goes on with the
    /// event; between events come the pause, the seek's target and the events the client stops
    /// at.
    func drive() throws -> DriveEnd {
        checkpoints.run()
        timeline.clearStretchBreakpoint()
        defer {
            timeline.clearStretchBreakpoint()
            checkpoints.pause()
        }
        // The tasks before the event under way (none is created before an event is done).
        var before = Set(session.tasks.keys)
        while true {
            // A replay restored from a checkpoint inside an event (Checkpointing.begin) is not at
            // a boundary, and neither is one a trap interrupted.
            if session.isAtEventBoundary {
                if let end = try pauseAtBoundary() { return end }
                if seek != nil, let end = try timeline.seekAtBoundary() { return end }
                before = Set(session.tasks.keys)
            }
            if let o = outcome { return .stop(DebugStop(reason: .end(o), tid: mainTid, event: eventNumber)) }
            let step: ReplayStep = try session.step()
            switch step {
            case .end(let o):
                outcome = o
                position = ReplayPosition(event: eventNumber, tid: mainTid)
                if seek != nil { continue }
                return .stop(DebugStop(reason: .end(o), tid: mainTid, event: eventNumber))
            case .trap(let trap):
                if let end = try trapped(trap) { return end }
                continue
            case .event:
                timeline.clearStretchBreakpoint()
                timeline.coverageEventDone()
                timeline.stretchAnchor = (eventNumber, nil)
            }
            if let tid = session.lastEvent?.tid { timeline.eventTids[eventNumber - 1] = tid }
            if case .syscallEntry(let ev)? = session.lastEvent { noteSyscallEntered(ev.tid) }
            let consumed: Int32?
            if case .consumed(let replayTid) = stepState { consumed = replayTid } else { consumed = nil }
            position = ReplayPosition(event: eventNumber, tid: consumed.flatMap(recordedTid(ofReplayTid:)) ?? currentTid)
            establishedPending = true
            timeline.checkpointIfDue()
            if seek != nil {
                _ = try eventStop(before: before)   // bookkeeping only (forks, execs)
                timeline.seekEventDone()
                if consumed != nil { return try timeline.seekStepConsumed() }
                continue
            }
            if let replayTid = consumed {
                stepState = .off
                currentTid = recordedTid(ofReplayTid: replayTid) ?? currentTid
                // A step over a syscall that wrote a watched range reports the watchpoint, as a
                // step over a store does (TrapControl: the trap wins over the step).
                if let hit = syscallWriteStop() { return .stop(hit) }
                return .stop(DebugStop(reason: .step, tid: currentTid, event: eventNumber))
            }
            let stop = try eventStop(before: before)
            if let hit = syscallWriteStop() { return .stop(hit) }
            if let stop { return .stop(stop) }
        }
    }

    /// A stop at the event just replayed, if it is one the client wants.
    private func eventStop(before: Set<Int32>) throws -> DebugStop? {
        guard let event = session.lastEvent else { return nil }
        let stopAtTaskEvents: Bool
        if case .continue(let s) = mode { stopAtTaskEvents = s } else { stopAtTaskEvents = false }
        switch event {
        case .signal(let ev):
            currentTid = ev.tid
            return DebugStop(reason: .signal(ev.signal), tid: ev.tid, event: eventNumber)
        case .exec(let ev):
            if let t = session.tasks[ev.tid] {
                breakpoints.execed(t.task)
                // A new image: the covered functions' addresses mean nothing in it.
                if traps.coverage.armed?.tgid == t.task.tgid { traps.coverage.newReplay() }
                debugRegisters.forget(tid: t.task.tid)
            }
            guard stopAtTaskEvents else { return nil }
            currentTid = ev.tid
            return DebugStop(reason: .exec, tid: ev.tid, event: eventNumber)
        case .exit(let ev):
            guard stopAtTaskEvents else { return nil }
            return DebugStop(reason: .taskExited(ev.tid, waitStatus: ev.waitStatus), tid: ev.tid, event: eventNumber)
        case .syscall(let ev):
            if Syscall.mayMapCode.contains(where: { $0.number == Int(ev.number) }), ev.result >= 0,
               !breakpoints.addresses.isEmpty {
                breakpoints.insertAll(in: addressSpaces)   // new code may be there
            }
            let created = Set(session.tasks.keys).subtracting(before)
            guard let child = created.first, let c = session.tasks[child], let parent = session.tasks[ev.tid] else { return nil }
            if c.task.tgid != parent.task.tgid { breakpoints.forked(parent: parent.task.tgid, child: c.task.tgid) }
            guard stopAtTaskEvents else { return nil }
            currentTid = ev.tid
            return DebugStop(reason: .taskCreated(child), tid: ev.tid, event: eventNumber)
        default:
            return nil
        }
    }

    // MARK: stops

    /// A trap the session returned in the middle of an event: a forward stop for the client, or
    /// a count for a seek. nil: go on replaying.
    private func trapped(_ trap: DebugTrap) throws -> DriveEnd? {
        // The replay's own stops for a checkpoint inside a long stretch (StretchCheckpoints.swift).
        switch trap.kind {
        case .stretch:
            timeline.stretchInterrupted(trap)
            return nil
        case .breakpoint(let a) where timeline.stretchBreakpoint?.addresses.contains(a) == true:
            guard timeline.stretchPause else {
                timeline.stretchBreakpointReached(trap)
                return nil
            }
            // The pause, where the stub can find its state again.
            timeline.stretchPause = false
            timeline.clearStretchBreakpoint()
            return try trapped(DebugTrap(task: trap.task, kind: .interrupted, registers: trap.registers))
        case .interrupted where !timeline.stretchPause:
            // A seek's too (ReplayInterrupt.swift): its position is counted from its segments.
            if seek != nil { timeline.dropSeekSearch() }
            if timeline.pauseAhead(trap) { return nil }
            if seek != nil { return timeline.seekPaused(trap) }
        case .interrupted:
            // A pause is on its way to a patchable instruction already: this later interrupt
            // (the client asked again) is a null stop, else it would stop the task where its
            // state costs a breakpoint stop per pass to reach again.
            return nil
        default:
            break
        }
        if let s = seek {
            // A pause at a stop of the seek's own (a breakpoint hit a scan passes, every few ms
            // in reverse_loop: the wait never sees a whole quiet slice), before it is counted:
            // the position is this arrival, from the segments done.
            if !s.stepping, trap.kind != .waypoint, interruption.take() { return timeline.seekPaused(trap) }
            return try timeline.seekTrap(trap)
        }
        let t = trap.task
        let tid = recordedTid(ofReplayTid: t.task.tid) ?? currentTid
        var p = position
        if p.event != eventNumber { p = ReplayPosition(event: eventNumber, tid: tid) }
        switch trap.kind {
        case .breakpoint(let a), .hardwareBreakpoint(let a):
            // Resuming from an int3's address the replay already stands on (reached by a step
            // or a jump): carried over, not a new arrival (ReplayPosition's counting rules).
            if trap.sameArrival { return nil }
            p = p.appending(.arrival(a, 1))
        case .watchpoint(let w):
            p = p.appending(.watch(w, 1))
        case .step:
            p = p.appending(.steps(1))
        case .interrupted:
            // Where a pause found the task: known by its registers (ReplayInterrupt.swift).
            p = p.appending(.state(trap.registers))
        case .stretch, .waypoint:
            return nil
        }
        p.tid = tid
        p.registers = trap.registers
        position = p
        if trap.kind != .interrupted { timeline.checkpointAtStopIfDue(t, p) }
        return stopped(t, .success(trap.reason))
    }

    /// The stop (or the error of a request that ended here) to report at a stop of task `t` in
    /// the middle of an event, where the position now is.
    func stopped(_ t: ReplayTask, _ result: Result<StopReason, Error>) -> DriveEnd {
        stepState = .off
        establishedPending = true
        currentTid = recordedTid(ofReplayTid: t.task.tid) ?? currentTid
        switch result {
        case .success(let reason): return .stop(DebugStop(reason: reason, tid: currentTid, event: eventNumber))
        case .failure(let e): return .failed(e)
        }
    }

    // MARK: requests (on the engine thread)

    func recordedTid(ofReplayTid tid: Int32) -> Int32? {
        session?.tasks.first(where: { $0.value.task.tid == tid })?.key
    }

    /// One task of each live process.
    var addressSpaces: [Task] {
        var seen = Set<Int32>()
        var out: [Task] = []
        for (_, t) in session?.tasks.sorted(by: { $0.key < $1.key }) ?? [] where t.ended == nil && !t.newborn {
            if seen.insert(t.task.tgid).inserted { out.append(t.task) }
        }
        return out
    }

    func liveTask(_ tid: Int32?) throws -> Task {
        // At the end of the recording the tasks still alive stay inspectable.
        guard let session = session else { throw DebuggerError.ended }
        let id = tid ?? currentTid
        guard let t = session.tasks[id] ?? (tid == nil ? session.tasks[mainTid] : nil), t.ended == nil else {
            throw DebuggerError.noSuchTask(id)
        }
        return t.task
    }

    func setBreakpoint(_ address: UInt64) throws {
        guard session != nil else { throw DebuggerError.ended }
        do {
            try breakpoints.add(address, in: addressSpaces)
        } catch {
            throw DebuggerError.refused("cannot insert a breakpoint at 0x\(String(address, radix: 16)): \(error)")
        }
    }

    func removeBreakpoint(_ address: UInt64) {
        // A task stopped on it no longer needs carrying over it (the byte is restored).
        breakpoints.remove(address, in: addressSpaces)
        timeline.coverageReleased(address)
    }

    func setWatchpoint(_ w: Watchpoint) throws {
        _ = try debugRegisters.add(w)
    }

    func removeWatchpoint(_ w: Watchpoint) throws {
        // A task stopped at a hardware breakpoint being removed resumes normally.
        if let slot = debugRegisters.slots.firstIndex(where: { $0 == w }) { traps.forgetCarryOvers(slot: slot) }
        guard debugRegisters.remove(w) else {
            throw DebuggerError.refused("there is no hardware watchpoint at 0x\(String(w.address, radix: 16))")
        }
    }

    func readMemory(_ address: UInt64, count: Int, tid: Int32?) throws -> [UInt8] {
        let task = try liveTask(tid)
        var bytes = try task.readMemory(address, count: count)
        breakpoints.hide(in: &bytes, at: address, tgid: task.tgid)
        return bytes
    }

    func taskList() -> [DebugTask] {
        guard let session = session else { return [] }
        return session.tasks.sorted(by: { $0.key < $1.key }).map { (tid, t) in
            let state: DebugTask.State
            if t.ended != nil { state = .ended }
            else if t.newborn { state = .notStarted }
            else if t.parkedAt != nil { state = .inSyscall }
            else { state = .stopped }
            let pid = session.tasks.first(where: { $0.value.task.tid == t.task.tgid })?.key ?? tid
            return DebugTask(tid: tid, pid: pid, replayTid: t.task.tid, state: state)
        }
    }

    func executablePath() -> String {
        if let t = try? liveTask(nil) {
            var buf = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/\(t.tgid)/exe", &buf, 4095)
            if n > 0 { return String(cString: buf) }
        }
        return session?.header.argv.first ?? ""
    }

    func auxv(_ tid: Int32?) throws -> [UInt8] {
        let t = try liveTask(tid)
        guard let text = readBinaryFile("/proc/\(t.tgid)/auxv") else {
            throw DebuggerError.other("cannot read /proc/\(t.tgid)/auxv")
        }
        return text
    }
}
