// The engine's side of checkpoints: taking them, and starting a silent replay from one
// (ReverseExecution.swift) instead of starting the program again.
//
// Where they are taken:
// - at event boundaries as the replay runs (forwards, or silently while going back), once
//   CheckpointStore.interval seconds of replay have passed since the nearest one before;
// - at stops inside an event, when due (CheckpointStore.isDueMidEvent): a breakpoint or
//   watchpoint hit found by a scan (the next jump usually goes there: reverse-continue lands on
//   the last hit the scan found), every `strideSteps` single-steps of a step-scan (reverse-stepi
//   then goes to one instruction before where the scan ended), and the client's forward stops;
// - on request (`monitor checkpoint`), at the boundary or stop where the replay is.
// A checkpoint inside an event replays that event again from its start when restored, with the
// tasks where they were (Checkpoint.swift), and serves seeks whose target lies further along its
// path (ReplayPosition.progress): a seek restored there goes on exactly as if it had just counted
// its way to that point. Scans count every breakpoint and watchpoint since their event began:
// they start at event boundaries, or at a hit where an earlier scan counting at least the same
// ones took a checkpoint (ScanStart, with that scan's counts).
import Glibc
import SwrrTracee

extension ReplayTimeline {
    /// Single-steps of a step-scan between checkpoints (≈ 60 ms at 57 µs a step).
    static let strideSteps = 1024

    /// Takes a checkpoint here if one is due (at an event boundary, while the replay runs).
    func checkpointIfDue() {
        guard outcome == nil, stepOver.isEmpty, checkpoints.isDue(event: eventNumber),
              SessionCheckpoint.obstacle(in: session) == nil else { return }
        _ = try? takeCheckpoint(at: position, explicit: false)
    }

    /// Takes a checkpoint at a stop of task `t` inside an event (position `p`), if one is due.
    func checkpointAtStopIfDue(_ t: ReplayTask, _ p: ReplayPosition, force: Bool = false, scan: ScanStart? = nil) {
        guard force || checkpoints.isDueMidEvent, checkpoints.automatic, !p.isEventBoundary,
              !p.path.contains(where: { if case .state = $0 { return true }; return false }),
              stepOver.keys.allSatisfy({ $0 == t.task.tid }), SessionCheckpoint.obstacle(in: session) == nil else { return }
        _ = try? takeCheckpoint(at: p, explicit: false, scan: scan)
    }

    /// At the hit of `key` a scan just noted (s.lastHit): a checkpoint if one is due, from which
    /// later scans can start when the scan's counts run from the start of the event.
    func checkpointAtScanHit(_ t: ReplayTask, _ s: Seek, key: Seek.Key) {
        guard let (hit, reason) = s.lastHit else { return }
        // Counts from the start of the event (not from a stretch checkpoint's state).
        let scan = s.prefix(in: eventNumber).isEmpty
            ? ScanStart(keys: scanKeys(excluding: s), counts: s.since, hit: key, reason: reason) : nil
        checkpointAtStopIfDue(t, hit, scan: scan)
    }

    /// The breakpoints and watchpoints a scan counts: the client's (not those a seek `s`
    /// inserted for itself).
    func scanKeys(excluding s: Seek?) -> Set<Seek.Key> {
        var keys = Set(breakpoints.addresses.subtracting(s?.tempBreakpoints ?? []).map { Seek.Key.arrival($0) })
        for case let w? in debugRegisters.slots where !(s?.tempWatchpoints.contains(w) ?? false) {
            keys.insert(w.kind == .execute ? .arrival(w.address) : .watch(w))
        }
        return keys
    }

    /// A scan `s` restored at `cp`, a hit of an earlier scan (ScanStart): it goes on as that
    /// scan did, with its counts, the hit itself already noted when it is one of `keys`.
    func resumeScan(_ s: Seek, from cp: Checkpoint, _ scan: ScanStart, keys: Set<Seek.Key>) throws {
        let q = cp.position
        guard let t = session.tasks[q.tid] else { return }
        s.since = scan.counts
        if q.event == s.target.event {
            try enterTargetEvent(s)
            switch s.target.path.first {
            case .arrival(let a, _)?: s.count = scan.counts[.arrival(a), default: 0]
            case .watch(let w, _)?: s.count = scan.counts[.watch(w), default: 0]
            default: break
            }
        }
        stepState = .off
        establishedPending = true
        currentTid = q.tid
        armWaypoint(s)   // with the counts
        if case .arrival(let a, _)? = q.path.last, breakpoints.contains(a), !s.lifting(a) { stepOver[t.task.tid] = .software(a) }
        if keys.contains(scan.hit) { s.lastHit = (q, scan.reason) }
    }

    /// A checkpoint of the replay where it stands: at `p`, the current position (an event
    /// boundary, or a stop inside an event).
    @discardableResult
    func takeCheckpoint(at p: ReplayPosition, explicit: Bool, scan: ScanStart? = nil) throws -> Checkpoint {
        guard let session = session else { throw DebuggerError.ended }
        guard p.event == eventNumber, outcome == nil else {
            throw DebuggerError.refused("no checkpoint can be taken at the end of the recording")
        }
        if p.path.contains(where: { if case .state = $0 { return true }; return false }) {
            throw DebuggerError.refused("no checkpoint can be taken where the replay was paused; step or continue first")
        }
        if let why = SessionCheckpoint.obstacle(in: session) {
            throw DebuggerError.refused("no checkpoint can be taken at event \(eventNumber): \(why)")
        }
        let breakpoints = self.breakpoints
        let started = CheckpointStore.now()
        defer { checkpoints.took(Double(CheckpointStore.now() - started) / 1e9) }
        let state: SessionCheckpoint
        do {
            state = try ReplayProfile.time("checkpoint takes") { try SessionCheckpoint.take(of: session) { tgid, copy in
                try breakpoints.erase(tgid: tgid, in: copy)
            } }
        } catch {
            throw DebuggerError.other("taking a checkpoint at \(p) failed: \(error)")
        }
        var at = p
        if at.tid == 0 { at.tid = currentTid }
        return try ReplayProfile.time("checkpoint store adds") { try checkpoints.add(state, at: at, explicit: explicit, scan: scan) }
    }

    /// Continues from checkpoint `cp`: the live replay is replaced by new copies of its
    /// processes, with the debugger's breakpoints and watchpoints in them.
    func restore(_ cp: Checkpoint) throws {
        engine.finish()
        let s = try ReplayProfile.time("checkpoint restores") { try cp.state.restore(echo: engine.echoForSession) }
        engine.installSession(s)
        currentTid = cp.position.tid != 0 ? cp.position.tid : mainTid
        position = cp.position
        stretchAnchor = (cp.position.event, cp.position.signature)
        checkpoints.moved(to: cp.cost)
    }

    /// Starts the silent replay `s` (a jump or a step-scan) from the nearest checkpoint it can
    /// start from. One inside the target's event puts the seek where that checkpoint is: when it
    /// is the target itself, a jump's stop is returned right away (nil: drive on).
    func begin(_ s: Seek) throws -> DriveEnd? {
        let cp = try restore(from: checkpoints.nearest(atOrBefore: s.target, midEvent: true))
        seek = s
        guard let q = cp?.position, !q.isEventBoundary, let (segment, count) = q.progress(towards: s.target),
              let t = session.tasks[q.tid] else { return nil }
        try enterTargetEvent(s)
        s.segment = segment
        s.count = count
        s.resolved = Array(q.path.prefix(segment))
        armWaypoint(s)
        establishedPending = true
        currentTid = q.tid
        // Standing on an int3 (a breakpoint's or this seek's), as after its trap: carried over
        // on the next resume, not counted again (not one lifted while the stub counts).
        if case .arrival(let a, _)? = q.path.last, breakpoints.contains(a), !s.lifting(a) { stepOver[t.task.tid] = .software(a) }
        if segment < s.target.path.count {
            if case .steps = s.target.path[segment] { stepState = .stepping(t.task.tid) } else { stepState = .off }
            return nil
        }
        let regs = try t.task.registers()
        if let want = s.target.registers, !HardwareBreakpoint.sameState(regs, want) {
            throw DebuggerError.replay("\(s.target) was reached with other registers than before: " +
                                       regs.differences(from: want).prefix(6).joined(separator: ", "))
        }
        position = ReplayPosition(event: eventNumber, tid: q.tid, path: q.path, registers: regs)
        switch s.goal {
        case .report(let result):
            endSeek()
            if case .arrival(let a, _)? = q.path.last, !breakpoints.contains(a) { stepOver[t.task.tid] = nil }
            return stopped(t, result.map { $0 ?? .jumped })
        case .stepScan:
            s.stepping = true
            stepState = .stepping(t.task.tid)
        case .scan:
            break
        }
        return nil
    }
}
