// What swrr-dap debugs: the debugger core (SwrrDebugger's Debugger, over a replay) with what
// only DAP needs around it: a run thread, the threads as DAP lists them, and the handles
// stackTrace, scopes and variables hand out.
//
// Runs (continue, steps) happen on a thread of their own, because the core's runs block until
// the replay stops: the adapter keeps serving requests meanwhile and polls `advance`. That
// thread stays here rather than in the core: polling a result between requests is how this
// adapter's single loop works, the core's own contract is a synchronous run plus a thread-safe
// `pause`. While a run is in progress nothing else calls the debugger but `pause` (the handlers
// that inspect are valid only when stopped; `threads` answers from the last stop).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrDebugInfo
import SwrrDebugger
import SwrrReplay

public final class DebuggerTarget {
    let core: Debugger
    private(set) var lastStop: TargetStop = .entry

    private let cond = NSCondition()
    private var running = false
    private var pauseWanted = false
    private var result: Result<Outcome, Error>?
    private var cachedThreads: [TargetThread] = []
    private var cachedEvent = 0
    private var replayTids: [Int32] = []
    private var killed = false
    /// `threads` lists only the debugged process's threads: the session is one of a process
    /// tree's (ChildSessions.swift), and the other processes have sessions of their own.
    let ownProcessOnly: Bool
    /// The session's thread (with `ownProcessOnly`: the core's focus is shared by every session
    /// of the tree, and may be another process's thread).
    private var viewFocus: Int32 = 0
    /// A child session of a process tree: the parent session's target, whose core (one replay,
    /// one timeline) this one shows for process `processID` (ProcessTree.swift).
    let owner: DebuggerTarget?
    public let processID: Int

    /// Breakpoints changed while running: placed at the next stop.
    var breakpointsChanged = false
    /// Frame ids and variable handles of the current stop.
    var inspection = Inspection()
    /// The targets `gotoTargets` handed out.
    let gotoTargets = GotoTargets()
    /// The targets `stepInTargets` handed out.
    let stepInTargets = StepInTargetIDs()
    /// The positions value histories handed out (ValueHistoryHandler.swift).
    let historyPositions = HistoryPositions()

    /// `process`: the recorded pid of the process to debug (nil: the first; RecordedProcesses).
    /// `ownProcessOnly`: list only that process's threads.
    public init(traceDirectory: String, breakpoints: BreakpointSet, process: Int? = nil, ownProcessOnly: Bool = false,
                output: @escaping (UInt8, [UInt8]) -> Void, log: @escaping (DebuggerMessage) -> Void) throws {
        core = try Debugger(traceDirectory: traceDirectory, breakpoints: breakpoints, process: process,
                            output: output, log: log)
        self.ownProcessOnly = ownProcessOnly
        owner = nil
        processID = core.processID
        viewFocus = core.focusThread
        refreshCaches()
    }

    /// A child session's view of `owner`'s replay, showing process `process`. Its threads are
    /// read at the next stop when the replay runs now.
    init(view owner: DebuggerTarget, process: Int) {
        core = owner.core
        self.owner = owner
        ownProcessOnly = true
        processID = process
        viewFocus = Int32(truncatingIfNeeded: process)   // a recorded pid, checked by the caller
        lastStop = owner.lastStop
        if !owner.isRunning { refreshCaches() }
    }

    deinit { kill() }

    /// A target whose program output and console messages go to `adapter`.
    static func open(_ traceDirectory: String, process: Int?, adapter: Adapter) throws -> DebuggerTarget {
        try DebuggerTarget(traceDirectory: traceDirectory, breakpoints: adapter.session.breakpoints, process: process,
                           ownProcessOnly: adapter.session.startsDebugging,
                           output: { fd, bytes in adapter.programOutput.write(fd: fd, bytes) },
                           log: { message in
                               switch message {
                               case .logpoint(let text): adapter.console(text)
                               case .problem(let text): adapter.console("swrr-dap: " + text)
                               }
                           })
    }

    public var traceDirectory: String { core.traceDirectory }
    public var programPath: String { core.programPath }
    public var focusThread: Int { Int(focusTid) }
    /// The focus thread as a tid (it is always a recorded tid, or the checked launch pid).
    var focusTid: Int32 { ownProcessOnly ? viewFocus : core.focusThread }

    // MARK: runs and stops

    public func threads() -> [TargetThread] {
        cond.lock()
        defer { cond.unlock() }
        return cachedThreads
    }

    public var eventNumber: Int {
        cond.lock()
        defer { cond.unlock() }
        return cachedEvent
    }

    public var atEnd: Bool {
        if case .endOfRecording = lastStop { return true }
        return false
    }

    var isRunning: Bool {
        if owner?.isRunning == true { return true }
        cond.lock()
        defer { cond.unlock() }
        return running
    }

    /// What a run thread finished with.
    enum Outcome {
        case stop(Stop)
        /// A value history pass (`valueHistory`, `-history`): it ends where it began, and its
        /// errors are the request's, not the replay's.
        case history(Result<ValueHistory, Error>)
    }

    /// What `advance` hands the adapter when the run thread is done.
    enum Finished {
        case stop(TargetStop)
        case history(Result<ValueHistory, Error>)
    }

    public func begin(_ request: RunRequest) throws {
        try start(resetsInspection: true) { .stop(try $0.run(request)) }
    }

    /// A value history pass on the run thread, so the read loop stays free for `pause` and
    /// `cancel` (before, it blocked the loop for the whole pass). The position does not change:
    /// the frames and handles handed out stay valid.
    func beginHistory(_ pass: @escaping (Debugger) throws -> ValueHistory) throws {
        try start(resetsInspection: false) { core in .history(Result { try pass(core) }) }
    }

    private func start(resetsInspection: Bool, _ work: @escaping (Debugger) throws -> Outcome) throws {
        cond.lock()
        defer { cond.unlock() }
        guard !running, !killed else { throw RequestError("the replay is already running") }
        running = true
        pauseWanted = false
        result = nil
        if resetsInspection { inspection = Inspection() }
        // The core runs from the focus thread: this session's, when it is alive.
        if ownProcessOnly && core.isLive(viewFocus) { core.focusThread = viewFocus }
        let thread = Thread { [unowned self] in
            let r = Result { try work(self.core) }
            self.cond.lock()
            self.result = r
            self.running = false
            self.cond.broadcast()
            self.cond.unlock()
        }
        thread.name = "swrr-dap-run"
        thread.stackSize = 8 << 20
        thread.start()
    }

    func advance() throws -> Finished? {
        cond.lock()
        // A pause asked for before the core's run began is asked for again until the run stops.
        if pauseWanted && running && result == nil {
            cond.unlock()
            core.pause()
            cond.lock()
        }
        if result == nil { _ = cond.wait(until: Date().addingTimeInterval(0.02)) }
        guard let r = result else { cond.unlock(); return nil }
        result = nil
        cond.unlock()
        switch try r.get() {
        case .history(let h):
            return .history(h)
        case .stop(let s):
            let stop = TargetStop(s)
            lastStop = stop
            refreshCaches()
            if case .endOfRecording = stop { recordingEvents = eventNumber }
            return .stop(stop)
        }
    }

    /// The number of events of the recording, once a run reached its end (for percentages).
    private(set) var recordingEvents: Int?

    /// The replay's event number while a run goes on (SwrrDebugger's RunProgress). Any thread.
    var progressEvent: Int { core.progressEvent }

    /// Pauses the run under way (no effect when none is): it stops with reason "pause".
    public func pause() {
        owner?.pause()
        cond.lock()
        let wanted = running
        if wanted { pauseWanted = true }
        cond.unlock()
        if wanted { core.pause() }
    }

    /// A stop decided by the adapter itself (entry, restart).
    func noteStop(_ stop: TargetStop) { lastStop = stop }

    public func kill() {
        // A child session's view ends with its session; the replay is the parent session's.
        if owner != nil { return }
        cond.lock()
        if killed { cond.unlock(); return }
        killed = true
        let wasRunning = running
        let tids = replayTids
        cond.unlock()
        // A run cannot be interrupted: end its tasks so it returns at once.
        if wasRunning { for t in tids { Glibc.kill(t, SIGKILL) } }
        core.kill()
        cond.lock()
        while running { cond.wait() }
        cond.unlock()
    }

    /// Another session of the tree ran the replay: what this one shows is read again.
    func sharedRunStarted() {
        inspection = Inspection()
    }

    func sharedStop(_ stop: TargetStop) {
        lastStop = stop
        refreshCaches()
    }

    /// Threads, the event number and the replaying tids, read while stopped.
    private func refreshCaches() {
        let tasks = core.tasks()
        let event = (try? core.replay.eventNumber()) ?? 0
        let name = String(programPath.split(separator: "/").last ?? "main")
        let pids = Set(tasks.map(\.pid))
        let live = tasks.filter { $0.state != .ended }
        let shown = ownProcessOnly ? live.filter { Int($0.pid) == processID } : live
        var threads = shown.map { t in
            let own = ThreadNames.name(replayTid: t.replayTid) ?? name
            return TargetThread(id: Int(t.tid), name: pids.count > 1 ? "\(own) \(t.tid) (process \(t.pid))" : "\(own) (\(t.tid))")
        }
        // At the end every task has ended: the main thread stays listed, so the stop has a thread.
        // A process of a tree's session may not exist at this point: not forked yet, or ended
        // and reaped (the replay keeps no task of it then, so which of the two is not known
        // here); its placeholder says so rather than "ended".
        if threads.isEmpty {
            let seen = pids.contains(Int32(truncatingIfNeeded: processID))
            threads = [TargetThread(id: processID, name: "\(name) (\(processID), \(seen ? "ended" : "not alive at event \(event): not forked yet, or ended"))")]
        }
        cond.lock()
        cachedThreads = threads
        cachedEvent = event
        replayTids = live.map(\.replayTid)
        cond.unlock()
        // A stop must name a thread `threads` lists: nvim-dap asks `threads` again for as long as
        // the stopped thread is unknown (measured: 2.5 million requests in 12 minutes when the
        // end of a recording named a worker that had exited). The thread that stopped last is
        // kept when it lives; else the engine's (the program's first task at the end); else the
        // first listed.
        let listed = Set(threads.map(\.id))
        if ownProcessOnly {
            // The thread that stopped, when it is this process's; else this session's own.
            if listed.contains(Int(core.focusThread)) {
                viewFocus = core.focusThread
            } else if !listed.contains(Int(viewFocus)), let first = threads.first {
                viewFocus = Int32(truncatingIfNeeded: first.id)   // listed ids are recorded tids
            }
        } else if !listed.contains(focusThread) {
            if let e = core.lastEngineStop?.tid, listed.contains(Int(e)) {
                core.focusThread = e
            } else if let first = threads.first {
                core.focusThread = Int32(truncatingIfNeeded: first.id)   // listed ids are recorded tids
            }
        }
    }

    /// Whether recorded thread `tid` has a task in the replay now (at the end: the held program's).
    func isLive(_ tid: Int32) -> Bool { core.isLive(tid) }

    // MARK: debug info

    /// The address space of `tid`'s process (its memory map read again).
    func space(for tid: Int32) throws -> AddressSpace { try core.space(for: tid) }

    /// The first live task (the focus thread if it lives).
    func liveThread(_ id: Int32?) throws -> Int32 {
        let tid = id ?? focusTid
        if threads().contains(where: { $0.id == Int(tid) }) { return tid }
        if id != nil { throw RequestError("there is no thread \(tid) at this point of the replay") }
        guard let first = threads().first else { throw RequestError("no thread is alive at this point of the replay") }
        return Int32(truncatingIfNeeded: first.id)   // listed ids are recorded tids
    }

    /// The call stack of a thread at the current stop (kept until the next run).
    func callStack(_ tid: Int32) throws -> CallStack { try core.callStack(tid) }

    /// Frame `frameId` (as handed out by stackTrace): its thread and scope.
    func frame(_ frameId: Int) throws -> (tid: Int32, scope: FrameScope) {
        guard let f = inspection.frames[frameId] else {
            throw RequestError("unknown frameId \(frameId) (frames are valid until the replay resumes)")
        }
        let stack = try callStack(f.tid)
        guard f.index < stack.frames.count else { throw RequestError("unknown frameId \(frameId)") }
        return (f.tid, stack.scope(f.index))
    }

    /// The scope of the top frame of a thread (when a request names no frame).
    func topScope(_ tid: Int32) throws -> FrameScope {
        let stack = try callStack(tid)
        guard !stack.frames.isEmpty else { throw RequestError("thread \(tid) has no frames") }
        return stack.scope(0)
    }
}

/// What stackTrace, scopes and variables handed out at the current stop.
struct Inspection {
    enum Container {
        case locals(frameId: Int), arguments(frameId: Int), registers(frameId: Int), globals(frameId: Int)
        /// An aggregate or pointer value: its children. `path` is its evaluateName.
        case value(Value, stack: CallStack, path: String?)
        /// Rows made once (a `-history`'s entries).
        case rows([VariablesResponseBody.Variable])
    }

    var frames: [Int: (tid: Int32, index: Int)] = [:]
    private var frameKeys: [String: Int] = [:]
    var handles: [Int: Container] = [:]
    private var nextID = 1

    mutating func frameID(tid: Int32, index: Int) -> Int {
        let key = "\(tid)/\(index)"
        if let id = frameKeys[key] { return id }
        let id = nextID
        nextID += 1
        frameKeys[key] = id
        frames[id] = (tid, index)
        return id
    }

    mutating func handle(_ c: Container) -> Int {
        let id = nextID
        nextID += 1
        handles[id] = c
        return id
    }
}
