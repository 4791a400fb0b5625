// Travelling in time to a line's next or previous execution (`goto`): the user's breakpoints and
// data breakpoints are taken out of the replay for the trip (a time jump does not stop on the
// way, and each reverse-continue of the engine is a replay from the start, so nothing but the
// line may stop it), the line's addresses are put in, and the engine continues or
// reverse-continues to the first hit. A line that does not run again in that direction leaves
// the replay where it was (the engine goes back there: forward it ran to the end, backward its
// search reached the start).
import SwrrReplay

/// A `goto` target: a line's next or previous execution.
public struct GotoLine: Equatable {
    public enum Direction: String, CaseIterable { case next, previous }
    public var addresses: [UInt64]
    /// The file's name and the line, for messages.
    public var file: String
    public var line: Int
    public var direction: Direction

    var label: String {
        switch direction {
        case .next: return "Line \(line): next execution (forward in time)"
        case .previous: return "Line \(line): previous execution (backward in time)"
        }
    }
}

/// The targets handed out by `gotoTargets`, by id.
final class GotoTargets {
    private var targets: [Int: GotoLine] = [:]
    private var ids: [GotoLine: Int] = [:]

    func add(_ g: GotoLine) -> Int {
        if let id = ids[g] { return id }
        let id = targets.count + 1
        targets[id] = g
        ids[g] = id
        return id
    }

    func target(_ id: Int) -> GotoLine? { targets[id] }
}

extension GotoLine: Hashable {}

extension DebuggerTarget {
    func gotoLine(_ g: GotoLine, from tid: Int32) throws -> TargetStop {
        let start = try debugger.position()
        let wanted = Set(g.addresses)
        // Forward, the search is a trial run: its output reaches the client only if the replay
        // stays ahead (OutputHold.swift). A pause or a failure leaves the replay ahead.
        if g.direction == .next { outputHold.hold() }
        let found: DebugStop?
        do {
            found = try searchLine(g, wanted, from: tid)
        } catch {
            outputHold.release()
            throw error
        }
        let place = "line \(g.line) of \(g.file)"
        guard let s = found else {
            outputHold.discard()
            _ = try engine { try $0.goTo(start) }
            let why = g.direction == .next ? "does not run again after this point (the end of the recording was reached)"
                                           : "did not run before this point (the start of the recording was reached)"
            return .stopped(StopInfo(reason: "goto", threadId: Int(tid),
                                     description: "The replay stayed where it was: \(place) \(why)"))
        }
        outputHold.release()
        let which = g.direction == .next ? "next" : "previous"
        return .stopped(StopInfo(reason: "goto", threadId: Int(s.tid),
                                 description: "At the \(which) execution of \(place) (thread \(s.tid), event \(s.event))"))
    }

    /// The first arrival at one of the line's addresses in the goto's direction; nil when the
    /// end (forward) or the start (backward) of the recording came first.
    private func searchLine(_ g: GotoLine, _ wanted: Set<UInt64>, from tid: Int32) throws -> DebugStop? {
        try withOnlyBreakpoints(wanted) {
            // Forward, the arrival the thread stands on is not the next one (as for continue).
            var ignore = g.direction == .next ? try? debugger.registers(tid: tid).rip : nil
            if let last = lastEngineStop, last.tid == tid, case .breakpoint(let a) = last.reason, a == ignore { ignore = nil }
            while true {
                let s = try engine { g.direction == .next ? try $0.continueForward(stopAtTaskEvents: false) : try $0.reverseContinue() }
                switch s.reason {
                case .breakpoint(let a) where wanted.contains(a):
                    if a == ignore && s.tid == tid { ignore = nil; continue }
                    return s
                case .end, .startOfRecording:
                    return nil
                default:
                    ignore = nil
                }
            }
        }
    }

    /// Runs `body` with only these software breakpoints in the replay (the user's breakpoints
    /// and data breakpoints are taken out meanwhile, and put back).
    func withOnlyBreakpoints<T>(_ addresses: Set<UInt64>, _ body: () throws -> T) throws -> T {
        let user = inserted
        let data = breakpoints.data
        for a in user.subtracting(addresses) { try? debugger.removeBreakpoint(a) }
        for d in data { try? debugger.removeWatchpoint(address: d.address, length: d.length, kind: d.kind) }
        let temporary = addresses.subtracting(user)
        defer {
            for a in temporary { try? debugger.removeBreakpoint(a) }
            for a in user.subtracting(addresses) { try? debugger.setBreakpoint(a) }
            for d in data { try? debugger.setWatchpoint(address: d.address, length: d.length, kind: d.kind) }
        }
        for a in temporary { try debugger.setBreakpoint(a) }
        return try body()
    }
}
