// A position in a replay: a point the replay can be brought back to exactly (DESIGN.md §2,
// issue 5). There is no tick counter here, so a position is expressed from the start of an event:
//
//   event  — the number of events replayed before it (ReplaySession.eventNumber);
//   path   — what the event's task did since the event began, as segments run one after the
//            other: "reach address A for the n-th time", "watchpoint W fires for the n-th time",
//            "n single-steps", "reach this exact register state" (a pause in the middle of a
//            computation, ReplayInterrupt.swift). An empty path is the event boundary itself.
//
// The brief form (event, rip, hit count of rip since the event began) is the one-segment path
// [.arrival(rip, hits)]. Longer paths come from forward stops in the middle of an event (a step
// after a breakpoint, a watchpoint after a step...): re-running the same segments from the event's
// start reaches the same instruction with the same registers, because the replay is
// deterministic and each segment is counted from the end of the previous one, whatever else the
// debugger has inserted meanwhile (ReplayDebugEngine keeps extra breakpoints transparent).
//
// Counting rules (kept identical by the forward engine and by seeks):
// - an *arrival* at A is the task's rip becoming A; the arrival the previous segment ended on
//   (or the event began on) is not counted again;
// - a watchpoint trap is counted when the hardware reports it (after the access);
// - a step executes one instruction of the event's task (breakpoints under it are carried over).
//
// `registers` are a check: reaching the position again must give the same registers.
import SwrrTracee

public struct ReplayPosition: Equatable, CustomStringConvertible {
    public enum Segment: Equatable {
        /// Run until the task reaches this address for the n-th time, stopped before it executes.
        case arrival(UInt64, Int)
        /// Run until this hardware watchpoint fires for the n-th time.
        case watch(Watchpoint, Int)
        /// Single-step this many instructions.
        case steps(Int)
        /// Run until the task reaches `registers.rip` with exactly these registers, the first
        /// time since the previous segment (where a pause interrupted a computation: without a
        /// tick counter, the registers are what identifies that point).
        case state(Registers)
        /// Run until the task is in exactly this state (registers, FP state, writable memory:
        /// StateSignature), found by PointSearch. Where the replay took a checkpoint in the middle
        /// of a long stretch without events (StretchCheckpoints.swift). The first segment of a
        /// path whenever present: a state occurs once in an event (a deterministic run that came
        /// back to the same whole state would loop for ever), so it names the point by itself,
        /// and what follows is counted from it.
        case signature(StateSignature)
    }

    /// Events replayed before this point.
    public var event: Int
    /// The recorded tid of the task stopped there (the event's task in the middle of an event).
    public var tid: Int32
    /// What the event's task ran since the event began (empty: the event boundary).
    public var path: [Segment]
    /// The stopped task's registers, when known: a check for whoever reaches it again.
    public var registers: Registers?

    public init(event: Int, tid: Int32, path: [Segment] = [], registers: Registers? = nil) {
        self.event = event
        self.tid = tid
        self.path = path
        self.registers = registers
    }

    /// The brief form: the `hits`-th time `rip` was reached since `event` began.
    public init(event: Int, tid: Int32, rip: UInt64, hits: Int, registers: Registers? = nil) {
        self.init(event: event, tid: tid, path: [.arrival(rip, hits)], registers: registers)
    }

    public var isEventBoundary: Bool { path.isEmpty }

    /// The state signature this position is counted from (its first segment), if any.
    public var signature: StateSignature? {
        if case .signature(let s)? = path.first { return s }
        return nil
    }

    /// Exactly a signature (a checkpoint inside a stretch).
    var isSignaturePoint: Bool { path.count == 1 && signature != nil }

    /// This position followed by one more segment (merged with the last one when they count the
    /// same thing: two "first arrivals at A" in a row are the second arrival at A).
    func appending(_ s: Segment) -> ReplayPosition {
        var p = self
        if case .signature = s {
            p.path = [s]   // a signed state names the point by itself
            return p
        }
        switch (p.path.last, s) {
        case (.arrival(let a, let n)?, .arrival(let b, let m)) where a == b:
            p.path[p.path.count - 1] = .arrival(a, n + m)
        case (.watch(let a, let n)?, .watch(let b, let m)) where a == b:
            p.path[p.path.count - 1] = .watch(a, n + m)
        case (.steps(let n)?, .steps(let m)):
            p.path[p.path.count - 1] = .steps(n + m)
        default:
            p.path.append(s)
        }
        return p
    }

    /// How far a replay standing at `self` has come along `target`'s path, when `target` is
    /// reached from here by running on (same event and task, and this path a beginning of that
    /// one): the index of the segment under way and its count so far (index == target's count:
    /// this is the target). nil otherwise.
    func progress(towards target: ReplayPosition) -> (segment: Int, count: Int)? {
        guard event == target.event, target.tid == 0 || tid == target.tid else { return nil }
        let k = path.count
        if k == 0 { return (0, 0) }
        guard k <= target.path.count, Array(path.prefix(k - 1)) == Array(target.path.prefix(k - 1)) else { return nil }
        let (m, n): (Int, Int)
        switch (path[k - 1], target.path[k - 1]) {
        case (.arrival(let a, let x), .arrival(let b, let y)) where a == b: (m, n) = (x, y)
        case (.watch(let a, let x), .watch(let b, let y)) where a == b: (m, n) = (x, y)
        case (.steps(let x), .steps(let y)): (m, n) = (x, y)
        case (let a, let b) where a == b: return (k, 0)
        default: return nil
        }
        guard m <= n else { return nil }
        return m == n ? (k, 0) : (k - 1, m)
    }

    /// The same point, compared without the registers.
    func samePoint(_ o: ReplayPosition) -> Bool { event == o.event && path == o.path }

    public var description: String {
        if path.isEmpty { return "event \(event)" }
        let segs = path.map { s -> String in
            switch s {
            case .arrival(let a, let n): return "arrival \(n) at 0x\(String(a, radix: 16))"
            case .watch(let w, let n): return "watchpoint 0x\(String(w.address, radix: 16)) trap \(n)"
            case .steps(let n): return "\(n) step\(n == 1 ? "" : "s")"
            case .state(let r): return "the state at 0x\(String(r.rip, radix: 16))"
            case .signature(let g): return "the signed state at 0x\(String(g.registers.rip, radix: 16))"
            }
        }
        return "event \(event), task \(tid): " + segs.joined(separator: ", then ")
    }
}
