// The replay engine as the debugger's runs use it: one ReplayDebugger operation at a time,
// each remembered as the last engine stop, and a pause that ends the run under way. A pause is
// a value, not an error: an operation that a pause stopped (or that a pause asked for before it
// forbids) returns nil, and the run returns a `.paused` stop from there.
//
// Threads: the run's operations are called on one thread (ReplayDebugger's calls block until the
// replay stops; its own engine thread does the ptrace work); `pause` may be called from any.
import Foundation
import SwrrReplay

final class Engine {
    let replay: ReplayDebugger
    private let lock = NSLock()
    private var running = false
    private var pauseWanted = false
    /// The last stop the engine reported: after a breakpoint stop the engine itself carries the
    /// thread over that breakpoint; after any other stop a breakpoint under the pc would trap at once.
    private(set) var lastStop: DebugStop?
    /// How many stops the engine has reported (each one a replay run to it).
    private(set) var stopCount = 0

    init(_ replay: ReplayDebugger) {
        self.replay = replay
    }

    /// Marks a run under way (pauses count from here) until `end`.
    func begin() {
        lock.lock()
        running = true
        pauseWanted = false
        lock.unlock()
    }

    func end() {
        lock.lock()
        running = false
        pauseWanted = false
        lock.unlock()
    }

    /// Stops the run under way at the engine's next stop; no effect when no run is under way.
    /// Any thread. An interrupt only reaches an operation under way: the flag stops the next one.
    func pause() {
        lock.lock()
        let wanted = running
        if wanted { pauseWanted = true }
        lock.unlock()
        if wanted { replay.interrupt() }
    }

    private var pauseRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return pauseWanted
    }

    /// One operation of the engine; nil when a pause stopped it or came before it.
    func run(_ operation: (ReplayDebugger) throws -> DebugStop) throws -> DebugStop? {
        if pauseRequested { return nil }
        let s = try operation(replay)
        lastStop = s
        stopCount += 1
        if s.reason == .interrupted { return nil }
        return s
    }

    func continueForward() throws -> DebugStop? {
        try run { try $0.continueForward(stopAtTaskEvents: false) }
    }

    func stepInstruction(_ tid: Int32) throws -> DebugStop? {
        try run { try $0.stepInstruction(tid: tid) }
    }

    func reverseContinue() throws -> DebugStop? {
        try run { try $0.reverseContinue() }
    }

    func reverseStepInstruction(_ tid: Int32) throws -> DebugStop? {
        try run { try $0.reverseStepInstruction(tid: tid) }
    }

    /// Puts back the last stop after a pass that left and came back to the same position
    /// (ValueHistory.swift): the engine carries the thread over a breakpoint it stands on after a
    /// jump as after that stop, so what follows must see the stop the user had.
    func restoreLastStop(_ s: DebugStop?) { lastStop = s }

    /// Whether `tid` stands at breakpoint `address` and the engine carries it over by itself: it
    /// stopped there, or a jump (goto, a value history's way back) landed on an arrival there.
    /// Asked of the engine, not inferred from the last stop: a `continue` after a goto that landed
    /// on a breakpoint skipped the next real hit (measured: counter 20, i 3 instead of 10, 2).
    func stoppedAtBreakpoint(_ address: UInt64?, tid: Int32) -> Bool {
        guard let address else { return false }
        if let last = lastStop, last.tid == tid, case .breakpoint(let a) = last.reason, a == address { return true }
        return (try? replay.breakpointCarriedOver(tid: tid)) == address
    }

    /// Runs `body` with a software breakpoint at `address` (unless `kept` already has one there).
    func withTemporaryBreakpoint<T>(_ address: UInt64, kept: Set<UInt64>, _ body: () throws -> T) throws -> T {
        let temporary = !kept.contains(address)
        if temporary { try replay.setBreakpoint(address) }
        defer { if temporary { try? replay.removeBreakpoint(address) } }
        return try body()
    }
}
