// The debugger's checkpoints (issue 5): which exist, which one a position is reached from, when
// the replay takes one by itself, and which go when there are too many.
//
// Automatic checkpoints are taken at event boundaries as the replay runs (forwards, or silently
// during reverse execution) once `interval` seconds of replay have passed since the nearest
// checkpoint before that point, so going back never re-executes much more than that from a
// recent point. Their number is bounded (`automaticLimit`): when one too many exists, the one whose
// removal leaves the smallest gap relative to its distance from the current point goes, so they
// stay dense near where the user is and thin out geometrically further away, as in rr. The
// checkpoint at the start of the recording always stays. Explicit checkpoints (`monitor
// checkpoint`) are never dropped automatically and are bounded separately (`explicitLimit`).
// Memory: a checkpoint costs the pages its frozen copies no longer share with anyone (measured
// from /proc/PID/smaps_rollup); automatic ones are dropped while all checkpoints together hold more
// than `memoryLimit`.
import Glibc
import SwrrTracee

/// What a client sees of a checkpoint.
public struct CheckpointInfo: Equatable, CustomStringConvertible {
    public var id: Int
    public var position: ReplayPosition
    /// Taken on request (true) or by the replay itself.
    public var explicit: Bool
    /// Frozen processes holding it (one per replayed process).
    public var processes: Int
    /// Memory it holds on its own (see SessionCheckpoint.memoryBytes).
    public var memoryBytes: Int

    public var description: String {
        "checkpoint \(id) at \(position)\(explicit ? "" : " (automatic)"): \(processes) process\(processes == 1 ? "" : "es"), " +
            "\(memoryBytes / 1024) KiB"
    }
}

/// What a scan knew at a breakpoint or watchpoint hit where it took a checkpoint: another scan
/// counting no other breakpoints or watchpoints can start there (ReverseExecution.lastHit), since
/// it then knows every count it keeps from the start of the event.
struct ScanStart {
    /// The breakpoints and watchpoints the scan counted.
    let keys: Set<Seek.Key>
    /// Their hits since the start of the checkpoint's event (absent: none).
    let counts: [Seek.Key: Int]
    /// The hit the checkpoint stands at.
    let hit: Seek.Key
    let reason: StopReason
}

final class Checkpoint {
    let id: Int
    let position: ReplayPosition
    let explicit: Bool
    let state: SessionCheckpoint
    /// Seconds of replay from the start of the recording to it.
    let cost: Double
    var memoryBytes: Int
    let scan: ScanStart?

    init(id: Int, position: ReplayPosition, explicit: Bool, state: SessionCheckpoint, cost: Double, scan: ScanStart?) {
        self.id = id
        self.position = position
        self.explicit = explicit
        self.state = state
        self.cost = cost
        self.scan = scan
        memoryBytes = state.memoryBytes()
    }

    var info: CheckpointInfo {
        CheckpointInfo(id: id, position: position, explicit: explicit, processes: state.processes.count,
                       memoryBytes: memoryBytes)
    }
}

final class CheckpointStore {
    /// 48: benchmarks/reverse's 7 s loop takes about 28 stretch checkpoints (StretchCheckpoints
    /// .swift) besides the boundaries' ones; with 24, thinning dropped the one its `break middle`
    /// stop was counted from, and going back to that stop re-ran the loop from an earlier one
    /// (5.8-12.7 s instead of 0.01 s at load 4-6). A frozen copy of a process costs only the pages
    /// it no longer shares (`memoryLimit` bounds them).
    static let automaticLimit = 48
    static let explicitLimit = 64
    static let memoryLimit = 1 << 30
    /// Seconds of replay between automatic checkpoints (at least).
    static let defaultInterval = 0.1
    var interval = CheckpointStore.defaultInterval

    /// By position (event).
    private(set) var all: [Checkpoint] = []
    private var nextId = 1

    // MARK: the replay clock

    /// Seconds of replay from the start of the recording to where the replay is (time spent
    /// stopped for the client does not count).
    private(set) var timeline: Double = 0
    private var runningSince: UInt64?

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    func run() {
        if runningSince == nil { runningSince = Self.now() }
    }

    func pause() {
        guard let since = runningSince else { return }
        timeline += Double(Self.now() - since) / 1e9
        runningSince = nil
    }

    /// The replay was moved to a point `cost` seconds into the timeline.
    func moved(to cost: Double) {
        timeline = cost
        lastTaken = cost
        if runningSince != nil { runningSince = Self.now() }
    }

    var current: Double {
        timeline + (runningSince.map { Double(Self.now() - $0) / 1e9 } ?? 0)
    }

    // MARK: finding

    /// The latest checkpoint from which `p` can be reached by running forward. Checkpoints
    /// inside an event serve only seeks that follow their path on (`midEvent`); a scan, which
    /// counts every breakpoint since its event began, starts at an event boundary.
    func nearest(atOrBefore p: ReplayPosition, midEvent: Bool = false) -> Checkpoint? {
        all.last { cp in
            cp.position.isEventBoundary ? cp.position.event <= p.event
                : midEvent && cp.position.progress(towards: p) != nil
        }
    }

    /// The latest checkpoint a scan counting `keys` can start from to scan up to `end`: an event
    /// boundary before it, or a hit of an earlier scan that counted at least those keys, before
    /// `end` by those counts.
    func scanStart(before end: ReplayPosition, keys: Set<Seek.Key>) -> Checkpoint? {
        all.last { cp in
            let p = cp.position
            if p.isEventBoundary { return end.isEventBoundary ? p.event < end.event : p.event <= end.event }
            if p.isSignaturePoint, let sig = p.signature {
                // A stretch checkpoint: a scan from it counts from its state, whatever the keys.
                if p.event < end.event { return true }
                guard p.event == end.event, let e = end.signature else { return false }
                if e == sig { return end.path.count > 1 }
                guard let order = stretchOrder[p.event], let i = order.firstIndex(of: sig),
                      let j = order.firstIndex(of: e) else { return false }
                return i < j
            }
            guard let scan = cp.scan, keys.isSubset(of: scan.keys), p.event <= end.event else { return false }
            if p.event < end.event { return true }
            switch end.path.first {
            case .arrival(let a, let n)?: return scan.keys.contains(.arrival(a)) && scan.counts[.arrival(a), default: 0] < n
            case .watch(let w, let n)?: return scan.keys.contains(.watch(w)) && scan.counts[.watch(w), default: 0] < n
            default: return false
            }
        }
    }

    /// The latest checkpoint strictly before the boundary of event `event`, or at it when
    /// `inclusive`.
    func latest(before event: Int, inclusive: Bool) -> Checkpoint? {
        all.last { $0.position.isEventBoundary && (inclusive ? $0.position.event <= event : $0.position.event < event) }
    }

    func checkpoint(id: Int) -> Checkpoint? { all.first { $0.id == id } }

    /// Automatic checkpoints are taken (the default; SWRR_CHECKPOINTS=0 or the debugger's
    /// initializer turn them off, for comparisons).
    var automatic = true

    /// Whether an automatic checkpoint is due at the boundary of `event`.
    func isDue(event: Int) -> Bool {
        guard automatic else { return false }
        guard let prev = nearest(atOrBefore: ReplayPosition(event: event, tid: 0)) else { return true }
        return prev.position.event < event && current - prev.cost >= interval
    }

    // MARK: adding and dropping

    /// Notes how long taking one checkpoint lasted.
    func took(_ seconds: Double) {
        takingTime = takingTime == 0 ? seconds : 0.8 * takingTime + 0.2 * seconds
    }

    func add(_ state: SessionCheckpoint, at position: ReplayPosition, explicit: Bool, scan: ScanStart? = nil) throws -> Checkpoint {
        if explicit && all.filter(\.explicit).count >= Self.explicitLimit {
            state.discard()
            throw DebuggerError.refused("there are already \(Self.explicitLimit) explicit checkpoints")
        }
        let cp = Checkpoint(id: nextId, position: position, explicit: explicit, state: state, cost: current, scan: scan)
        nextId += 1
        // By event, the boundary first, then along the replay.
        func key(_ c: Checkpoint) -> (Int, Int, Double) { (c.position.event, c.position.isEventBoundary ? 0 : 1, c.cost) }
        let i = all.firstIndex { key($0) > key(cp) } ?? all.count
        all.insert(cp, at: i)
        lastTaken = cp.cost
        evict(keeping: cp)
        return cp
    }

    /// When the last checkpoint was taken or restored (timeline seconds).
    private(set) var lastTaken = -Double.infinity
    /// Seconds of replay between checkpoints taken at stops inside events (breakpoint hits of
    /// a scan, client stops): their position is one a later jump often goes to.
    var midEventInterval = 0.02

    /// Whether a checkpoint at a stop inside an event is due: `midEventInterval` after the last
    /// one, and at least ten times as long as taking one lasts (a scan through many hits spends
    /// at most a tenth of its time taking checkpoints).
    var isDueMidEvent: Bool {
        automatic && current - lastTaken >= max(midEventInterval, midEventInterval > 0 ? 10 * takingTime : 0)
    }
    /// How long taking a checkpoint lasted, recently (seconds, a moving average).
    private var takingTime = 0.0

    /// The stretch checkpoints' states of each event, in the order the replay reaches them
    /// (StretchCheckpoints.swift: known by construction, each appended where the replay was past
    /// the others).
    private(set) var stretchOrder: [Int: [StateSignature]] = [:]

    func noteStretch(_ sig: StateSignature, event: Int) {
        stretchOrder[event, default: []].append(sig)
    }

    /// The states of the stretch checkpoints the client's latest stops are counted from (at most
    /// `keptForStopsLimit`, the latest last): thinning keeps them, since every way back to such a
    /// stop starts there, and without it the stretch checkpoint's state is reached by re-running
    /// from an earlier checkpoint.
    private(set) var keptForStops: [StateSignature] = []
    static let keptForStopsLimit = 8

    /// A stop the client saw is counted from the stretch checkpoint with state `sig`.
    func keepForStop(_ sig: StateSignature) {
        keptForStops.removeAll { $0 == sig }
        keptForStops.append(sig)
        if keptForStops.count > Self.keptForStopsLimit { keptForStops.removeFirst() }
    }

    private func isKeptForStop(_ cp: Checkpoint) -> Bool {
        guard cp.position.isSignaturePoint, let sig = cp.position.signature else { return false }
        return keptForStops.contains(sig)
    }

    func remove(_ cp: Checkpoint) {
        if cp.position.isSignaturePoint, let sig = cp.position.signature {
            stretchOrder[cp.position.event]?.removeAll { $0 == sig }
        }
        all.removeAll { $0 === cp }
        cp.state.discard()
    }

    func removeAll() {
        for cp in all { cp.state.discard() }
        all = []
        stretchOrder = [:]
        keptForStops = []
    }

    var totalMemory: Int { all.reduce(0) { $0 + $1.memoryBytes } }

    /// Drops automatic checkpoints beyond the count and memory bounds (never `keep`, the one
    /// just taken).
    private func evict(keeping keep: Checkpoint) {
        var automatic: [Checkpoint] { all.filter { !$0.explicit } }
        while automatic.count > Self.automaticLimit + 1, dropOne(automatic, keeping: keep) {}
        // The memory of the older ones grows as the live replay writes to pages they share with
        // it: measured again now and then, and when the total looks high.
        adds += 1
        if adds % 8 == 0 || totalMemory > Self.memoryLimit / 2 {
            for cp in all { cp.memoryBytes = cp.state.memoryBytes() }
        }
        while totalMemory > Self.memoryLimit, dropOne(automatic, keeping: keep) {}
    }
    private var adds = 0

    /// Drops the automatic checkpoint whose removal leaves the smallest gap relative to its
    /// distance from the current point (never the first, at the start, nor the last, nor one the
    /// client's latest stops are counted from).
    private func dropOne(_ automatic: [Checkpoint], keeping keep: Checkpoint) -> Bool {
        guard automatic.count > 2 else { return false }
        let here = current
        var best: (score: Double, cp: Checkpoint)?
        for i in 1..<(automatic.count - 1) where automatic[i] !== keep && !isKeptForStop(automatic[i]) {
            let gap = max(automatic[i + 1].cost - automatic[i - 1].cost, 0)
            let score = gap / max(abs(here - automatic[i].cost), 0.001)
            if best == nil || score < best!.score { best = (score, automatic[i]) }
        }
        guard let b = best else { return false }
        remove(b.cp)
        return true
    }
}
