// The searches that find where reverse execution goes (ReverseExecution.swift): the client's
// last breakpoint or watchpoint hit before a position, scanned for one stretch between
// checkpoints at a time, the latest first (for reverse-continue), and the position one
// instruction of a task earlier, found by a step-scan from the start of its event or from its
// last arrival before it (for reverse-stepi and for a watchpoint's hit). Each runs silent
// replays through the timeline and returns a position, or the pause that ended the operation.
import SwrrTracee

final class ReverseSearch {
    unowned let timeline: ReplayTimeline
    /// Scanning replays run by reverse-continues so far (`lastHit`).
    var scansRun = 0
    /// The client's filter of breakpoint hits for scans (ReplayDebugger.setReverseHitFilter).
    var hitFilter: ((UInt64, Int32) -> Bool)?

    init(timeline: ReplayTimeline) {
        self.timeline = timeline
    }


    /// The client's last breakpoint or watchpoint hit strictly before `c` (a watchpoint's hit
    /// counts when its write is before `c`), with the stop reason it had.
    /// Scans backwards one stretch at a time: from the latest checkpoint a scan can start from
    /// before `c` (an event boundary, or a hit an earlier scan with these breakpoints and
    /// watchpoints found, ScanStart) up to `c`, then from the one before that up to it, and so
    /// on to the start.
    func lastHit(before c: ReplayPosition) throws -> Silent<(ReplayPosition, StopReason)?> {
        let t = timeline
        let keys = t.scanKeys(excluding: nil)
        if keys.isEmpty { return .found(nil) }
        var end = c
        // What forward runs already showed (HitLedger.swift): the hit itself, or a point before
        // which the scan can start.
        switch t.ledger.lastHit(before: c, keys: keys, hit: { self.hit(at: $0, keys: keys) }) {
        case .hit(let p, let reason):
            return .found((p, reason))
        case .noneAfter(let x):
            if !x.samePoint(c) {
                if let hit = hit(at: x, keys: keys) { return .found(hit) }
                end = x
            }
        }
        while !(end.isEventBoundary && end.event <= 1) {
            let startAt = t.checkpoints.scanStart(before: end, keys: keys)
            if let cp = startAt, t.coverageSkips(from: cp, to: end, keys: keys) {
                // No function holding one of the breakpoints ran from there to `end`
                // (StretchCoverage.swift): the stretch before is next, with no replay.
                t.coverage.skipped += 1
                ReplayProfile.count("stretches skipped")
                end = cp.position
                continue
            }
            scansRun += 1
            ReplayProfile.count("scans")
            let from = try t.restore(from: startAt)
            let start = t.position
            let s = Seek(target: end, goal: .scan)
            s.statesByWaypoint = true
            t.seek = s
            let paused: DebugStop?
            do {
                if let cp = from, let scan = cp.scan {
                    try t.resumeScan(s, from: cp, scan, keys: keys)
                } else if let cp = from, cp.position.isSignaturePoint {
                    try t.resumeScan(s, fromStretch: cp)
                }
                paused = try ReplayProfile.time("scan runs") { try t.runSilently() }
            } catch {
                t.endSeek()
                throw error
            }
            t.endSeek()
            if let stop = paused { return .paused(stop) }
            if let hit = s.lastHit { return .found(hit) }
            // The next stretch ends where this one began (and starts at a checkpoint strictly
            // before it); none once that is the start of the recording.
            end = start.isEventBoundary ? ReplayPosition(event: start.event, tid: start.tid) : start
        }
        return .found(nil)
    }

    /// Whether a scan passing `p` (inside an event) would note a hit of `keys` there: the task
    /// stands on an inserted breakpoint, or a watchpoint's trap put it there.
    func hit(at p: ReplayPosition, keys: Set<Seek.Key>) -> (ReplayPosition, StopReason)? {
        if p.isEventBoundary {
            // The syscall before it wrote a watched range (known when a run started or ended
            // there): the hit is that syscall's entry, before the write.
            guard let (writes, entry) = timeline.ledger.boundaryWrites[p.event] else { return nil }
            for case .watch(let w) in keys where writes.contains(where: { $0.overlaps(w) }) {
                return (entry, .watchpoint(address: w.address, kind: w.kind))
            }
            return nil
        }
        var address: UInt64?
        switch p.path.last {
        case .watch(let w, _)? where keys.contains(.watch(w)):
            return (p, .watchpoint(address: w.address, kind: w.kind))
        case .arrival(let a, _)?:
            address = a
        default:
            address = p.registers?.rip
        }
        guard let a = address, keys.contains(.arrival(a)) else { return nil }
        return (p, timeline.breakpoints.contains(a) ? .breakpoint(a) : .hardwareBreakpoint(a))
    }

    /// Single-steps from `from` until `end`; the number of steps (the one that gets there
    /// included; 0 when the event's task did not run at all).
    func stepScan(from: ReplayPosition, until end: Seek.StepScanEnd) throws -> Silent<Int> {
        let s = Seek(target: from, goal: .stepScan(end))
        defer { timeline.endSeek() }
        _ = try timeline.begin(s)   // a step-scan reports nothing where it starts
        if let paused = try timeline.runSilently() { return .paused(paused) }
        guard let n = s.stepResult else {
            throw DebuggerError.replay("stepping from \(from) never reached \(end)")
        }
        return .found(n)
    }

    /// The position one instruction of the task earlier than `c` (nil at the start).
    func previousInstruction(of c: ReplayPosition, tid: Int32?) throws -> Silent<ReplayPosition?> {
        if c.path.contains(where: { if case .state = $0 { return true }; return false }) {
            switch try timeline.resolve(c) {
            case .paused(let stop): return .paused(stop)
            case .found(let r): return try previousInstruction(of: r, tid: tid)
            }
        }
        if let last = c.path.last {
            var prefix = Array(c.path.dropLast())
            let end: Seek.StepScanEnd
            switch last {
            case .steps(let n):
                if n > 1 { prefix.append(.steps(n - 1)) }
                return .found(ReplayPosition(event: c.event, tid: c.tid, path: prefix))
            case .arrival(let a, let n):
                if n > 1 { prefix.append(.arrival(a, n - 1)) }
                end = .arrival(a)
            case .watch(let w, let n):
                if n > 1 { prefix.append(.watch(w, n - 1)) }
                end = .watch(w)
            case .state:
                throw DebuggerError.replay("\(c) was not resolved")
            case .signature:
                // Only a checkpoint stands exactly at a signed state; no stop reports one.
                throw DebuggerError.refused("cannot go back one instruction from the state of a checkpoint inside event \(c.event)")
            }
            let from = ReplayPosition(event: c.event, tid: c.tid, path: prefix)
            let j: Int
            switch try stepScan(from: from, until: end) {
            case .paused(let stop): return .paused(stop)
            case .found(let n): j = n
            }
            guard j >= 1 else { throw DebuggerError.replay("cannot find the instruction before \(c)") }
            return .found(j > 1 ? from.appending(.steps(j - 1)) : from)
        }
        // At an event boundary: the last instruction of this task's previous event that ran
        // code (the one whose step ran into the event).
        let tid = tid ?? (c.tid != 0 ? c.tid : timeline.currentTid)
        var e = c.event - 1
        while e >= 1 {
            if timeline.eventTids[e] == nil || timeline.eventTids[e] == tid {
                switch try stepScan(from: ReplayPosition(event: e, tid: tid), until: .eventEnd) {
                case .paused(let stop):
                    return .paused(stop)
                case .found(let m) where m >= 1:
                    return .found(ReplayPosition(event: e, tid: tid, path: m > 1 ? [.steps(m - 1)] : []))
                case .found:
                    break
                }
            }
            e -= 1
        }
        return .found(nil)
    }
}
