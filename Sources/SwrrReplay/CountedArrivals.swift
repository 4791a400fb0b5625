// Arrivals counted by the stub (issue 16 item 3: a pause deep in a computation, then going back
// at native speed). A position inside a long event-free stretch is counted from its stretch
// checkpoint: [.signature(S), .arrival(X, n), ...], or [.signature(S), .state(R)] where a pause
// found the task. Before this, reaching the n-th arrival at X again cost n breakpoint stops
// (≈45 µs each), and a pause's `.state` was resolved into that count the same way: from a pause
// in reverse_loop 200 10^7 (≈33 passes of `tick` per stretch) the step back then single-stepped
// a whole outer iteration (4×10^7 instructions, 57 µs each), and in a loop with a patchable
// instruction X (stretches.c at -O0: 10^7 passes of X per stretch) every reverse operation
// counted each pass with a stop: hours.
//
// Now, when X can carry the register-matching stub (RegisterMatchTrap.canPatch, not in writable
// code, no other int3 inside its 5 bytes), the stub counts: its countdown traps at exactly the
// n-th pass (RegisterMatchTrap.stateAtExhaustion), and a state is found with the passes it took
// (PointSearch.Counting). Both run at native speed (2.7-4.7 ns a pass, docs/POSITIONS.md). So:
// - a seek's `.arrival(X, n)` segment with more than `breakpointHitsBeforeTrap` arrivals to go
//   is a waypoint the stub counts to. Meanwhile a scan takes its own int3 at X out; a seek that
//   notes no hits (a jump, the run to a step-scan's start, `resolve`) lifts every int3 in
//   memory, so the client's breakpoints inside the loop stop nothing (each was a stop per pass)
//   and the search runs detached. They go back at the arrival;
// - `resolve` turns a pause's `.state` into its arrival count with one counting search;
// - a checkpoint is taken where a counted segment ends (one fork), and one `checkpointBack`
//   arrivals before it on the way: reverse-stepi goes on from the first by single steps, and
//   going back over X again (the loop's previous pass, a line step back, the next
//   reverse-continue) restores the second and counts a few thousand passes instead of the
//   whole stretch again.
// A scan that notes the client's hits at X (its int3 there) counts them one stop each as
// before, and so does any seek while a watchpoint or hardware breakpoint is set (a watchpoint's
// trap could land in the stub's copy of the instruction).
import SwrrKernel
import SwrrTracee

extension Seek {
    /// The int3 at `a` is lifted while the stub counts.
    func lifting(_ a: UInt64) -> Bool { liftedAll || liftedTemporary == a }

    /// A seek whose hits nobody notes.
    var notesHits: Bool { isScan && !quiet }
}

extension ReplayTimeline {
    /// Arrivals before a counted one where a checkpoint is taken on the way (passes of a loop:
    /// a few µs to count again, a step back over the loop's previous pass needs no more).
    static let checkpointBack = 4096

    /// Whether the stub can count the arrivals at `a` for the seek `s`.
    func stubCountable(_ a: UInt64, _ s: Seek) -> Bool {
        guard PointSearch.fastSearch, debugRegisters.isEmpty, let t = session?.tasks[s.target.tid] else { return false }
        // The program's bytes, without the int3s.
        let pageLeft = Int(4096 - (a & 4095))
        guard var bytes = try? t.task.readMemory(a, count: min(X86Instruction.maximumLength, pageLeft)) else { return false }
        breakpoints.hide(in: &bytes, at: a, tgid: t.task.tgid)
        guard let insn = X86Instruction(decoding: bytes), RegisterMatchTrap.canPatch(insn),
              !Self.inWritableMapping(t.task, a) else { return false }
        if !s.notesHits || s.liftedAll { return true }
        // A scan: each of the client's int3s in the patch stops at its hits.
        let range = RegisterMatchTrap.patchedRange(at: a)
        return !breakpoints.addresses.contains {
            range.contains($0) && !($0 == a && s.tempBreakpoints.contains(a)) && $0 != s.liftedTemporary
        }
    }

    /// Arms the stub's count for the seek's segment under way when it is an arrival segment
    /// worth it; true when armed. Otherwise the int3s lifted for an earlier count go back.
    func armCountedArrival(_ s: Seek) -> Bool {
        guard case .arrival(let a, let n) = s.target.path[s.segment], n - s.count > PointSearch.breakpointHitsBeforeTrap,
              let t = session?.tasks[s.target.tid], var r = try? t.task.registers(), stubCountable(a, s) else {
            restoreCountedBreakpoints(s)
            s.countedSegment = nil
            return false
        }
        liftForCount(s, at: a, task: t)
        // The arrival the task stands on was counted already (or began the segment): the
        // stub's first pass is that one.
        let standing = r.rip == a
        r.rip = a
        r.rsp = 0   // compared by nobody: the countdown decides
        s.countedSegment = s.segment
        s.countedTo = n - s.count > 2 * Self.checkpointBack ? n - Self.checkpointBack : n
        session.waypoint = Waypoint(event: s.target.event, tid: s.target.tid, registers: r, signature: nil,
                                    counting: .pass(UInt64(s.countedTo - s.count) + (standing ? 1 : 0)))
        return true
    }

    /// The waypoint of a `.state` segment with its arrivals counted (`resolve`), int3s lifted.
    func countedStateWaypoint(_ s: Seek, _ r: Registers) -> Waypoint {
        if let t = session?.tasks[s.target.tid] { liftForCount(s, at: r.rip, task: t) }
        return Waypoint(event: s.target.event, tid: s.target.tid, registers: r, signature: nil, counting: .arrivals)
    }

    /// The int3s out of the stub's way: every one in memory for a seek that notes no hits, the
    /// seek's own at `a` for a scan.
    private func liftForCount(_ s: Seek, at a: UInt64, task t: ReplayTask) {
        if !s.notesHits {
            if !s.liftedAll, !breakpoints.addresses.isEmpty {
                for space in addressSpaces {
                    for b in breakpoints.addresses { breakpoints.lift(b, in: space) }
                }
                s.liftedAll = true
                engine.traps.liftedAll = true
            }
        } else if s.liftedTemporary != a {
            restoreCountedBreakpoints(s)
            if s.tempBreakpoints.contains(a) {
                breakpoints.remove(a, in: addressSpaces)
                s.tempBreakpoints.remove(a)
                s.liftedTemporary = a
            }
        }
        if case .software(let b)? = stepOver[t.task.tid], s.lifting(b) { stepOver[t.task.tid] = nil }
    }

    /// The task reached the arrival a counted segment of `s` counted to (the segment's end, or
    /// the checkpoint before it): the int3s go back, and a checkpoint is taken here (what follows
    /// is usually a few single steps away, or a step back over the loop's previous pass).
    func countedArrivalReached(_ t: ReplayTask, regs: Registers, _ s: Seek) {
        let done = s.countedSegment.map { $0 < s.segment } ?? true
        if done {
            s.countedSegment = nil
            restoreCountedBreakpoints(s)
        }
        guard let tid = recordedTid(ofReplayTid: t.task.tid) else { return }
        var path = s.resolved
        if !done, case .arrival(let a, _) = s.target.path[s.segment] { path.append(.arrival(a, s.count)) }
        if !done { session.waypoint = nil }
        checkpointAtStopIfDue(t, ReplayPosition(event: eventNumber, tid: tid, path: path, registers: regs), force: true)
    }

    /// Puts back the int3s lifted for a count (the task carried over the one it stands on).
    func restoreCountedBreakpoints(_ s: Seek) {
        let lifted = s.liftedAll ? breakpoints.addresses : Set(s.liftedTemporary.map { [$0] } ?? [])
        guard !lifted.isEmpty else { return }
        if let a = s.liftedTemporary {
            try? breakpoints.add(a, in: addressSpaces)
            s.tempBreakpoints.insert(a)
        } else {
            for space in addressSpaces {
                for b in lifted { breakpoints.reinsert(b, in: space) }
            }
            engine.traps.liftedAll = false
        }
        s.liftedTemporary = nil
        s.liftedAll = false
        if let t = session?.tasks[s.target.tid], let rip = try? t.task.registers().rip, lifted.contains(rip) {
            stepOver[t.task.tid] = .software(rip)
        }
    }

    /// The seek ends (reached, paused or failed): the client's int3s lifted for it go back.
    func endCounting(_ s: Seek) {
        s.countedSegment = nil
        s.liftedTemporary = nil   // the seek's own: removed with the seek anyway
        guard s.liftedAll else { return }
        s.liftedAll = false
        engine.traps.liftedAll = false
        for space in addressSpaces {
            for b in breakpoints.addresses { breakpoints.reinsert(b, in: space) }
        }
    }
}
