// reverse-continue from a point deep in a loop (issue 16 item 3, issue 17): the last hit before
// it is usually within the loop's last pass. A position counted from its stretch checkpoint S as
// [S, .arrival(X, n), ...] (a pause's `.state` resolved into that count first) lies after the
// (n-1)-th arrival at X: the replay goes there (the stub counts, CountedArrivals.swift, and a
// checkpoint is taken there), and only that piece is scanned, from Q = [S, .arrival(X, n-1)] to
// the position, with the client's breakpoints and watchpoints. Q is a hit itself when the client
// has a breakpoint at X whose condition holds there. Only when the piece has no hit does the
// usual search (ReverseSearch.lastHit) go back from Q, stretch by stretch.
//
// Before, the stretch scan from S to the position stopped at every hit: a breakpoint on the
// loop's own line is hit at every pass, 10^7 times a stretch in stretches.c at -O0, and the
// seek to the hit it found counted them again. Now the piece is one pass of the loop, the hit's
// position is counted from Q, and going back again repeats this one pass further back.
import SwrrTracee

extension ReverseSearch {
    enum LastPass {
        /// The hit found in the piece (or the pause that ended the search).
        case answer(Silent<(ReplayPosition, StopReason)?>)
        /// None in the piece: the last hit is before this point (Q).
        case searchBefore(ReplayPosition)
    }

    /// The client's last hit between the last arrival before `c` at the instruction `c` is
    /// counted by, and `c`; nil when that does not apply (the caller searches before `c`).
    func lastHitInLastPass(before c: ReplayPosition) throws -> LastPass? {
        let t = timeline
        let keys = t.scanKeys(excluding: nil)
        guard !keys.isEmpty, !c.isEventBoundary, PointSearch.fastSearch else { return nil }
        // What the client's forward runs already showed comes first (HitLedger.swift: the hit,
        // or no hit back to some earlier point): no replay at all, which lastHit does.
        switch t.ledger.lastHit(before: c, keys: keys, hit: { self.hit(at: $0, keys: keys) }) {
        case .hit: return nil
        case .noneAfter(let x) where !x.samePoint(c): return nil
        case .noneAfter: break
        }
        var here = c
        if here.path.contains(where: { if case .state = $0 { return true }; return false }) {
            switch try t.resolve(here) {
            case .paused(let stop): return .answer(.paused(stop))
            case .found(let r): here = r
            }
        }
        let k = here.signature != nil ? 1 : 0
        guard here.path.count > k, case .arrival(let x, let n) = here.path[k], n >= 2 else { return nil }
        let head = Array(here.path.prefix(k))
        let q = ReplayPosition(event: here.event, tid: here.tid, path: head + [.arrival(x, n - 1)])
        // The same point counted from Q: one more arrival at X, then the rest of its path.
        var rest = Array(here.path.dropFirst(k + 1))
        var again = 1
        if case .arrival(let y, let m)? = rest.first, y == x {
            again += m
            rest.removeFirst()
        }
        let end = ReplayPosition(event: here.event, tid: here.tid, path: head + [.arrival(x, n - 1), .arrival(x, again)] + rest,
                                 registers: here.registers)
        // To Q first, silently: the stub counts, and a checkpoint is taken there for the scan.
        let toQ = Seek(target: q, goal: .report(.success(nil)))
        if let stop = try t.runSeek(toQ), stop.reason == .interrupted { return .answer(.paused(stop)) }
        var qHit: (ReplayPosition, StopReason)?
        if keys.contains(.arrival(x)), t.position.samePoint(q) {
            let tid = t.position.tid
            if hitFilter?(x, tid) ?? true {
                qHit = (t.position, t.breakpoints.contains(x) ? .breakpoint(x) : .hardwareBreakpoint(x))
            }
        }
        scansRun += 1
        ReplayProfile.count("last pass scans")
        let s = Seek(target: end, goal: .scan)
        s.statesByWaypoint = true
        s.countStates = true
        defer { t.endSeek() }
        _ = try t.begin(s)
        if let paused = try ReplayProfile.time("scan runs") { try t.runSilently() } { return .answer(.paused(paused)) }
        if let hit = s.lastHit ?? qHit { return .answer(.found(hit)) }
        return .searchBefore(q)
    }
}

extension ReplayTimeline {
    /// Runs the seek `s` (begin, then drive) to its end; the stop it ends with, if any.
    func runSeek(_ s: Seek) throws -> DebugStop? {
        let end = try begin(s) ?? drive()
        switch end {
        case .done: return nil
        case .stop(let stop): return stop
        case .failed(let e): throw e
        }
    }
}
