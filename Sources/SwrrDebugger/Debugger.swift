// The debugger core: a replay (SwrrReplay's ReplayDebugger) seen in source terms (SwrrDebugInfo),
// with the breakpoints, the process being debugged and the thread in focus. A front end asks it
// to run (forward, backward, by line or instruction, in time) and gets a Stop back; between
// runs it reads stacks, variables and memory through it. The work of a run is done by the
// types of this module: LineStepper, ReverseStepper, GotoTravel, BreakpointEvaluator,
// BreakpointResolver.
//
// Threads: `run` is synchronous, called on one thread at a time (it blocks while the replay
// runs); `pause` and `kill` may be called from any thread while it does.
import Foundation
import SwrrDebugInfo
import SwrrReplay
import SwrrTrace
import SwrrTracee

/// A message for the user from a run: a logpoint's text, or a problem (a condition that cannot
/// be evaluated).
public enum DebuggerMessage: Equatable, Sendable {
    case logpoint(String)
    case problem(String)
}

public final class Debugger {
    public let traceDirectory: String
    /// The recorded pid of the process being debugged (with `allProcesses`: the first one).
    public let processID: Int
    /// Breakpoints, data breakpoints and signals stop in every process of the recording, not
    /// only in `processID`'s (the gdb server's way: gdb is shown every process's hits).
    public let allProcesses: Bool
    public let programPath: String
    public let breakpoints: BreakpointSet
    /// The program's output on its way out (held back during a trial run).
    public let outputHold: OutputHold
    let engine: Engine
    /// Messages of a run (called on the run's thread).
    let log: (DebuggerMessage) -> Void
    /// The thread requests are about: the one that stopped last (a front end may move it).
    public var focusThread: Int32
    /// The stop the last run ended with (nil before any).
    public private(set) var lastStop: Stop?
    /// Address spaces by recorded pid, kept across stops (modules are opened once).
    private var spaces: [Int32: AddressSpace] = [:]
    /// Which way the run under way goes (for a pause's description).
    private var direction: RunDirection = .forward
    /// Call stacks of the current stop, by thread (emptied when a run starts).
    private var stacks: [Int32: CallStack] = [:]
    /// The software breakpoints inserted in the replay for the user's breakpoints.
    var inserted: Set<UInt64> = []
    /// The debugger started the replay, so it ends it (a front end's replay is the front end's).
    private let ownsReplay: Bool
    /// Each module's functions for the replay's stretch coverage (CoverageProvider.swift).
    var coverageUnitsCache: [String: [(entry: UInt64, ranges: [Range<UInt64>])]] = [:]

    public var replay: ReplayDebugger { engine.replay }

    /// `process`: the recorded pid of the process to debug (nil: the first; RecordedProcesses).
    public init(traceDirectory: String, breakpoints: BreakpointSet, process: Int? = nil,
                output: @escaping (UInt8, [UInt8]) -> Void, log: @escaping (DebuggerMessage) -> Void) throws {
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
                throw SessionError("there is no process \(p) in this recording (its processes: " +
                                   all.map(String.init).joined(separator: ", ") + ")")
            }
            tid = p
        }
        processID = tid
        allProcesses = false
        ownsReplay = true
        outputHold = OutputHold(forward: output)
        engine = Engine(try ReplayDebugger(traceDirectory: traceDirectory, echo: outputHold.echo))
        focusThread = (try? engine.replay.currentTid()) ?? Int32(truncatingIfNeeded: tid)
        installCoverage()
    }

    /// A debugger over a replay its front end started (the gdb server's, which echoes the
    /// program's output itself): every process of the recording is debugged, so `processID` is
    /// only the replay's current thread when it opened (0 if the replay had ended).
    /// `traceDirectory` is empty: the replay does not say which it is, and nothing here reads
    /// the trace again. The replay outlives the debugger: the front end ends it.
    public init(replay: ReplayDebugger, breakpoints: BreakpointSet, log: @escaping (DebuggerMessage) -> Void) {
        traceDirectory = ""
        self.breakpoints = breakpoints
        self.log = log
        programPath = (try? replay.executablePath()) ?? ""
        let first = (try? replay.currentTid()) ?? 0
        processID = Int(first)
        allProcesses = true
        ownsReplay = false
        outputHold = OutputHold(forward: { _, _ in })
        engine = Engine(replay)
        focusThread = first
        installCoverage()
    }

    deinit { if ownsReplay { kill() } }

    // MARK: runs

    /// Runs `request` to its stop. A `pause` from another thread ends it with a `.paused` stop.
    public func run(_ request: RunRequest) throws -> Stop {
        stacks = [:]
        direction = request.direction
        engine.begin()
        defer { engine.end() }
        let stop = try perform(request)
        lastStop = stop
        if let tid = stop.tid { focusThread = tid }
        return stop
    }

    private func perform(_ request: RunRequest) throws -> Stop {
        switch request {
        case .continue:
            return try LineStepper(self).continueForward(from: focusThread)
        case .next(let tid, let g):
            return try LineStepper(self).step(tid, g, over: true)
        case .stepIn(let tid, let g):
            return try LineStepper(self).step(tid, g, over: false)
        case .stepOut(let tid, _):
            return try LineStepper(self).stepOut(tid)
        case .reverseContinue:
            return try ReverseStepper(self).reverseContinue()
        case .stepBack(let tid, let g):
            return try ReverseStepper(self).stepBack(tid, g)
        case .reverseStepOut(let tid):
            return try ReverseStepper(self).reverseStepOut(tid)
        case .gotoEvent(let n):
            return try GotoTravel(self).gotoEvent(n)
        case .gotoLine(let g):
            return try GotoTravel(self).gotoLine(g, from: focusThread)
        case .stepInTarget(let target):
            return try LineStepper(self).stepIn(to: target)
        case .gotoPosition(let p):
            return try GotoTravel(self).gotoPosition(p)
        }
    }

    /// Pauses the run under way (no effect when none is): it returns a `.paused` stop. Any thread.
    public func pause() { engine.pause() }

    /// Ends the replay (its tasks are killed).
    public func kill() { engine.replay.kill() }

    /// Whether the last run reached the end of the recording.
    public var atEnd: Bool {
        if case .endOfRecording? = lastStop { return true }
        return false
    }

    /// The last stop the engine reported (for which thread to show when the stopped one ended).
    public var lastEngineStop: DebugStop? { engine.lastStop }

    /// How many stops the engine has reported since the debugger opened: more than the runs
    /// returned when conditions, hit counts and logpoints went on over hits (read between runs).
    public var engineStopCount: Int { engine.stopCount }

    /// The stop a paused run reports, saying where it is.
    func pausedStop() -> Stop {
        let tid = (try? replay.currentTid()) ?? focusThread
        let event = (try? replay.eventNumber()) ?? 0
        var mid = false
        if case .state? = (try? replay.position())?.path.last { mid = true }
        return .paused(tid: tid, event: event, midComputation: mid, direction: direction)
    }

    // MARK: threads and debug info

    /// The replay's tasks now (none when they cannot be read).
    public func tasks() -> [DebugTask] { (try? replay.tasks()) ?? [] }

    /// Whether recorded thread `tid` has a task in the replay now (at the end: the held program's).
    public func isLive(_ tid: Int32) -> Bool {
        tasks().contains { $0.tid == tid && $0.state != .ended }
    }

    /// Whether `tid` is a thread of the process being debugged (a thread that has ended counts:
    /// its stop is the end of the recording or its own exit).
    func inDebuggedProcess(_ tid: Int32) -> Bool {
        if allProcesses { return true }
        guard let pid = processOf(tid) else { return true }
        return pid == processID || breakpoints.joined[pid] != nil
    }

    /// The recorded pid of thread `tid`'s process (nil: no such task).
    public func processOf(_ tid: Int32) -> Int? {
        tasks().first(where: { $0.tid == tid }).map { Int($0.pid) }
    }

    /// SwrrDebugInfo's view of thread `tid`.
    public func access(_ tid: Int32) -> TargetAccess { TaskAccess(replay, tid: tid) }

    /// The address space of `tid`'s process; `refresh` reads its memory map again (modules
    /// loaded since).
    public func space(for tid: Int32, refresh: Bool = true) throws -> AddressSpace {
        let tasks = try replay.tasks()
        guard let t = tasks.first(where: { $0.tid == tid && $0.state != .ended }) else {
            throw SessionError("there is no live thread \(tid) at this point of the replay")
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

    /// The call stack of a thread at the current stop (kept until the next run).
    public func callStack(_ tid: Int32) throws -> CallStack {
        if let s = stacks[tid] { return s }
        let s = try space(for: tid).callStack(access(tid))
        stacks[tid] = s
        return s
    }

    /// The call stack unwound now, not kept (during a run, where each step moves the thread).
    func currentStack(_ tid: Int32) throws -> CallStack {
        try space(for: tid).callStack(access(tid))
    }

    /// Where frame 0 of `tid` returns to now: its caller's pc, and frame 0's CFA (the stack
    /// pointer once it has returned). `command` names the request in the error.
    func frameExit(_ tid: Int32, for command: String) throws -> (stack: CallStack, returnAddress: UInt64, cfa: UInt64) {
        let stack = try currentStack(tid)
        guard stack.physical.count >= 2, let cfa = stack.physical[0].cfa else {
            throw SessionError("\(command): the caller of this frame is not known")
        }
        return (stack, stack.physical[1].pc, cfa)
    }
}

/// SwrrDebugInfo's view of one replayed task: its memory and registers, through the replay.
final class TaskAccess: TargetAccess {
    let replay: ReplayDebugger
    let tid: Int32

    init(_ replay: ReplayDebugger, tid: Int32) {
        self.replay = replay
        self.tid = tid
    }

    func readMemory(_ address: UInt64, count: Int) throws -> [UInt8] {
        try replay.readMemory(address, count: count, tid: tid)
    }

    func registers() throws -> Registers { try replay.registers(tid: tid) }

    func floatingPointRegisters() throws -> [UInt8]? {
        try? replay.floatingPointRegisters(tid: tid).fxsave
    }
}
