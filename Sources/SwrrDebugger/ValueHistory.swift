// Value history: the successive values of a variable (an lvalue in a frame's scope) or of the
// bytes at an address, over the whole recording, each with where the write happened (event,
// thread, function, file:line) and a position a front end can travel to (RunRequest.gotoPosition).
//
// How: a separate pass that leaves the user where they are. The replay's position is kept, the
// user's breakpoints and data breakpoints are taken out (GotoTravel.withOnlyBreakpoints), the
// program's output is held back (OutputHold: the pass runs ahead and comes back, so what it
// prints must not reach the client twice), the replay goes to the start of the recording, and
// hardware write watchpoints (DR0-DR3, aligned pieces of 1, 2, 4 or 8 bytes: at most 32 bytes)
// are set on the location; the engine continues forward and every trap is one write: the bytes
// after it and the replay's position are kept. At the end (or at a bound) the replay goes back to
// the kept position with goTo, which is not pausable: the user's position must come back.
//
// What a write is: what the CPU's debug registers report, so a write of the same value counts
// (an x86 write watchpoint traps on every store to its bytes, whatever the value), and the
// output of a syscall that overlaps the location (read() into it, clock_gettime's timespec...):
// the replay writes those bytes through ptrace from the trace, which the debug registers do not
// see, so the engine reports them itself at the syscall's exit (SwrrReplay/SyscallWrites.swift;
// the entry names the syscall, `writer`, and its place is the nearest frame with a source line,
// the call's site in the program rather than the `syscall` instruction in libc). A buffered
// syscall's output is copied into the program's buffer by the preload library: a store like any
// other. Writes from a signal handler are the task's stores like any other, and so are the
// stores on a stretch that replay runs by a search for a recorded point (up to an asynchronous
// signal delivered in the middle of a computation, or a preemption of a spinning thread:
// PointSearch.swift): the search's breakpoint takes DR0 beside the watchpoint's slots, which
// stay armed (Watchpoints.swift; measured in ValueHistoryTests: history.c's store of 1 between
// setitimer's return and SIGALRM's mid-loop delivery is listed, which it was not while the
// search cleared DR7).
//
// Where: the trap comes after the writing instruction, so the line and function are those of
// the instruction before the stopped pc (pc - 1 lies inside it; a `rep movs` interrupted between
// iterations is the exception, and is named by the instruction before it).
//
// Processes: after a fork the child's variable at the same address is another location (its
// own copy). The watchpoint is armed in every replayed task, and writes by a task of another
// process than the debugged one (Debugger.processID; every process with `allProcesses`) are
// passed over and counted (`passedOver`): the history of the child's copy is asked for by
// debugging the child.
//
// Bounds: at most `limits.maxEntries` entries (one more write ends the pass: the history is then
// marked incomplete), at most `limits.timeLimit` seconds (a timer pauses the engine), and a
// `pause` from another thread (Debugger.pause) ends it as well; what was found is returned.
// Stack locations: the location is watched as it is, so after its frame returns, writes by later
// frames that reuse the stack slot are in its history too.
import Foundation
import SwrrDebugInfo
import SwrrReplay
import SwrrTracee

/// How far a value-history pass may go.
public struct ValueHistoryLimits: Sendable {
    /// Entries kept; one more write ends the pass (the history is then incomplete).
    public var maxEntries: Int
    /// Seconds the pass may run before it stops where it got to.
    public var timeLimit: TimeInterval
    /// The recorded pid whose writes are kept (nil: the debugged process, `Debugger.processID`):
    /// a process tree's child session asks for its own process's history on the one replay.
    public var process: Int?

    public init(maxEntries: Int = 10_000, timeLimit: TimeInterval = 120) {
        self.maxEntries = max(0, maxEntries)
        self.timeLimit = timeLimit
    }
}

/// A position of the replay a front end can travel to with `RunRequest.gotoPosition`, with
/// words for the stop's description ("write 3 of counter (= 30)").
public struct TravelPosition: Equatable, @unchecked Sendable {
    // @unchecked: ReplayPosition holds only values (ints, addresses, Registers, Watchpoint), all
    // Sendable; SwrrReplay does not declare it so.
    let position: ReplayPosition
    public let label: String
    public var event: Int { position.event }
    public var tid: Int32 { position.tid }
}

/// One write of the location.
public struct ValueHistoryEntry {
    /// 1 for the first write of the recording.
    public var index: Int
    /// The value right after the write, as its type prints (bytes in hexadecimal without a type).
    public var value: String
    public var bytes: [UInt8]
    /// The recording's event under way (ReplayPosition.event), the writing thread and its process.
    public var event: Int
    public var tid: Int32
    public var pid: Int32
    /// The instruction after the write (where the replay stops when it travels there).
    public var pc: UInt64
    public var function: String?
    /// The source of the writing instruction (full path as the line table has it); for a
    /// syscall's write, of the nearest frame with a source line (the call's site).
    public var location: SourceLocation?
    /// The syscall whose output wrote the bytes ("read"); nil for a store of the program's.
    public var writer: String? = nil
    /// Where to travel to: right after the write.
    public var position: TravelPosition

    /// "#1  event 12  thread 4242  main  loop.c:17  = 5".
    public var summary: String { "#\(index)  " + place + "  = \(value)" }

    /// "event 12  thread 4242  main  loop.c:17" ("…  main  loop.c:15  read()" for a syscall's write).
    public var place: String {
        var s = "event \(event)  thread \(tid)"
        s += "  " + (function ?? "0x" + String(pc, radix: 16))
        if let l = location { s += "  \(l.fileName):\(l.line)" }
        if let w = writer { s += "  \(w)()" }
        return s
    }
}

/// The successive values of a location over the recording.
public struct ValueHistory {
    /// Why a pass stopped before the end of the recording.
    public enum Incomplete: Equatable, Sendable {
        /// One more write than the limit (the entries are the first `maxEntries`).
        case limit(Int)
        /// The time limit, in seconds.
        case timeLimit(TimeInterval)
        /// A `pause`.
        case paused

        public var description: String {
            switch self {
            case .limit(let n): return "stopped at the limit of \(n) entries"
            case .timeLimit(let s): return "stopped at the time limit of \(s) s"
            case .paused: return "paused"
            }
        }
    }

    /// The expression (or "0xADDR,SIZE") and where its bytes are.
    public var name: String
    public var address: UInt64
    public var length: Int
    /// The value at the start of the recording (nil: the bytes were not mapped then).
    public var initial: String?
    public var entries: [ValueHistoryEntry]
    /// Writes by tasks of other processes than the debugged one, passed over.
    public var passedOver: Int
    /// nil: the pass reached the end of the recording.
    public var incomplete: Incomplete?

    public var isComplete: Bool { incomplete == nil }

    /// Each entry's travel label with its final value ("write 3 of counter (= 30)").
    func labelled() -> ValueHistory {
        var h = self
        for i in h.entries.indices {
            let e = h.entries[i]
            h.entries[i].position = TravelPosition(position: e.position.position,
                                                   label: "write \(e.index) of \(name) (= \(e.value))")
        }
        return h
    }

    /// "7 writes of counter (4 bytes at 0x404040)" with what was passed over and why it stopped.
    public var summary: String {
        var s = "\(entries.count) write\(entries.count == 1 ? "" : "s") of \(name) (\(length) byte\(length == 1 ? "" : "s") at 0x\(String(address, radix: 16)))"
        if passedOver > 0 { s += ", \(passedOver) in other processes passed over" }
        if let i = incomplete { s += "; incomplete: \(i.description)" }
        return s
    }
}

extension Debugger {
    /// The history of an lvalue `expression` in frame `frame` of thread `tid` (the focus thread's
    /// top frame by default): its address and size are taken here, and every value is printed
    /// as the expression's type prints it.
    public func valueHistory(of expression: String, tid: Int32? = nil, frame: Int = 0,
                             limits: ValueHistoryLimits = ValueHistoryLimits()) throws -> ValueHistory {
        let tid = tid ?? focusThread
        let stack = try callStack(tid)
        guard frame >= 0, frame < stack.frames.count else { throw SessionError("thread \(tid) has no frame \(frame)") }
        let result: EvaluationResult
        do {
            result = try DebugExpression.evaluate(expression, in: stack.scope(frame))
        } catch {
            throw SessionError("cannot evaluate '\(expression)': \(error)")
        }
        guard case .object(let v) = result.value, let address = v.address, !v.bytes.isEmpty else {
            throw SessionError("'\(expression)' is not an object in memory: it has no history to watch")
        }
        var h = try ValueHistoryScan(self).scanHistory(address: address, length: v.bytes.count, name: expression, limits: limits)
        // Values as the expression's type prints them (members, enumerators, characters).
        let formatter = stack.formatter
        func text(_ bytes: [UInt8]) -> String { formatter.format(v.type, bytes: bytes) }
        if let first = h.initialBytes { h.history.initial = text(first) }
        for i in h.history.entries.indices { h.history.entries[i].value = text(h.history.entries[i].bytes) }
        return h.history.labelled()
    }

    /// The history of `length` bytes at `address` (values in hexadecimal, little-endian).
    public func valueHistory(address: UInt64, length: Int,
                             limits: ValueHistoryLimits = ValueHistoryLimits()) throws -> ValueHistory {
        try ValueHistoryScan(self).scanHistory(address: address, length: length, name: "0x\(String(address, radix: 16)),\(length)",
                        limits: limits).history.labelled()
    }
}

/// The pass over the whole recording that a value history is: from the start to the end with a
/// hardware write watchpoint on the location (the user's breakpoints out, the program's output
/// held back), then back to where the user was.
struct ValueHistoryScan {
    let debugger: Debugger

    init(_ debugger: Debugger) { self.debugger = debugger }

    private var replay: ReplayDebugger { debugger.replay }
    private var engine: Engine { debugger.engine }
    private var outputHold: OutputHold { debugger.outputHold }
    private var allProcesses: Bool { debugger.allProcesses }
    private var processID: Int { debugger.processID }
    private func tasks() -> [DebugTask] { debugger.tasks() }

    /// Aligned pieces of at most 8 bytes covering the location, one debug register each.
    static func watchPieces(address: UInt64, length: Int) throws -> [Watchpoint] {
        guard length >= 1, length <= 32, address <= UInt64.max - UInt64(length) else {
            throw SessionError("a value history watches 1 to 32 bytes (the four debug registers of 8 bytes), not \(length)")
        }
        var pieces: [Watchpoint] = []
        var a = address
        let end = address + UInt64(length)
        while a < end {
            let fits = [8, 4, 2, 1].first(where: { a % UInt64($0) == 0 && a + UInt64($0) <= end })
            let size = fits ?? 1
            pieces.append(Watchpoint(address: a, length: size, kind: .write))
            a += UInt64(size)
        }
        guard pieces.count <= 4 else {
            throw SessionError("\(length) bytes at 0x\(String(address, radix: 16)) need \(pieces.count) aligned debug registers; x86 has four")
        }
        return pieces
    }

    /// The pass itself: entries with their bytes in hexadecimal, and the bytes at the start.
    func scanHistory(address: UInt64, length: Int, name: String,
                             limits: ValueHistoryLimits) throws -> (history: ValueHistory, initialBytes: [UInt8]?) {
        let pieces = try Self.watchPieces(address: address, length: length)
        let watched = Set(pieces.map(\.address))
        let atEnd = (try? replay.hasEnded()) ?? false
        let start = atEnd ? nil : try replay.position()
        var history = ValueHistory(name: name, address: address, length: length, initial: nil, entries: [],
                                   passedOver: 0, incomplete: nil)
        var initialBytes: [UInt8]?
        var pids: [Int32: Int32] = [:]   // recorded tid -> pid, filled as writers appear
        var symbols = HistorySymbols(debugger)

        let userStop = engine.lastStop
        outputHold.hold()
        engine.begin()
        let timer = HistoryTimer(after: limits.timeLimit) { [engine] in engine.pause() }
        var failure: Error?
        do {
            try GotoTravel(debugger).withOnlyBreakpoints([]) {
                guard let s = try engine.run({ try $0.goToStart() }) else {
                    history.incomplete = timer.fired ? .timeLimit(limits.timeLimit) : .paused
                    return
                }
                if let b = try? replay.readMemory(address, count: length, tid: s.tid) {
                    initialBytes = b
                    history.initial = Self.hexValue(b)
                }
                for w in pieces { try replay.setWatchpoint(address: w.address, length: w.length, kind: w.kind) }
                defer { for w in pieces { try? replay.removeWatchpoint(address: w.address, length: w.length, kind: w.kind) } }
                while true {
                    guard let s = try engine.continueForward() else {
                        history.incomplete = timer.fired ? .timeLimit(limits.timeLimit) : .paused
                        return
                    }
                    switch s.reason {
                    case .watchpoint(let a, _) where watched.contains(a):
                        if pids[s.tid] == nil { for t in tasks() { pids[t.tid] = t.pid } }
                        let pid = pids[s.tid] ?? 0
                        if !allProcesses && Int(pid) != (limits.process ?? processID) {
                            history.passedOver += 1
                            continue
                        }
                        if history.entries.count >= limits.maxEntries {
                            history.incomplete = .limit(limits.maxEntries)
                            return
                        }
                        let bytes = try replay.readMemory(address, count: length, tid: s.tid)
                        let position = try replay.position()
                        let pc = try position.registers?.rip ?? replay.registers(tid: s.tid).rip
                        let n = history.entries.count + 1
                        let value = Self.hexValue(bytes)
                        // A store is named by its instruction; a syscall's output by the call's
                        // site (the trap-less write is at the syscall's exit, inside libc).
                        let (function, location) = s.writer != nil ? callSite(tid: s.tid)
                            : symbols.place(pc &- 1, tid: s.tid, pid: pid)
                        history.entries.append(ValueHistoryEntry(
                            index: n, value: value, bytes: bytes, event: s.event, tid: s.tid, pid: pid, pc: pc,
                            function: function, location: location, writer: s.writer,
                            position: TravelPosition(position: position, label: "write \(n) of \(name)")))
                    case .end:
                        return
                    default:
                        continue   // another watchpoint, a signal, a task event: not this location's
                    }
                }
            }
        } catch {
            failure = error
        }
        timer.cancel()
        engine.end()
        // Back where the user was, whatever happened (not pausable: the pass must not move them).
        do {
            if let start { _ = try replay.goTo(start) } else { _ = try replay.goToEnd() }
        } catch {
            failure = failure ?? error
        }
        engine.restoreLastStop(userStop)
        outputHold.discard()
        if let failure { throw failure }
        return (history, initialBytes)
    }

    /// Where the program made the syscall `tid` stands at the exit of: the syscall's own frame
    /// when that is the program's code with a line (a raw `syscall` in it), else the nearest
    /// frame with a line outside the syscall's library (libc's read() has lines too where its
    /// debug information is installed: read.c:26 here), else the nearest frame with a line.
    private func callSite(tid: Int32) -> (function: String?, location: SourceLocation?) {
        guard let frames = try? debugger.currentStack(tid).frames, let top = frames.first else { return (nil, nil) }
        let program = debugger.programPath.split(separator: "/").last.map(String.init)
        let f = (top.location != nil && top.module == program ? top : nil)
            ?? frames.first(where: { $0.location != nil && $0.module != top.module })
            ?? frames.first(where: { $0.location != nil })
        return (f?.function, f?.location)
    }

    /// Bytes as one little-endian number in hexadecimal.
    static func hexValue(_ bytes: [UInt8]) -> String {
        "0x" + bytes.reversed().map { String(format: "%02x", $0) }.joined()
    }
}

/// Function and line of writing instructions, kept by process and address (a loop's store is
/// looked up once). A process's modules are the ones the debugger already has for it (read where
/// the user is, so the pass leaves them as they were), read again only when a pc lies outside
/// them (a library loaded since).
private struct HistorySymbols {
    struct Key: Hashable { var pid: Int32; var address: UInt64 }
    let debugger: Debugger
    private var known: [Key: (function: String?, location: SourceLocation?)] = [:]

    init(_ debugger: Debugger) { self.debugger = debugger }

    mutating func place(_ address: UInt64, tid: Int32, pid: Int32) -> (function: String?, location: SourceLocation?) {
        let key = Key(pid: pid, address: address)
        if let p = known[key] { return p }
        guard var s = try? debugger.space(for: tid, refresh: false).symbolize(address) else { return (nil, nil) }
        if s.module == nil, let again = try? debugger.space(for: tid, refresh: true) { s = again.symbolize(address) }
        let p = (s.symbol?.symbol.name, s.location)
        known[key] = p
        return p
    }
}

/// Calls `fire` once after `seconds` unless cancelled first (the pass's time limit).
private final class HistoryTimer: @unchecked Sendable {
    private let lock = NSLock()
    private var state = 0   // 0 waiting, 1 fired, 2 cancelled

    init(after seconds: TimeInterval, _ fire: @escaping () -> Void) {
        let deadline = DispatchTime.now() + max(0, seconds)
        DispatchQueue.global().asyncAfter(deadline: deadline) { [self] in
            lock.lock()
            let go = state == 0
            if go { state = 1 }
            lock.unlock()
            if go { fire() }
        }
    }

    var fired: Bool {
        lock.lock()
        defer { lock.unlock() }
        return state == 1
    }

    func cancel() {
        lock.lock()
        if state == 0 { state = 2 }
        lock.unlock()
    }
}
