// Reverse execution by re-execution (issue 5): to reach an earlier position, the engine starts a
// new replay and runs it forward, silently, to that position (a *seek*). Everything backwards is
// built from three kinds of silent replays:
//
// - seek to a position P and stop there for the client (`jump`);
// - scan up to the current position C, noting the last hit of the client's breakpoints and
//   watchpoints before it (ReverseSearch.lastHit), for reverse-continue;
// - seek to a position S, then single-step, counting, until an arrival at an address, a
//   watchpoint's trap or the event's end (ReverseSearch.stepScan), for the instruction before a
//   position.
//
// So reverse-continue is a scan then a seek; reverse-stepi is a step-scan then a seek; a
// watchpoint's hit found backwards is the instruction *before* its write (as rr and gdb expect:
// gdb sees the old value there). Every replay starts at `restore(nearestTo:)`: the nearest
// checkpoint (a fork of the tracee tree, Checkpoint.swift) at or before the position, or the start
// of the recording. A scan for reverse-continue goes backwards one stretch between checkpoints at
// a time (the latest stretch first), so a hit near the current position costs a short replay.
//
// How a seek follows a position's path while the client's breakpoints are in: every segment
// counts only its own kind of trap (ReplayPosition.swift), the client's int3s it does not count
// are carried over as usual, and a step segment stays armed through such a carry-over, so extra
// breakpoints never change where a seek stops. The replay's output is not echoed while seeking.
import Glibc
import SwrrTrace
import SwrrTracee

/// A silent replay towards a position.
final class Seek {
    enum Goal {
        /// Stop there for the client with this reason (nil: .end at the end, .jumped elsewhere),
        /// or report this error there.
        case report(Result<StopReason?, Error>)
        /// Note the client's breakpoint and watchpoint hits until there.
        case scan
        /// From there, single-step until this happens.
        case stepScan(StepScanEnd)
    }
    enum StepScanEnd: Equatable {
        case arrival(UInt64)
        case watch(Watchpoint)
        case eventEnd
    }
    enum Key: Hashable {
        case arrival(UInt64)
        case watch(Watchpoint)
    }

    let target: ReplayPosition
    let goal: Goal
    /// In the target's event, with its breakpoints and watchpoints inserted.
    var entered = false
    /// The segment of the target's path being run, and how far it got.
    var segment = 0
    var count = 0
    /// The target's segments done so far, each as an arrival count where it was a register
    /// state (`.state` is found by arrivals at its rip, so the count says the same thing and
    /// costs nothing to reach again).
    var resolved: [ReplayPosition.Segment] = []
    /// Client hits per breakpoint/watchpoint since the last segment end (or the event start).
    var since: [Key: Int] = [:]
    /// The last client hit noted (scans).
    var lastHit: (ReplayPosition, StopReason)?
    /// Step-scanning (after the target was reached), and the steps so far.
    var stepping = false
    var steps = 0
    var stepResult: Int?
    /// Inserted for this seek only.
    var tempBreakpoints: Set<UInt64> = []
    var tempWatchpoints: [Watchpoint] = []
    /// Where the seek started, in event `baseEvent`, when that is a stretch checkpoint (its
    /// `[.signature(S)]`): hits there are counted from it (StretchCheckpoints.swift).
    var base: [ReplayPosition.Segment] = []
    var baseEvent = 0
    /// Register states (a pause's `.state`) are reached as waypoints by PointSearch (the stub
    /// compares the registers at native speed) instead of by one breakpoint stop per arrival at
    /// their instruction, and stay states in `resolved`: for a scan's end, whose arrival count
    /// nobody needs (ReverseSearch.lastHit).
    var statesByWaypoint = false
    /// With `statesByWaypoint`: the stub counts the arrivals on the way to each state, which
    /// is then resolved as the arrival count it is (ReplayTimeline.resolve, CountedArrivals.swift).
    var countStates = false
    /// The arrivals the last waypoint's counting search passed (ReplaySession.lastSearchArrivals).
    var waypointArrivals: Int?
    /// The segment under way is an arrival segment the stub counts (CountedArrivals.swift), up
    /// to this count (the segment's, or fewer first for a checkpoint on the way).
    var countedSegment: Int?
    var countedTo = 0
    /// While the stub counts: the seek's own int3 at the address, taken out (a scan), or every
    /// int3 lifted in memory (a seek that notes no hits: `quiet`).
    var liftedTemporary: UInt64?
    var liftedAll = false
    /// A scan whose hits nobody wants (ReplayTimeline.resolve): like a jump, it may run through
    /// the client's breakpoints without stopping.
    var quiet = false

    init(target: ReplayPosition, goal: Goal) {
        self.target = target
        self.goal = goal
    }

    var isScan: Bool { if case .scan = goal { return true }; return false }

    /// The path a hit in `event` is counted from: the target's segments done, from the stretch
    /// checkpoint the seek started at when in its event (a signed state names itself).
    func prefix(in event: Int) -> [ReplayPosition.Segment] {
        let own = entered ? resolved : []
        if case .signature? = own.first { return own }
        return event == baseEvent ? base + own : own
    }
    var stepEnd: StepScanEnd? { if case .stepScan(let e) = goal { return e }; return nil }

    func bump(_ k: Key) -> Int {
        since[k, default: 0] += 1
        return since[k]!
    }

    /// The target's whole path is done.
    var pathDone: Bool { segment == target.path.count }

    /// The segment under way single-steps.
    var segmentSteps: Bool {
        guard segment < target.path.count, case .steps = target.path[segment] else { return false }
        return true
    }

    /// Counts `trap` for the segment of the target's path under way (ReplayPosition's counting
    /// rules: each segment counts only its own kind of trap). True when it completes the
    /// segment, which is then resolved (a register state as the arrival count it is) and the
    /// next one starts.
    func count(_ trap: DebugTrap) throws -> Bool {
        guard entered, segment < target.path.count else { return false }
        var completed = false
        switch target.path[segment] {
        case .arrival(let a, let n):
            if case .breakpoint(let b) = trap.kind, a == b, !trap.sameArrival { count += 1; completed = count == n }
            if trap.kind == .waypoint, countedSegment == segment, trap.registers.rip == a {
                // The stub's countdown stopped the task at that arrival.
                count = countedTo
                completed = count == n
            }
        case .watch(let w, let n):
            if trap.watchpoint == w { count += 1; completed = count == n }
        case .steps(let n):
            if trap.stepDone { count += 1; completed = count == n }
        case .state(let want) where statesByWaypoint:
            if trap.kind == .waypoint {
                completed = HardwareBreakpoint.sameState(trap.registers, want)
                if !completed { throw DebuggerError.replay("the paused state was reached with other registers") }
            }
        case .state(let want):
            if case .breakpoint(let b) = trap.kind, b == want.rip, !trap.sameArrival {
                count += 1
                completed = HardwareBreakpoint.sameState(trap.registers, want)
                if !completed && count >= PointSearch.searchLimit { throw Self.stateSearchFailed(want, count) }
            }
        case .signature(let want):
            // PointSearch found it (ReplaySession.reachWaypoint): registers, FP and memory equal.
            if trap.kind == .waypoint {
                completed = HardwareBreakpoint.sameState(trap.registers, want.registers)
                if !completed { throw DebuggerError.replay("the state of a checkpoint inside event was reached with other registers") }
            }
        }
        guard completed else { return false }
        if case .state(let want) = target.path[segment], !statesByWaypoint {
            resolved.append(.arrival(want.rip, count))
        } else if case .state(let want) = target.path[segment], countStates, let n = waypointArrivals, n >= 1 {
            resolved.append(.arrival(want.rip, n))
        } else {
            resolved.append(target.path[segment])
        }
        segment += 1
        count = 0
        since = [:]
        return true
    }

    /// Counts a step of the step-scan under way (after the target), in event `event`.
    func countStep(event: Int) throws {
        steps += 1
        if steps > PointSearch.searchLimit {
            throw DebuggerError.refused("going back one instruction from \(target) would single-step more than " +
                "\(PointSearch.searchLimit) instructions of event \(event) (one stop each, ≈57 µs): without a " +
                "tick counter the instruction before a point is found by stepping from the start of its event or of " +
                "its last breakpoint arrival (set SWRR_SEARCH_LIMIT to step further)")
        }
    }

    /// Whether a trap of the step-scan under way reaches the scan's end (`stepResult` then says
    /// how many steps it took).
    func stepScanEnded(by trap: DebugTrap) -> Bool {
        switch stepEnd {
        case .arrival(let a)? where trap.stepDone && trap.registers.rip == a:
            stepResult = steps
            return true
        case .watch(let w)? where trap.watchpoint == w:
            stepResult = trap.stepDone ? steps : steps + 1
            return true
        default:
            return false
        }
    }

    static func stateSearchFailed(_ want: Registers, _ hits: Int) -> Error {
        DebuggerError.replay("cannot reach the point where the replay was paused again: the instruction at " +
                             "0x\(String(want.rip, radix: 16)) ran \(hits) times in that event without reaching it " +
                             "(a pause in the middle of a long computation is found by one stop per execution; " +
                             "set SWRR_SEARCH_LIMIT to search longer)")
    }
}

/// The answer of a silent replay, or the stop that ended the whole operation before it had one
/// (a pause at an event boundary, ReplayInterrupt.swift).
enum Silent<T> {
    case found(T)
    case paused(DebugStop)
}

extension ReplayTimeline {
    var startPosition: ReplayPosition { ReplayPosition(event: 1, tid: mainTid) }

    /// Drives the silent replay under way (a scan, a step-scan) to its end: nil once it has
    /// learnt what it wanted, else the stop (a pause) that ends the operation.
    func runSilently() throws -> DebugStop? {
        switch try drive() {
        case .done: return nil
        case .stop(let s): return s
        case .failed(let e): throw e
        }
    }

    /// A replay stopped at the latest point from which `position` can be reached by running
    /// forward: the nearest checkpoint at or before it (with the debugger's int3s and debug
    /// registers), else a new replay from the start of the recording.
    func restore(nearestTo position: ReplayPosition) throws {
        try restore(from: checkpoints.nearest(atOrBefore: position))
    }

    /// Restores `cp`, or, when that fails, an earlier checkpoint (the failing one is dropped), or
    /// starts a new replay when there is none. Returns the checkpoint restored.
    @discardableResult
    func restore(from cp: Checkpoint?) throws -> Checkpoint? {
        var next = cp
        while let c = next {
            do {
                try restore(c)
                return c
            } catch {
                fputs("swrr: checkpoint \(c.id) at \(c.position) could not be restored (\(error)); it is dropped\n", stderr)
                checkpoints.remove(c)
                next = checkpoints.latest(before: c.position.event, inclusive: true)
            }
        }
        try engine.startReplay()
        return nil
    }

    // MARK: the operations

    func reverseContinue() throws -> DriveEnd {
        let here = position
        if let stop = alreadyAtStart(here) { return .stop(stop) }
        return try reverse(from: here) {
            let found: (ReplayPosition, StopReason)?
            // The loop's last pass before a point deep in it first (LastPassScan.swift).
            var searched: Silent<(ReplayPosition, StopReason)?>
            switch try self.search.lastHitInLastPass(before: here) {
            case .answer(let a)?: searched = a
            case .searchBefore(let q)?: searched = try self.search.lastHit(before: q)
            case nil: searched = try self.search.lastHit(before: here)
            }
            switch searched {
            case .paused(let stop): return .paused(stop)
            case .found(let f): found = f
            }
            guard let (hit, reason) = found else { return .found((self.startPosition, .startOfRecording)) }
            if case .watch? = hit.path.last {
                // Stop before the write, where the old value is still there.
                switch try self.search.previousInstruction(of: hit, tid: nil) {
                case .paused(let stop):
                    return .paused(stop)
                case .found(nil):
                    return .found((self.startPosition, reason))
                case .found(let p?):
                    self.ledger.note(p, isJustBefore: hit)
                    return .found((p, reason))
                }
            }
            return .found((hit, reason))
        }
    }

    func reverseStep(tid: Int32?) throws -> DriveEnd {
        let here = position
        if let stop = alreadyAtStart(here) { return .stop(stop) }
        return try reverse(from: here) {
            switch try self.search.previousInstruction(of: here, tid: tid) {
            case .paused(let stop):
                return .paused(stop)
            case .found(nil):
                return .found((self.startPosition, .startOfRecording))
            case .found(let p?):
                if tid == nil || tid == here.tid { self.ledger.note(p, isJustBefore: here) }
                return .found((p, .step))
            }
        }
    }

    /// Goes to `p` (reason nil: .end at the end of the recording, .jumped elsewhere). If `p`
    /// cannot be reached, goes back to where the client was and reports the error there.
    func jump(to p: ReplayPosition, reason: StopReason?) throws -> DriveEnd {
        let here = position
        do {
            return try jump(to: p, result: .success(reason))
        } catch let e where seek != nil {
            endSeek()
            return try jump(to: here, result: .failure(e))
        }
    }

    /// At the start already, with the replay there: nothing to run.
    private func alreadyAtStart(_ here: ReplayPosition) -> DebugStop? {
        guard here.samePoint(startPosition), session != nil, outcome == nil, session.eventNumber == 1 else { return nil }
        return DebugStop(reason: .startOfRecording, tid: currentTid, event: eventNumber)
    }

    /// Finds a target with `compute` (scanning replays), then goes there. If that fails, goes
    /// back to `here` and reports the error there: the session stays usable. A pause during
    /// `compute` ends the operation where that replay is.
    private func reverse(from here: ReplayPosition,
                         _ compute: () throws -> Silent<(ReplayPosition, StopReason)>) throws -> DriveEnd {
        let target: (ReplayPosition, StopReason)
        do {
            switch try compute() {
            case .found(let t): target = t
            case .paused(let stop): return .stop(stop)
            }
        } catch {
            endSeek()
            return try jump(to: here, result: .failure(error))
        }
        if let exit = engine.syscallExit(ofEntry: target.0) {
            // A syscall's entry that is not where it was expected (SyscallWrites.swift): its exit.
            do {
                return try jump(to: target.0, result: .success(target.1))
            } catch where seek != nil {
                endSeek()
                return try jump(to: exit, reason: target.1)
            }
        }
        return try jump(to: target.0, reason: target.1)
    }

    private func jump(to p: ReplayPosition, result: Result<StopReason?, Error>) throws -> DriveEnd {
        let s = Seek(target: p, goal: .report(result))
        // A pause's state is found by the stub (its registers), not by a stop per pass.
        s.statesByWaypoint = true
        // ... counted on the way, so the position is stored as the arrival count it is.
        s.countStates = true
        if let end = try begin(s) { return end }
        return try drive()
    }

    // MARK: the seek, driven from drive()

    /// At an event boundary while seeking: enters the target's event, or reaches the target.
    func seekAtBoundary() throws -> DriveEnd? {
        guard let s = seek else { return nil }
        s.since = [:]
        if s.stepping {
            // A step-scan whose event ended without its step running into it (no code ran).
            s.stepResult = s.stepResult ?? (s.stepEnd == .eventEnd ? s.steps : nil)
            return .done
        }
        if outcome != nil {
            if s.target.path.isEmpty && s.target.event >= eventNumber { return try reachBoundary(s) }
            throw DebuggerError.refused("\(s.target) is beyond the end of the recording (event \(eventNumber))")
        }
        if eventNumber > s.target.event {
            throw DebuggerError.replay("the replay went past \(s.target) without reaching it")
        }
        guard eventNumber == s.target.event, !s.entered else { return nil }
        try enterTargetEvent(s)
        if s.target.path.isEmpty { return try reachBoundary(s) }
        if case .steps = s.target.path[0] { stepState = .armed(nil) } else { stepState = .off }
        return nil
    }

    /// In the target's event: the breakpoints and watchpoints the target's path counts go in
    /// (for this seek only, where the client has none).
    func enterTargetEvent(_ s: Seek) throws {
        s.entered = true
        var needed = s.target.path
        switch s.stepEnd {
        case .arrival(let a)?: needed.append(.arrival(a, 1))
        case .watch(let w)?: needed.append(.watch(w, 1))
        default: break
        }
        for seg in needed {
            switch seg {
            case .arrival(let a, _) where !breakpoints.contains(a):
                try? breakpoints.add(a, in: addressSpaces)
                s.tempBreakpoints.insert(a)
            case .state(let r) where !breakpoints.contains(r.rip) && !s.statesByWaypoint:
                try? breakpoints.add(r.rip, in: addressSpaces)
                s.tempBreakpoints.insert(r.rip)
            case .watch(let w, _) where !debugRegisters.slots.contains(w):
                _ = try debugRegisters.add(w)
                s.tempWatchpoints.append(w)
            default:
                break
            }
        }
        armWaypoint(s)
    }

    private func reachBoundary(_ s: Seek) throws -> DriveEnd? {
        switch s.goal {
        case .report(let result):
            endSeek()
            stepState = .off
            // A syscall's write found backwards stops in the syscall's task (SyscallWrites.swift).
            if case .success(.watchpoint?) = result, s.target.tid != 0, session.tasks[s.target.tid] != nil {
                currentTid = s.target.tid
            }
            position = ReplayPosition(event: eventNumber, tid: currentTid)
            // A failure reported here is the request's error (ReplayDebugEngine.serve).
            let reason = try result.get() ?? outcome.map { .end($0) } ?? .jumped
            return .stop(DebugStop(reason: reason, tid: currentTid, event: eventNumber))
        case .scan:
            return .done
        case .stepScan:
            if outcome != nil {
                s.stepResult = 0
                return .done
            }
            s.stepping = true
            stepState = .armed(nil)
            return nil
        }
    }

    /// An event of the seek under way is done: a scan notes its syscall's write into one of the
    /// client's watchpoints (SyscallWrites.swift), when the write (at the event's exit boundary)
    /// is not after the scan's end. The hit is the syscall's entry, before the write, as a
    /// store's is the instruction before it: from the exit itself (where the forward stop was),
    /// reverse-continue goes back over that write, as it does over a store's from its trap.
    func seekEventDone() {
        guard let s = seek, s.isScan, !s.stepping, s.target.event >= eventNumber else { return }
        guard let (w, _) = engine.watchedSyscallWrite(among: engine.clientWatchpoints),
              let entry = engine.syscallEntryOfLastEvent() else { return }
        s.lastHit = (entry, .watchpoint(address: w.address, kind: w.kind))
    }

    /// A step of the seek ran into an event (drive() saw it consumed).
    func seekStepConsumed() throws -> DriveEnd {
        guard let s = seek else { return .done }
        stepState = .off
        if s.stepping {
            if s.stepEnd == .eventEnd { s.stepResult = s.steps + 1 }
            return .done
        }
        throw DebuggerError.replay("the replay went past \(s.target) without reaching it (a step ran into the next event)")
    }

    /// A trap of the debugger's while seeking: counts it for the target's segment, notes it for
    /// a scan, and keeps going (nil) unless the target is reached.
    func seekTrap(_ trap: DebugTrap) throws -> DriveEnd? {
        guard let s = seek else { return nil }
        ReplayProfile.count("seek traps")
        let t = trap.task, regs = trap.registers, reason = trap.reason, watch = trap.watchpoint
        if s.stepping {
            if trap.stepDone {
                try s.countStep(event: eventNumber)
                if s.steps % Self.strideSteps == 0, let tid = recordedTid(ofReplayTid: t.task.tid) {
                    var p = s.target.appending(.steps(s.steps))
                    p.tid = tid
                    p.registers = regs
                    checkpointAtStopIfDue(t, p, force: true)
                }
            }
            if s.stepScanEnded(by: trap) { return .done }
            // A pause: each step is a stop of its own, so the wait never interrupts one.
            if trap.stepDone, engine.interruption.take() { return seekPaused(trap) }
            return nil
        }
        let tid = recordedTid(ofReplayTid: t.task.tid) ?? currentTid
        func at(_ path: [ReplayPosition.Segment]) -> ReplayPosition {
            ReplayPosition(event: eventNumber, tid: tid, path: path, registers: regs)
        }
        var prefix = s.prefix(in: eventNumber)
        // A watchpoint's hit is the write just before its trap: it is before the target even
        // when the trap is the target itself.
        if s.isScan, let w = watch, !s.tempWatchpoints.contains(w) {
            s.lastHit = (at(prefix + [.watch(w, s.bump(.watch(w)))]), reason)
            checkpointAtScanHit(t, s, key: .watch(w))
        }
        s.waypointArrivals = trap.kind == .waypoint ? session.lastSearchArrivals : nil
        let completed = try s.count(waypointAtBreakpoint(trap, s) ?? trap)
        if completed {
            establishedPending = true
            if let k = s.countedSegment, k == s.segment - 1 { countedArrivalReached(t, regs: regs, s) } else { restoreCountedBreakpoints(s) }
            prefix = s.prefix(in: eventNumber)
            if case .signature(let sig)? = s.resolved.last { stretchAnchor = (eventNumber, sig) }
            armWaypoint(s)
            if s.pathDone { return try reachMid(t, regs: regs, s) }
            stepState = s.segmentSteps ? .stepping(t.task.tid) : .off
        } else if trap.kind == .waypoint, s.countedSegment == s.segment {
            // A checkpoint on the way to a counted arrival (CountedArrivals.swift).
            countedArrivalReached(t, regs: regs, s)
            armWaypoint(s)
        }
        if s.isScan {
            switch reason {
            case .breakpoint(let a), .hardwareBreakpoint(let a):
                guard !s.tempBreakpoints.contains(a) else { break }
                // A hit the client's filter refuses (a condition false there) is counted but
                // not noted: the scan's answer is the last hit it would stop at.
                let wanted = breakpoints.contains(a) ? ReplayProfile.time("hit filter evaluations") { search.hitFilter?(a, tid) ?? true } : true
                if completed || trap.sameArrival {
                    guard wanted else { break }
                    s.lastHit = (at(prefix), reason)
                    checkpointAtStopIfDue(t, s.lastHit!.0)
                } else {
                    let p = at(prefix + [.arrival(a, s.bump(.arrival(a)))])
                    guard wanted else { break }
                    s.lastHit = (p, reason)
                    checkpointAtScanHit(t, s, key: .arrival(a))
                }
            default:
                break
            }
        }
        return nil
    }

    /// The seek's target, reached in the middle of its event.
    private func reachMid(_ t: ReplayTask, regs: Registers, _ s: Seek) throws -> DriveEnd? {
        let tid = recordedTid(ofReplayTid: t.task.tid) ?? currentTid
        if let want = s.target.registers, !HardwareBreakpoint.sameState(regs, want) {
            throw DebuggerError.replay("\(s.target) was reached with other registers than before: " +
                                       regs.differences(from: want).prefix(6).joined(separator: ", "))
        }
        position = ReplayPosition(event: eventNumber, tid: tid, path: s.resolved, registers: regs)
        establishedPending = true
        switch s.goal {
        case .report(let result):
            endSeek()
            return stopped(t, result.map { $0 ?? .jumped })
        case .scan:
            return .done
        case .stepScan:
            s.stepping = true
            stepState = .stepping(t.task.tid)
            return nil
        }
    }

    /// Ends the seek: its own breakpoints and watchpoints go.
    func endSeek() {
        guard let s = seek else { return }
        seek = nil
        session?.waypoint = nil
        endCounting(s)
        for a in s.tempBreakpoints { breakpoints.remove(a, in: addressSpaces) }
        for w in s.tempWatchpoints {
            if let slot = debugRegisters.slots.firstIndex(where: { $0 == w }) { engine.traps.forgetCarryOvers(slot: slot) }
            debugRegisters.remove(w)
        }
    }
}
