// The core as a machine-level front end uses it (the gdb server): instruction breakpoints set and
// removed by address, each with the condition the front end brought, and a continue either way
// that evaluates those conditions where a breakpoint is hit and passes over the hits where none
// holds. Every other stop of the engine (a signal, a watchpoint, a task event, the ends of the
// recording, a hit where no breakpoint of the set is) comes back as the engine reported it,
// for the front end to tell its client in its own terms.
//
// Why in the core: gdb evaluates a breakpoint's condition itself at every stop it is told of, so
// a stub that stops at every hit shows the right stops, but each false hit costs gdb a round
// trip of stop reply, register reads and breakpoint removal and insertion (z0/Z0 around every
// stop, measured with gdb 13.1), and going backwards over hits a checkpoint search each time.
import SwrrReplay

extension Debugger {
    /// A software breakpoint at `address` that stops when `condition` holds (nil: at every
    /// hit). Set again, the condition replaces the one it had. The replay's breakpoint is
    /// inserted each time, as the front end asked (where one is, the same int3 is written again).
    public func setInstructionBreakpoint(_ address: UInt64, condition: BreakpointCondition?) throws {
        try replay.setBreakpoint(address)
        inserted.insert(address)
        if let bp = breakpoints.instruction.first(where: { $0.instructionAddress == address }) {
            bp.condition = condition
            return
        }
        let bp = breakpoints.make(.instruction, "0x" + String(address, radix: 16))
        bp.instructionAddress = address
        bp.addresses = [address]
        bp.condition = condition
        bp.status.verified = true
        bp.status.address = address
        breakpoints.instruction.append(bp)
    }

    /// Removes the breakpoint at `address` (from the set, and its software breakpoint from the
    /// replay).
    public func removeInstructionBreakpoint(_ address: UInt64) throws {
        breakpoints.instruction.removeAll { $0.instructionAddress == address }
        inserted.remove(address)
        try replay.removeBreakpoint(address)
    }

    /// Continues (or reverse-continues) to the engine's next stop that is not a breakpoint hit
    /// whose conditions all fail, and returns that stop as the engine reported it. Task events
    /// are not stopped at. A `pause` (any thread) ends it with an `.interrupted` stop where the
    /// replay is. Going backwards, conditions are evaluated as a reverse-continue does (no hit
    /// counts, no logpoints).
    public func continueToTrueHit(backward: Bool) throws -> DebugStop {
        engine.begin()
        defer { engine.end() }
        let evaluator = BreakpointEvaluator(self)
        if backward {
            // Conditions evaluated inside the scans: false hits cost neither a scan nor a jump.
            try replay.setReverseHitFilter { evaluator.wantsReverseHit($0, tid: $1) }
        }
        defer { if backward { try? replay.setReverseHitFilter(nil) } }
        while true {
            let before = engine.stopCount
            guard let s = try backward ? engine.reverseContinue() : engine.continueForward() else {
                return try interruptedStop(ran: engine.stopCount > before)
            }
            guard case .breakpoint(let a) = s.reason, !breakpoints.at(a).isEmpty else { return s }
            let stops = backward ? evaluator.reverseBreakpointHit(a, tid: s.tid) != nil
                                 : try evaluator.breakpointHit(a, tid: s.tid) != nil
            if stops { return s }
        }
    }

    /// The stop a paused `continueToTrueHit` returns: the engine's own `.interrupted` stop when
    /// the pause reached an operation under way (`ran`), else (it came between two operations,
    /// while a false hit was evaluated) the last stop with the reason changed: the replay is
    /// still there. The first operation of a run always runs (`Engine.begin` clears a pause).
    private func interruptedStop(ran: Bool) throws -> DebugStop {
        guard var s = engine.lastStop else { throw SessionError("a pause came before the replay ran") }
        if !ran { s.reason = .interrupted }
        return s
    }
}
