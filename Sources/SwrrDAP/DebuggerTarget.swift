// The thing being debugged: SwrrReplay's ReplayDebugger, with SwrrDebugInfo for everything a debugger
// shows in source terms (stacks, variables, lines).
//
// Runs (continue, steps) happen on a thread of their own, because ReplayDebugger's calls block
// until the replay stops: the adapter keeps serving requests meanwhile and polls `advance`.
// `pause` interrupts the engine's operation under way (ReplayDebugger.interrupt) and ends the
// request at the engine's next stop (PauseHandler.swift). While a run is in progress nothing
// else calls the debugger but `interrupt` (the handlers that inspect are valid only when
// stopped; `threads` answers from the last stop).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrDebugInfo
import SwrrKernel
import SwrrReplay
import SwrrTrace
import SwrrTracee

/// SwrrDebugInfo's view of one replayed task: its memory and registers, through the debugger.
final class TaskAccess: TargetAccess {
    let debugger: ReplayDebugger
    let tid: Int32

    init(_ debugger: ReplayDebugger, tid: Int32) {
        self.debugger = debugger
        self.tid = tid
    }

    func readMemory(_ address: UInt64, count: Int) throws -> [UInt8] {
        try debugger.readMemory(address, count: count, tid: tid)
    }

    func registers() throws -> Registers { try debugger.registers(tid: tid) }

    func floatingPointRegisters() throws -> [UInt8]? {
        try? debugger.floatingPointRegisters(tid: tid).fxsave
    }
}

public final class DebuggerTarget {
    public let traceDirectory: String
    let debugger: ReplayDebugger
    public let processID: Int
    public let programPath: String
    let breakpoints: BreakpointTable
    /// A message for the debug console (logpoints, condition errors); called from the run thread.
    let log: (String) -> Void
    public private(set) var focusThread: Int
    private(set) var lastStop: TargetStop = .entry

    private let cond = NSCondition()
    private var running = false
    private var pauseWanted = false
    private var result: Result<TargetStop, Error>?
    private var cachedThreads: [TargetThread] = []
    private var cachedEvent = 0
    private var replayTids: [Int32] = []
    private var killed = false

    /// Address spaces by recorded pid, kept across stops (modules are opened once).
    var spaces: [Int32: AddressSpace] = [:]
    /// The software breakpoints inserted in the replay for the user's breakpoints.
    var inserted: Set<UInt64> = []
    /// The last stop the engine reported: after a breakpoint stop the engine itself carries the
    /// thread over that breakpoint; after any other stop a breakpoint under the pc would trap at once.
    var lastEngineStop: DebugStop?
    /// Breakpoints changed while running: placed at the next stop.
    var breakpointsChanged = false
    /// Stacks, frame ids and variable handles of the current stop.
    var inspection = Inspection()
    /// The targets `gotoTargets` handed out.
    let gotoTargets = GotoTargets()
    /// The program's output on its way to the client (held back during a trial run).
    let outputHold: OutputHold

    /// `process`: the recorded pid of the process to debug (nil: the first; Processes.swift).
    public init(traceDirectory: String, breakpoints: BreakpointTable, process: Int? = nil,
                output: @escaping (UInt8, [UInt8]) -> Void, log: @escaping (String) -> Void) throws {
        self.traceDirectory = traceDirectory
        self.breakpoints = breakpoints
        self.log = log
        let reader = try TraceReader(directory: traceDirectory)
        var tid = 1
        if case .exec(let exec)? = try reader.next() { tid = Int(exec.tid) }
        programPath = reader.header.program
        if let p = process, p != tid {
            let all = try RecordedProcesses.list(traceDirectory)
            guard all.contains(Int32(truncatingIfNeeded: p)) else {
                throw RequestError("launch: there is no process \(p) in this recording (its processes: " +
                                   all.map(String.init).joined(separator: ", ") + ")")
            }
            tid = p
        }
        processID = tid
        outputHold = OutputHold(forward: output)
        debugger = try ReplayDebugger(traceDirectory: traceDirectory, echo: outputHold.echo)
        focusThread = Int((try? debugger.currentTid()) ?? Int32(tid))
        refreshCaches()
    }

    deinit { kill() }

    /// A target whose program output and console messages go to `adapter`.
    static func open(_ traceDirectory: String, process: Int?, adapter: Adapter) throws -> DebuggerTarget {
        try DebuggerTarget(traceDirectory: traceDirectory, breakpoints: adapter.session.breakpoints, process: process,
                           output: { fd, bytes in adapter.programOutput.write(fd: fd, bytes) },
                           log: { adapter.console($0) })
    }

    public var machineWarnings: [String] { [] }

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
        cond.lock()
        defer { cond.unlock() }
        return running
    }

    public func begin(_ request: RunRequest) throws {
        cond.lock()
        defer { cond.unlock() }
        guard !running, !killed else { throw RequestError("the replay is already running") }
        running = true
        pauseWanted = false
        result = nil
        inspection = Inspection()
        let thread = Thread { [unowned self] in
            let r = Result { try self.run(request) }
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

    public func advance() throws -> TargetStop? {
        cond.lock()
        // A pause asked for between two engine operations of the run (an interrupt only reaches
        // one under way) is asked for again until the run stops.
        if pauseWanted && running && result == nil {
            cond.unlock()
            debugger.interrupt()
            cond.lock()
        }
        if result == nil { _ = cond.wait(until: Date().addingTimeInterval(0.02)) }
        guard let r = result else { cond.unlock(); return nil }
        result = nil
        cond.unlock()
        let stop = try r.get()
        lastStop = stop
        if case .stopped(let info) = stop { focusThread = info.threadId }
        refreshCaches()
        return stop
    }

    /// Pauses the run under way (no effect when none is): it stops with reason "pause".
    public func pause() {
        cond.lock()
        let wanted = running
        if wanted { pauseWanted = true }
        cond.unlock()
        if wanted { debugger.interrupt() }
    }

    /// Whether `pause` was asked for during this run (read by the run thread between operations).
    var pauseRequested: Bool {
        cond.lock()
        defer { cond.unlock() }
        return pauseWanted
    }

    /// A stop decided by the adapter itself (entry, restart).
    func noteStop(_ stop: TargetStop) { lastStop = stop }

    public func kill() {
        cond.lock()
        if killed { cond.unlock(); return }
        killed = true
        let wasRunning = running
        let tids = replayTids
        cond.unlock()
        // A run cannot be interrupted: end its tasks so it returns at once.
        if wasRunning { for t in tids { Glibc.kill(t, SIGKILL) } }
        debugger.kill()
        cond.lock()
        while running { cond.wait() }
        cond.unlock()
    }

    /// Threads, the event number and the replaying tids, read while stopped.
    private func refreshCaches() {
        let tasks = (try? debugger.tasks()) ?? []
        let event = (try? debugger.eventNumber()) ?? 0
        let name = String(programPath.split(separator: "/").last ?? "main")
        let pids = Set(tasks.map(\.pid))
        let live = tasks.filter { $0.state != .ended }
        var threads = live.map { t in
            let own = ThreadNames.name(replayTid: t.replayTid) ?? name
            return TargetThread(id: Int(t.tid), name: pids.count > 1 ? "\(own) \(t.tid) (process \(t.pid))" : "\(own) (\(t.tid))")
        }
        // At the end every task has ended: the main thread stays listed, so the stop has a thread.
        if threads.isEmpty { threads = [TargetThread(id: processID, name: "\(name) (\(processID), ended)")] }
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
        if !listed.contains(focusThread) {
            if let e = lastEngineStop.map({ Int($0.tid) }), listed.contains(e) {
                focusThread = e
            } else if let first = threads.first {
                focusThread = first.id
            }
        }
    }

    /// Whether recorded thread `tid` has a task in the replay now (at the end: the held program's).
    func isLive(_ tid: Int32) -> Bool {
        ((try? debugger.tasks()) ?? []).contains { $0.tid == tid && $0.state != .ended }
    }

    // MARK: debug info

    func access(_ tid: Int32) -> TaskAccess { TaskAccess(debugger, tid: tid) }

    /// The address space of `tid`'s process; `refresh` reads its memory map again (modules
    /// loaded since).
    func space(for tid: Int32, refresh: Bool = true) throws -> AddressSpace {
        let tasks = try debugger.tasks()
        guard let t = tasks.first(where: { $0.tid == tid && $0.state != .ended }) else {
            throw RequestError("there is no live thread \(tid) at this point of the replay")
        }
        if let s = spaces[t.pid], !refresh { return s }
        let text = readTextFile("/proc/\(t.replayTid)/maps") ?? ""
        let maps = text.split(separator: "\n").compactMap { MapsLine(parsing: $0) }
        if let s = spaces[t.pid] {
            s.update(mappings: maps, target: access(tid))
            return s
        }
        // Files swrr maps are its trace's copies already: their paths are read as they are.
        let s = AddressSpace(mappings: maps, target: access(tid))
        spaces[t.pid] = s
        return s
    }

    /// The first live task (the focus thread if it lives).
    func liveThread(_ id: Int32?) throws -> Int32 {
        let tid = id ?? focusTid
        if threads().contains(where: { $0.id == Int(tid) }) { return tid }
        if id != nil { throw RequestError("there is no thread \(tid) at this point of the replay") }
        guard let first = threads().first else { throw RequestError("no thread is alive at this point of the replay") }
        return Int32(truncatingIfNeeded: first.id)   // listed ids are recorded tids
    }

    /// The focus thread as a tid (it is always a recorded tid, or the checked launch pid).
    var focusTid: Int32 { Int32(truncatingIfNeeded: focusThread) }

    /// The call stack of a thread at the current stop (cached until the next run).
    func callStack(_ tid: Int32) throws -> CallStack {
        if let s = inspection.stacks[tid] { return s }
        let s = try space(for: tid).callStack(access(tid))
        inspection.stacks[tid] = s
        return s
    }

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
    }

    var stacks: [Int32: CallStack] = [:]
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
