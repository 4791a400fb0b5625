// Travelling in time: to an event, or to a line's next or previous execution (`goto`). For a
// line, the user's breakpoints and data breakpoints are taken out of the replay for the trip (a
// time jump does not stop on the way, and each reverse-continue of the engine is a replay from
// the start, so nothing but the line may stop it), the line's addresses are put in, and the
// engine continues or reverse-continues to the first hit. A line that does not run again in
// that direction leaves the replay where it was (the engine goes back there: forward it ran to
// the end, backward its search reached the start).
import SwrrReplay

struct GotoTravel {
    let debugger: Debugger
    private let engine: Engine

    init(_ debugger: Debugger) {
        self.debugger = debugger
        engine = debugger.engine
    }

    private var replay: ReplayDebugger { debugger.replay }

    func gotoEvent(_ n: Int) throws -> Stop {
        guard let s = try engine.run({ try $0.goToEvent(n) }) else { return debugger.pausedStop() }
        if case .end(let outcome) = s.reason { return StopClassifier(debugger).endStop(outcome) }
        return .goto(tid: s.tid, .atEvent(s.event))
    }

    /// To a position handed out by the core (a value history's write): right after the write.
    func gotoPosition(_ p: TravelPosition) throws -> Stop {
        guard let s = try engine.run({ try $0.goTo(p.position) }) else { return debugger.pausedStop() }
        if case .end(let outcome) = s.reason { return StopClassifier(debugger).endStop(outcome) }
        return .goto(tid: s.tid, .atPosition(p.label, event: s.event))
    }

    /// What searching for the line found.
    private enum Search {
        case found(DebugStop)
        /// The end (forward) or the start (backward) of the recording came first.
        case notFound
        case paused
    }

    func gotoLine(_ g: GotoLine, from tid: Int32) throws -> Stop {
        let start = try replay.position()
        // Forward, the search is a trial run: its output is let out only if the replay stays
        // ahead (OutputHold.swift). A pause or a failure leaves the replay ahead.
        if g.direction == .next { debugger.outputHold.hold() }
        let found: Search
        do {
            found = try searchLine(g, from: tid)
        } catch {
            debugger.outputHold.release()
            throw error
        }
        switch found {
        case .found(let s):
            debugger.outputHold.release()
            return .goto(tid: s.tid, .arrived(g, event: s.event))
        case .paused:
            debugger.outputHold.release()
            return debugger.pausedStop()
        case .notFound:
            debugger.outputHold.discard()
            guard try engine.run({ try $0.goTo(start) }) != nil else { return debugger.pausedStop() }
            return .goto(tid: tid, .stayed(g))
        }
    }

    /// The first arrival at one of the line's addresses in the goto's direction.
    private func searchLine(_ g: GotoLine, from tid: Int32) throws -> Search {
        let wanted = Set(g.addresses)
        return try withOnlyBreakpoints(wanted) {
            // Forward, the arrival the thread stands on is not the next one (as for continue).
            var ignore = g.direction == .next ? try? replay.registers(tid: tid).rip : nil
            if engine.stoppedAtBreakpoint(ignore, tid: tid) { ignore = nil }
            while true {
                let s = g.direction == .next ? try engine.continueForward() : try engine.reverseContinue()
                guard let s else { return .paused }
                switch s.reason {
                case .breakpoint(let a) where wanted.contains(a):
                    if a == ignore && s.tid == tid { ignore = nil; continue }
                    return .found(s)
                case .end, .startOfRecording:
                    return .notFound
                default:
                    ignore = nil
                }
            }
        }
    }

    /// Runs `body` with only these software breakpoints in the replay (the user's breakpoints
    /// and data breakpoints are taken out meanwhile, and put back). ValueHistory's pass too.
    func withOnlyBreakpoints<T>(_ addresses: Set<UInt64>, _ body: () throws -> T) throws -> T {
        let user = debugger.inserted
        let data = debugger.breakpoints.data
        for a in user.subtracting(addresses) { try? replay.removeBreakpoint(a) }
        for d in data { try? replay.removeWatchpoint(address: d.address, length: d.length, kind: d.kind) }
        let temporary = addresses.subtracting(user)
        defer {
            for a in temporary { try? replay.removeBreakpoint(a) }
            for a in user.subtracting(addresses) { try? replay.setBreakpoint(a) }
            for d in data { try? replay.setWatchpoint(address: d.address, length: d.length, kind: d.kind) }
        }
        for a in temporary { try replay.setBreakpoint(a) }
        return try body()
    }
}

extension Debugger {
    /// Where a goto can travel for a source line: its next and previous executions. The line
    /// resolves as a breakpoint on it would (the first line at or after it with code, in the
    /// modules loaded in `tid`'s process now); nil when there is none. `address`: the line's
    /// first instruction.
    public func gotoTargets(file: String, line: Int, in tid: Int32) throws -> (targets: [GotoLine], address: UInt64)? {
        let space = try self.space(for: tid)
        let addresses = space.addresses(file: file, line: line)
        guard let first = addresses.first, let actual = space.symbolize(first).location?.line else { return nil }
        let name = String(file.split(separator: "/").last ?? "")
        let targets = GotoLine.Direction.allCases.map {
            GotoLine(addresses: addresses, file: name, line: actual, direction: $0)
        }
        return (targets, first)
    }
}
