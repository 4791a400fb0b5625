// What the client's forward runs have already shown about breakpoint and watchpoint hits, so that
// reverse-continue does not re-execute what was just executed to learn it again.
//
// A forward `continue` from position A that stops at B, with breakpoints and watchpoints K
// inserted all the way (the client changes them only while the replay is stopped), proves that
// no key of K was hit between A and B; a forward single step proves it for any keys (nothing
// lies between its ends). The replay is deterministic, so that stays true for every later
// replay. A reverse-continue from C with keys K' walks these runs back from C while they are
// contiguous (each starts where the one before stopped) and K' ⊆ K: the first end of a run that
// is a hit of K' (the task stands on one of its breakpoints, or one of its watchpoints trapped
// there) is the answer, with no replay at all but the jump there (usually onto the checkpoint
// taken at that stop). Where the chain ends, at X, only the part before X is left to scan
// (lastHit). gdb steps over a breakpoint it stopped at before it continues, so its forward
// runs alternate a step and a continue.
//
// Without a tick counter this matters most inside a long event with no syscall: a scan can only
// count hits from the start of the event (ReplayPosition.swift), so finding the last hit of a
// breakpoint the replay ran past costs a re-execution of the event up to there, seconds for a
// long computation (benchmarks/reverse), while the forward run that stopped there knew it.
//
// Seeks and scans are not runs. But a reverse-stepi from B (or a watchpoint hit found backwards, which stops
// one instruction before the trap) lands on the instruction just before B, which lies inside
// every run that ended at B when B is inside an event: the ledger notes it, so reverse-continue
// from there still follows the runs. Both lists are bounded (`limit`, the oldest go first).
//
// A run that starts or ends at an event boundary right after a syscall may start or end on a
// write: the syscall's output (SyscallWrites.swift), reported at its exit. Whether that is a hit
// depends on the watchpoints a reverse-continue later has, which may be other than the run's, so
// the ledger keeps what that syscall wrote (`boundaryWrites`, by the boundary's event) and the
// search asks it (ReverseSearch.hit).
import SwrrTracee

struct HitLedger {
    struct Run {
        let from: ReplayPosition
        let to: ReplayPosition
        /// What was inserted all the way; nil for a single step, which has nothing between its
        /// ends whatever is inserted.
        let keys: Set<Seek.Key>?
    }

    static let limit = 4096
    /// Off: nothing is remembered (reverse-continue always scans).
    var enabled = true
    private(set) var runs: [Run] = []
    /// Points one instruction of their task before a point inside an event (`next`), where
    /// reverse-stepi (or a watchpoint found backwards) went: inside every run that ends at
    /// `next`, so a run ending there covers them too.
    private(set) var steppedBack: [(point: ReplayPosition, next: ReplayPosition)] = []
    /// What the syscall before the boundary of an event wrote, and the position of its entry
    /// (where a reverse-continue finding the write stops), for boundaries runs start or end at.
    private(set) var boundaryWrites: [Int: (writes: [SyscallWrite], entry: ReplayPosition)] = [:]

    mutating func noteWrites(_ writes: [SyscallWrite], entry: ReplayPosition, at event: Int) {
        guard enabled else { return }
        boundaryWrites[event] = (writes, entry)
        if boundaryWrites.count > Self.limit, let k = boundaryWrites.keys.min() { boundaryWrites[k] = nil }
    }

    mutating func add(_ run: Run) {
        guard enabled else { return }
        // Runs of no length (a continue that stopped where it began) prove nothing.
        guard !run.from.samePoint(run.to) else { return }
        runs.append(run)
        if runs.count > Self.limit { runs.removeFirst(runs.count - Self.limit) }
    }

    /// `point` is the instruction of its task just before `next`. Only for a `next` inside an
    /// event: there the task ran that instruction within any run that reached `next` (at an
    /// event boundary it may have run before the run began).
    mutating func note(_ point: ReplayPosition, isJustBefore next: ReplayPosition) {
        guard enabled, !next.isEventBoundary, !point.samePoint(next) else { return }
        steppedBack.append((point, next))
        if steppedBack.count > Self.limit { steppedBack.removeFirst(steppedBack.count - Self.limit) }
    }

    /// Whether `p` is `q` or a point the replay passes before reaching `q`, as far as their
    /// paths tell (false when they cannot be compared: different path forms in one event).
    static func isAtOrBefore(_ p: ReplayPosition, _ q: ReplayPosition) -> Bool {
        p.event < q.event || p.samePoint(q) || p.progress(towards: q) != nil
    }

    /// What the runs show about the last hit of `keys` before `c` (strictly before, but for a
    /// watchpoint trapping at `c`, whose write was before it).
    enum Answer {
        /// That hit.
        case hit(ReplayPosition, StopReason)
        /// No hit between this position and `c`: the rest is before it.
        case noneAfter(ReplayPosition)
    }

    /// `hit(p)`: whether a scan passing p would note a hit of `keys` there (the task stands on
    /// one of the breakpoints, or one of the watchpoints trapped there).
    func lastHit(before c: ReplayPosition, keys: Set<Seek.Key>,
                 hit: (ReplayPosition) -> (ReplayPosition, StopReason)?) -> Answer {
        enum Place { case target, after, before }
        var end = c
        var place = Place.target
        // The earliest point reached at or before `c`.
        var known = c
        // Each run and step is used once (a client that went back and ran the same stretch
        // again left the same proof twice).
        var usedRuns = Set<Int>(), usedSteps = Set<Int>()
        // Reverse-stepi landings followed forward from `c` so far.
        var hops = 0
        while true {
            // A hit at `c` itself only counts for a watchpoint (its write came before the trap,
            // or before the syscall's exit, as in scans); after `c` not at all.
            switch place {
            case .before:
                if let h = hit(end) { return .hit(h.0, h.1) }
            case .target:
                if let h = hit(end), case .watchpoint = h.1 { return .hit(h.0, h.1) }
            case .after:
                break
            }
            // From the instruction after `c`, any run that ends there ran `c`; from further on,
            // only one that began at or before `c` (the paths say so when counted alike).
            if let i = runs.indices.last(where: {
                !usedRuns.contains($0) && runs[$0].to.samePoint(end) && (runs[$0].keys.map(keys.isSubset(of:)) ?? true)
                    && (place != .after || hops == 1 || Self.isAtOrBefore(runs[$0].from, c))
            }) {
                usedRuns.insert(i)
                hops = 0
                end = runs[i].from
                place = end.samePoint(c) ? .target : .before
                known = end
            } else if place != .before, let j = steppedBack.indices.last(where: {
                !usedSteps.contains($0) && steppedBack[$0].point.samePoint(end)
            }) {
                // From `c` (or a point after it) to the next instruction: after `c`.
                usedSteps.insert(j)
                hops += 1
                end = steppedBack[j].next
                place = .after
            } else {
                return .noneAfter(known)
            }
        }
    }
}
