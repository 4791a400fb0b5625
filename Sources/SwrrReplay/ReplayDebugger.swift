// A debugger's API over a replay (issue 5, forward half): continue forward until a software
// breakpoint, a hardware watchpoint or execution breakpoint, a signal the program receives, a
// task being created, exec'ing or ending, or the end of the recording; single-step one
// instruction; read the registers and memory of any live task; list the tasks. The gdb server
// (SwrrGDB) and later the DAP server drive a replay through this.
//
// Threads. ptrace requires every request on a task to come from the thread that traces it, so
// the engine runs on a thread of its own (the tracer of every replayed task) and this class
// talks to it through a mailbox: `perform` runs a closure on the engine thread between two
// operations, and `resume` hands it a run request and waits for the stop it ends at. The engine
// is a plain loop over the mailbox; a stop in the middle of an event is a value ReplaySession
// returns, with the event's progress kept as data (ReplayDebugEngine.swift, DebugHook.swift).
//
// Calls are synchronous and meant to come from one client thread at a time.
import Foundation
import SwrrTrace
import SwrrTracee

public enum DebuggerError: Error, CustomStringConvertible, Equatable {
    /// The request cannot be honoured (a write to memory, a fifth hardware watchpoint, ...).
    case refused(String)
    case noSuchTask(Int32)
    /// The replay has ended (or was killed): there is nothing left to inspect.
    case ended
    /// The replay failed (a divergence, a damaged trace).
    case replay(String)
    case other(String)

    public var description: String {
        switch self {
        case .refused(let s): return s
        case .noSuchTask(let tid): return "there is no live task \(tid) at this point of the replay"
        case .ended: return "the replay has ended"
        case .replay(let s): return s
        case .other(let s): return s
        }
    }
}

/// Why the replay stopped.
public enum StopReason: Equatable {
    /// A software breakpoint at this address (rip is there, the instruction not yet run).
    case breakpoint(UInt64)
    /// A hardware execution breakpoint at this address.
    case hardwareBreakpoint(UInt64)
    /// A hardware watchpoint on this address fired (after the access).
    case watchpoint(address: UInt64, kind: WatchKind)
    /// One instruction was executed (or the syscall at rip was replayed).
    case step
    /// The task is about to receive this signal (delivered when it is resumed).
    case signal(Int32)
    /// A new task (thread or process) with this recorded tid exists.
    case taskCreated(Int32)
    /// This task ended with this wait status.
    case taskExited(Int32, waitStatus: Int32)
    /// The task's process replaced its image.
    case exec
    /// The end of the recording.
    case end(ReplayOutcome)
    /// Going backwards reached the start of the recording (the program's first instruction).
    case startOfRecording
    /// The replay was moved to a requested position (goTo, goToEvent).
    case jumped
    /// The operation under way was paused (`interrupt`), at an exact position
    /// (ReplayInterrupt.swift).
    case interrupted
}

public struct DebugStop: Equatable {
    public var reason: StopReason
    /// The recorded tid of the task that stopped (the program's first task at the end).
    public var tid: Int32
    /// The replay's event number at the stop (rr's `when`).
    public var event: Int
    /// A watchpoint stop at a syscall's exit: the syscall whose output wrote the watched bytes
    /// ("read"; SyscallWrites.swift). nil for a hardware trap and every other stop.
    public var writer: String? = nil
}

/// A replayed task as the debugger sees it.
public struct DebugTask: Equatable, Sendable {
    public enum State: String, Sendable {
        /// Stopped in user code (or at its first instruction).
        case stopped
        /// Stopped at the entry of a blocking syscall the recording completed later.
        case inSyscall = "in syscall"
        /// Created but not yet run.
        case notStarted = "not started"
        case ended
    }
    /// The tid the task had when recorded (what the debugger shows).
    public var tid: Int32
    /// Its process, as recorded.
    public var pid: Int32
    /// The tid of the replaying task.
    public var replayTid: Int32
    public var state: State
}

public final class ReplayDebugger {
    let mailbox = DebugMailbox()
    private let engineThread: Thread
    private let engine: ReplayDebugEngine
    private var closed = false

    /// Starts the replay of `traceDirectory`, stopped at the program's first instruction.
    /// `echo` receives the program's recorded output (fd 1 or 2) as the replay passes it.
    /// `automaticCheckpoints`: the replay checkpoints itself as it runs (CheckpointStore.swift), so
    /// that going back is fast; off (or SWRR_CHECKPOINTS=0 in the environment), going back
    /// re-executes from the start or an explicit checkpoint. `checkpointInterval`: seconds of
    /// replay between automatic checkpoints at event boundaries (default 0.1; a fifth of it
    /// between those at stops inside events; 0: at every boundary and stop).
    /// `rememberForwardRuns`: reverse-continue uses what forward runs showed (HitLedger.swift);
    /// off, it always scans (for comparisons).
    public init(traceDirectory: String, echo: ((UInt8, [UInt8]) -> Void)? = nil,
                automaticCheckpoints: Bool = true, checkpointInterval: Double? = nil,
                rememberForwardRuns: Bool = true) throws {
        let engine = ReplayDebugEngine(traceDirectory: traceDirectory, echo: echo, mailbox: mailbox)
        engine.timeline.ledger.enabled = rememberForwardRuns
        engine.checkpoints.automatic = automaticCheckpoints && ProcessInfo.processInfo.environment["SWRR_CHECKPOINTS"] != "0"
        if let i = checkpointInterval {
            engine.checkpoints.interval = i
            engine.checkpoints.midEventInterval = i / 5
        }
        self.engine = engine
        // The engine thread's start-up result, handed over through the semaphore (a box: a
        // captured local var mutated on another thread is an error in Swift 6's mode).
        final class StartResult: @unchecked Sendable { var error: Error? }
        let ready = DispatchSemaphore(value: 0)
        let started = StartResult()
        engineThread = Thread {
            engine.main(started: { error in
                started.error = error
                ready.signal()
            })
        }
        engineThread.name = "swrr-replay-engine"
        engineThread.stackSize = 8 << 20
        engineThread.start()
        ready.wait()
        if let e = started.error {
            closed = true
            if let r = e as? ReplayError { throw DebuggerError.replay(r.description) }
            throw e
        }
    }

    deinit { kill() }

    // MARK: running

    /// Replays forward until the next stop. `stopAtTaskEvents`: also stop when a task is
    /// created, exec's or ends.
    public func continueForward(stopAtTaskEvents: Bool = true) throws -> DebugStop {
        try resume(.continue(stopAtTaskEvents: stopAtTaskEvents))
    }

    /// Executes one instruction of task `tid` (by default the task that runs next; a syscall
    /// instruction is replayed as a whole). Other tasks run meanwhile only where the recording
    /// ran them first.
    public func stepInstruction(tid: Int32? = nil) throws -> DebugStop {
        try resume(.step(tid: tid))
    }

    // MARK: running backwards and jumping (ReverseExecution.swift)

    /// Runs backwards to the last breakpoint or watchpoint hit strictly before the current
    /// position (a watchpoint stops before the instruction that wrote, where the old value is
    /// still in memory), or to the start of the recording (reason .startOfRecording).
    public func reverseContinue() throws -> DebugStop {
        try resume(.reverseContinue)
    }

    /// Goes back one instruction of task `tid` (by default the current one): the position from
    /// which a forward single-step comes here. At the start: reason .startOfRecording.
    public func reverseStepInstruction(tid: Int32? = nil) throws -> DebugStop {
        try resume(.reverseStep(tid: tid))
    }

    /// Where the replay is now: a position `goTo` reaches again exactly.
    public func position() throws -> ReplayPosition {
        try perform { e in
            var p = e.position
            if p.registers == nil, p.event == e.eventNumber, let t = try? e.liveTask(p.tid != 0 ? p.tid : nil) {
                p.registers = try? t.registers()
            }
            return p
        }
    }

    /// Goes to `position` (reason .jumped). Its registers, when given, are checked.
    public func goTo(_ position: ReplayPosition) throws -> DebugStop {
        var p = position
        if p.path.isEmpty { p.registers = nil }   // at a boundary the task is not known for sure
        return try resume(.goTo(p, .jumped))
    }

    /// Goes to the boundary before event `n` (reason .jumped).
    public func goToEvent(_ n: Int) throws -> DebugStop {
        guard n >= 1 else { throw DebuggerError.refused("event \(n) is before the start of the recording (event 1)") }
        return try resume(.goTo(ReplayPosition(event: n, tid: 0), .jumped))
    }

    /// Goes to the program's first instruction (reason .startOfRecording).
    public func goToStart() throws -> DebugStop {
        try resume(.goTo(ReplayPosition(event: 1, tid: 0), .startOfRecording))
    }

    /// Goes to the end of the recording (reason .end).
    public func goToEnd() throws -> DebugStop {
        try resume(.goTo(ReplayPosition(event: Int.max, tid: 0), nil))
    }

    // MARK: checkpoints (CheckpointStore.swift)

    /// Takes a checkpoint where the replay is (an event boundary or a stop); going back to a
    /// later point then starts from it. It stays until `deleteCheckpoint`.
    public func takeCheckpoint() throws -> CheckpointInfo {
        try perform { try $0.timeline.takeCheckpoint(at: $0.position, explicit: true).info }
    }

    /// Every checkpoint (explicit and automatic), in the order of their positions.
    public func checkpoints() throws -> [CheckpointInfo] {
        try perform { e in e.checkpoints.all.map(\.info) }
    }

    public func deleteCheckpoint(_ id: Int) throws {
        try perform { e in
            guard let cp = e.checkpoints.checkpoint(id: id) else {
                throw DebuggerError.refused("there is no checkpoint \(id)")
            }
            e.checkpoints.remove(cp)
        }
    }

    /// How many scanning replays reverse-continues have run so far: each re-executes a stretch
    /// of the recording to find the last breakpoint or watchpoint hit in it (a hit a forward run
    /// already stopped at needs none, HitLedger.swift). For tests and diagnostics.
    /// Which breakpoint hits a reverse-continue's scans may stop at: called on the engine thread
    /// at each hit of a software breakpoint a scan passes (the address, the recorded tid), with
    /// the replay stopped there, so it can read that task's registers and memory through this
    /// debugger as at a stop. Hits it refuses are passed over within the scan, so conditions
    /// false at the nearer hits cost no scan and no jump each (nil: every hit counts). It must
    /// not run the replay. A hit found otherwise (one a forward run stopped at, HitLedger) is
    /// returned as it is: the caller still evaluates what it gets.
    public func setReverseHitFilter(_ filter: ((UInt64, Int32) -> Bool)?) throws {
        try perform { $0.timeline.search.hitFilter = filter }
    }

    public func scanCount() throws -> Int {
        try perform { $0.timeline.search.scansRun }
    }

    /// The functions of the program and the stacks of its threads, from the debugger's debug
    /// information: reverse-continue then skips the stretches that ran none of a breakpoint's
    /// functions (StretchCoverage.swift). nil: no coverage.
    public func setCoverageSource(_ source: CoverageSource?) throws {
        try perform { $0.traps.coverage.source = source }
    }

    /// Stretches reverse-continues skipped so far, by the functions they ran (StretchCoverage).
    public func stretchesSkipped() throws -> Int {
        try perform { $0.traps.coverage.skipped }
    }

    /// The ids of the processes holding checkpoints (frozen copies), for tests and diagnostics.
    public func checkpointProcesses() throws -> [Int32] {
        try perform { e in e.checkpoints.all.flatMap(\.state.frozenPids) }
    }

    private func resume(_ r: ResumeRequest) throws -> DebugStop {
        guard !closed else { throw DebuggerError.ended }
        engine.interruption.begin()
        defer { engine.interruption.end() }
        return try mailbox.resume(r)
    }

    /// Pauses the operation under way on another thread (continueForward, stepInstruction,
    /// reverseContinue, reverseStepInstruction, goTo…): it returns as soon as the replay is at
    /// an exact position, with reason .interrupted (where: ReplayInterrupt.swift). Any thread;
    /// no effect when nothing runs.
    public func interrupt() {
        engine.interruption.request()
    }

    /// Ends the replay (every replayed task is killed). The object is unusable afterwards.
    public func kill() {
        guard !closed else { return }
        closed = true
        _ = try? mailbox.resume(.kill)
    }

    // MARK: breakpoints and watchpoints

    public func setBreakpoint(_ address: UInt64) throws {
        try perform { try $0.setBreakpoint(address) }
    }

    public func removeBreakpoint(_ address: UInt64) throws {
        try perform { $0.removeBreakpoint(address) }
    }

    /// A hardware watchpoint (or, with kind .execute, a hardware execution breakpoint) in one of
    /// the four debug registers; a fifth is refused.
    public func setWatchpoint(address: UInt64, length: Int, kind: WatchKind) throws {
        try perform { try $0.setWatchpoint(Watchpoint(address: address, length: length, kind: kind)) }
    }

    public func removeWatchpoint(address: UInt64, length: Int, kind: WatchKind) throws {
        try perform { try $0.removeWatchpoint(Watchpoint(address: address, length: length, kind: kind)) }
    }

    // MARK: state

    public func registers(tid: Int32? = nil) throws -> Registers {
        try perform { try $0.liveTask(tid).registers() }
    }

    /// The software breakpoint `tid` stands on that its next resume carries it over without a
    /// trap (it stopped at that breakpoint, or a jump landed on an arrival there); nil when a
    /// breakpoint under its pc would trap at once.
    public func breakpointCarriedOver(tid: Int32? = nil) throws -> UInt64? {
        try perform { engine in
            let task = try engine.liveTask(tid)
            if case .software(let a)? = engine.stepOver[task.tid] { return a }
            return nil
        }
    }

    public func floatingPointRegisters(tid: Int32? = nil) throws -> FloatingPointRegisters {
        try perform { try FloatingPointRegisters.read($0.liveTask(tid)) }
    }

    /// Memory of a live task, with the program's own bytes where breakpoints are inserted.
    public func readMemory(_ address: UInt64, count: Int, tid: Int32? = nil) throws -> [UInt8] {
        try perform { try $0.readMemory(address, count: count, tid: tid) }
    }

    /// Always refused: a replay re-executes what happened and cannot change it.
    public func writeMemory(_ address: UInt64, _ bytes: [UInt8], tid: Int32? = nil) throws {
        throw DebuggerError.refused("cannot write memory during a replay: the recorded execution cannot be changed " +
                                    "(0x\(String(address, radix: 16)), \(bytes.count) bytes)")
    }

    /// Refused for the same reason as memory writes.
    public func writeRegisters(tid: Int32? = nil) throws {
        throw DebuggerError.refused("cannot change registers during a replay: the recorded execution cannot be changed")
    }

    public func tasks() throws -> [DebugTask] {
        try perform { $0.taskList() }
    }

    /// The number of events replayed so far, i.e. of the next one (rr's `when`).
    public func eventNumber() throws -> Int {
        try perform { $0.eventNumber }
    }

    /// The event number of the live replay as the engine thread last set it, read without the
    /// mailbox: while an operation runs (a reverse scan re-executing from a checkpoint, a long
    /// continue) it moves, so a front end can show progress. Any thread.
    public var liveEventNumber: Int { engine.liveEvent.value }

    /// The recorded tid of the task the last stop was in (the program's first task at the start).
    public func currentTid() throws -> Int32 {
        try perform { $0.currentTid }
    }

    /// The signal event just replayed when it is `tid`'s (the replay stands at its delivery):
    /// the recorded siginfo the program's handler, or its death, sees. nil otherwise.
    public func deliveredSignal(tid: Int32) throws -> SignalEvent? {
        try perform { e in
            if case .signal(let ev)? = e.session?.lastEvent, ev.tid == tid { return ev }
            return nil
        }
    }

    /// The trace's copy of the program's executable (for a debugger to read symbols from).
    public func executablePath() throws -> String {
        try perform { $0.executablePath() }
    }

    /// The auxiliary vector of a live task's process.
    public func auxv(tid: Int32? = nil) throws -> [UInt8] {
        try perform { try $0.auxv(tid) }
    }

    /// Whether the replay has reached its end.
    public func hasEnded() throws -> Bool {
        try perform { $0.outcome != nil }
    }

    private func perform<T>(_ body: @escaping (ReplayDebugEngine) throws -> T) throws -> T {
        guard !closed else { throw DebuggerError.ended }
        let engine = self.engine
        // Called from the engine thread itself: a reverse hit filter reading the task at a hit
        // a scan is passing (setReverseHitFilter); the engine is there, waiting for it.
        if Thread.current === engineThread { return try body(engine) }
        return try mailbox.perform { try body(engine) }
    }
}

/// What the client asks the engine to do next.
enum ResumeRequest: Equatable {
    case `continue`(stopAtTaskEvents: Bool)
    /// One instruction of this task (recorded tid), or of whichever task runs next.
    case step(tid: Int32?)
    case reverseContinue
    case reverseStep(tid: Int32?)
    /// Go to a position; the stop's reason (nil: .end at the end of the recording, else .jumped).
    case goTo(ReplayPosition, StopReason?)
    case kill
}

/// The channel between client and engine threads.
final class DebugMailbox {
    enum Request {
        case call(() -> Void)
        case resume(ResumeRequest)
    }
    private let cond = NSCondition()
    private var requests: [Request] = []
    private var reports: [Result<DebugStop, Error>] = []

    // Client side.

    func perform<T>(_ body: @escaping () throws -> T) throws -> T {
        var result: Result<T, Error>?
        let done = DispatchSemaphore(value: 0)
        post(.call {
            result = Result { try body() }
            done.signal()
        })
        done.wait()
        return try result!.get()
    }

    func resume(_ r: ResumeRequest) throws -> DebugStop {
        post(.resume(r))
        cond.lock()
        while reports.isEmpty { cond.wait() }
        let report = reports.removeFirst()
        cond.unlock()
        return try report.get()
    }

    private func post(_ r: Request) {
        cond.lock()
        requests.append(r)
        cond.broadcast()
        cond.unlock()
    }

    // Engine side.

    func next() -> Request {
        cond.lock()
        while requests.isEmpty { cond.wait() }
        let r = requests.removeFirst()
        cond.unlock()
        return r
    }

    func report(_ r: Result<DebugStop, Error>) {
        cond.lock()
        reports.append(r)
        cond.broadcast()
        cond.unlock()
    }
}

/// An event number written by the engine thread and read by any other.
final class LiveEventNumber: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0

    func set(_ v: Int) {
        lock.lock()
        n = v
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return n
    }
}
