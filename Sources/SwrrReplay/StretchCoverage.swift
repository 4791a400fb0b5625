// Which functions each stretch between stretch checkpoints can have run (issue 16, reverse
// rows), so that a reverse-continue skips the stretches that cannot hold a hit of its
// breakpoints: no restore, no re-execution. Before, benchmarks/reverse's `break middle` set only
// at the end re-ran every stretch from the end back to middle's (half of a 7 s loop) only to
// prove there was no later hit.
//
// A stretch is the event's task running from one stretch checkpoint's state S_i (taken at the
// frontier, StretchCheckpoints.swift) to the next one's S_{i+1}, or to the event's end. From
// S_i on, every unit's entry holds an int3 of the replay's (a coverage int3); the first trap at
// an entry notes the unit and takes the int3 out (one stop per distinct unit per stretch: the
// rest of the stretch runs at native speed); the next stretch checkpoint puts back those that
// trapped. A stretch's summary is the units entered plus the units on the stack at S_i (a
// function on the stack runs again after its callee returns, without entering). The replay is
// deterministic, so a complete summary stays true for every later replay of that stretch.
//
// Units are the debugger's (SwrrDebugger hands them over, `CoverageSource`: SwrrReplay does not
// read DWARF): DWARF subprograms of every module that has DWARF, code the compiler enters only at
// its entry (a hot/cold split is one unit); not ELF symbols (glibc's string functions jump into
// each other's bodies, and have no subprogram). The C library counts when its debug file is
// installed (libc6-dbg): gdb's own breakpoints (`break _exit`, ld.so's probes) are keys of every
// scan, and one in no unit would keep every stretch. A breakpoint in no unit never lets a
// stretch be skipped, nor does a
// watchpoint (a write needs no function of ours), nor a stretch that is not known complete:
// not observed from its start (the part of an event before its first stretch checkpoint, a
// replay restored in the middle), a stack that could not be unwound to its outermost frame,
// more than `budget` distinct units entered (noting stops, the int3s go), an entry in writable
// code (a JIT's, left out of the units).
//
// The coverage int3s are invisible like the stretch int3s: kept apart from the client's in
// SoftwareBreakpoints (hidden from memory reads, erased from every checkpoint's copy: a restored
// replay has none, and never writable memory, so no memory digest sees them), each trap taken
// back before the engine sees it (TrapControl.classify), a breakpoint set at an armed entry
// takes the int3 over (and notes the unit when it traps) and gives it back when removed.
// SWRR_COVERAGE=0 turns it off.
//
// Cost, measured with benchmarks/reverse (release, load 8; 4234 units, the executable's and
// libc's and ld.so's): the forward `continue` used 7.00 s of CPU for 6.59 s native (1.06x; 1.03x
// with SWRR_COVERAGE=0): arming every entry at the first stretch checkpoint, a trap and a
// re-arm per function a stretch enters, the stack unwound at each stretch checkpoint, and
// every checkpoint's copy cleaned of the int3s (a page at a time, Breakpoints.erase); the
// checkpoints hold the code pages those writes made private (26 checkpoints: 32 MiB of their
// own instead of 4). `break middle` set only at the end: 8.84 s -> 0.82 s (on a 200-tick loop,
// SWRR_PROFILE=1: 4 stretches skipped, 2 scans instead of 6: the stretch holding the hit, and
// the part after the loop's event).
import Glibc
import SwrrTracee

/// The program's functions as the debugger's DWARF has them: each entered only at its entry.
public struct CoverageUnits: Sendable {
    /// Each unit's entry address (runtime).
    public let entries: [UInt64]
    /// Every range of every unit, by start, with its unit's index in `entries`.
    let ranges: [(range: Range<UInt64>, unit: Int)]
    let unitOfEntry: [UInt64: Int]

    public init(units: [(entry: UInt64, ranges: [Range<UInt64>])]) {
        entries = units.map(\.entry)
        var r: [(range: Range<UInt64>, unit: Int)] = []
        for (i, u) in units.enumerated() { for x in u.ranges where !x.isEmpty { r.append((x, i)) } }
        ranges = r.sorted { $0.range.lowerBound < $1.range.lowerBound }
        var m: [UInt64: Int] = [:]
        for (i, e) in entries.enumerated() { m[e] = i }
        unitOfEntry = m
    }

    /// The unit whose ranges hold `address` (the search of SwrrDebugInfo's UnitIndex, which
    /// this layer cannot import).
    func unit(containing address: UInt64) -> Int? {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].range.lowerBound <= address { lo = mid + 1 } else { hi = mid }
        }
        // Ranges of distinct functions do not overlap; a few back in case one nests in another.
        var i = lo - 1
        while i >= 0 && i >= lo - 4 {
            if ranges[i].range.contains(address) { return ranges[i].unit }
            i -= 1
        }
        return nil
    }
}

/// What the debugger layer tells the replay (ReplayDebugger.setCoverageSource), asked on the
/// engine thread with the task stopped; the argument is the recorded tid.
public struct CoverageSource {
    /// The units of the process of that thread (nil: none known).
    public var units: (Int32) -> CoverageUnits?
    /// The pc of every frame of the thread's stack, innermost first (frame 0's exact, the
    /// callers' their return addresses); nil unless unwound to the outermost frame.
    public var stack: (Int32) -> [UInt64]?

    public init(units: @escaping (Int32) -> CoverageUnits?, stack: @escaping (Int32) -> [UInt64]?) {
        self.units = units
        self.stack = stack
    }
}

final class StretchCoverage {
    /// SWRR_COVERAGE=0 turns it off.
    static let enabled = getenv("SWRR_COVERAGE").map { String(cString: $0) != "0" } ?? true
    /// Distinct units a stretch may enter before it is given up (unknown): each costs a trap
    /// (about 50 µs with the re-arm), and a stretch that runs so much code is one a
    /// breakpoint's function is likely in anyway.
    static let budget = 256
    /// Programs with more units than this are not covered (arming them all at the first stretch
    /// of each replayed process costs a write each).
    static let unitLimit = 50_000

    var source: CoverageSource?
    /// The units in use, by identity (a summary holds its table's unit indexes).
    final class Table {
        let units: CoverageUnits
        init(_ u: CoverageUnits) { units = u }
    }

    /// The process the coverage int3s are in, and their table.
    var armed: (tgid: Int32, table: Table)?
    /// Entries whose int3 a trap took out since they were last put back.
    var disarmed: Set<UInt64> = []

    /// The stretch under way, observed from its start `from`: the units known run so far (nil:
    /// unknown).
    struct Open {
        let event: Int
        let from: StateSignature
        let table: Table
        var units: Set<Int>?
    }
    var open: Open?

    /// A new replay (started, or restored from a checkpoint): it has no coverage int3s, and
    /// nothing of it was observed yet.
    func newReplay() {
        armed = nil
        disarmed = []
        open = nil
    }

    struct Summary {
        let from: StateSignature
        /// The next stretch checkpoint's state; nil: the event's end.
        let to: StateSignature?
        let units: Set<Int>?
        let table: Table
    }
    /// By event.
    private(set) var summaries: [Int: [Summary]] = [:]
    /// Stretches reverse-continues skipped so far.
    var skipped = 0

    /// An int3 at `address` trapped (a coverage int3, or a breakpoint's at an entry): its unit
    /// ran. False: the budget is exhausted, the int3s should go.
    func entered(_ address: UInt64) -> Bool {
        guard var o = open, o.units != nil,
              let u = o.table.units.unitOfEntry[address] else { return true }
        o.units!.insert(u)
        if o.units!.count > Self.budget { o.units = nil }
        open = o
        return o.units != nil
    }

    /// The stretch under way ends at `to` (nil: the end of `event`): its summary is kept when it
    /// was observed from its start in this replay.
    func close(to: StateSignature?, event: Int) {
        defer { open = nil }
        guard let o = open, o.event == event else { return }
        var list = summaries[event] ?? []
        list.removeAll { $0.from == o.from }
        list.append(Summary(from: o.from, to: to, units: o.units, table: o.table))
        summaries[event] = list
    }

    /// Whether the summaries show that a scan from the stretch checkpoint with state `from` in
    /// `event` up to `end` passes no hit of `keys`: every stretch from there to `end` known,
    /// and none of them ran a unit holding one of the breakpoints.
    func showsNoHit(event: Int, from: StateSignature, to end: ReplayPosition, keys: Set<Seek.Key>) -> Bool {
        guard Self.enabled, !keys.isEmpty else { return false }
        // Where the scan would stop: a later stretch checkpoint's state exactly, or anything
        // else up to the event's end (a point counted from a state may lie past the next
        // stretch checkpoint, when a scan named it from an earlier one: all the rest counts).
        var bound: StateSignature?
        if end.isEventBoundary {
            guard end.event == event + 1 else { return false }
        } else {
            guard end.event == event, let s = end.signature else { return false }
            if end.path.count == 1 { bound = s }
        }
        var cur = from
        var ran = Set<Int>()
        var table: Table?
        var steps = 0
        while true {
            steps += 1
            guard steps < 100_000, let s = summaries[event]?.last(where: { $0.from == cur }), let units = s.units,
                  table == nil || table === s.table else { return false }
            table = s.table
            ran.formUnion(units)
            if let b = bound, s.to == b { break }
            guard let next = s.to else {
                if bound == nil { break }
                return false
            }
            cur = next
        }
        guard let t = table else { return false }
        for k in keys {
            // A watchpoint's write needs no function of ours: never skipped for one.
            guard case .arrival(let a) = k, let u = t.units.unit(containing: a), !ran.contains(u) else { return false }
        }
        return true
    }
}

extension ReplayTimeline {
    /// A stretch checkpoint with state `sig` was just taken where task `t` (recorded `tid`)
    /// stands, at the frontier: the stretch before it ends here, the next begins.
    func coverageStretchStarted(_ t: ReplayTask, tid: Int32, sig: StateSignature) {
        let c = coverage
        guard StretchCoverage.enabled, let source = c.source else { return }
        c.close(to: sig, event: eventNumber)
        let tgid = t.task.tgid
        let table: StretchCoverage.Table
        if let a = c.armed, a.tgid == tgid {
            table = a.table
            for e in c.disarmed where !breakpoints.armCoverage(e, in: t.task) {
                c.armed = nil
                return
            }
        } else {
            guard let units = ReplayProfile.time("coverage units", { source.units(tid) }),
                  units.entries.count <= StretchCoverage.unitLimit else { return }
            // Only entries in code the program cannot rewrite without a syscall (no JIT page);
            // the rest are no units (no breakpoint there lets a stretch be skipped).
            guard let maps = try? t.task.mappings() else { return }
            let code = maps.filter { $0.permissions.hasPrefix("r-x") }.map { $0.start..<$0.end }
            var rangesOf: [Int: [Range<UInt64>]] = [:]
            for r in units.ranges { rangesOf[r.unit, default: []].append(r.range) }
            var kept: [(entry: UInt64, ranges: [Range<UInt64>])] = []
            for (i, e) in units.entries.enumerated() where code.contains(where: { $0.contains(e) }) {
                if breakpoints.armCoverage(e, in: t.task) { kept.append((e, rangesOf[i] ?? [])) }
            }
            table = StretchCoverage.Table(CoverageUnits(units: kept))
            c.armed = (tgid, table)
        }
        c.disarmed = []
        var onStack: Set<Int>?
        if let pcs = ReplayProfile.time("coverage stacks", { source.stack(tid) }) {
            // Callers are looked up at their call (return address - 1).
            onStack = Set(pcs.enumerated().compactMap { i, pc in table.units.unit(containing: i == 0 ? pc : pc &- 1) })
        }
        c.open = StretchCoverage.Open(event: eventNumber, from: sig, table: table, units: onStack)
    }

    /// The event under way was replayed to its end (`eventNumber` is the next one now).
    func coverageEventDone() {
        guard coverage.open != nil else { return }
        coverage.close(to: nil, event: eventNumber - 1)
    }

    /// An int3 trapped at `address` in task `t`: a coverage int3 is taken out (true: the trap
    /// is nothing else's); the entry is noted whoever's int3 it was.
    func coverageTrap(at address: UInt64, in t: ReplayTask) -> Bool {
        let c = coverage
        // Taken out even when nothing is covered any more: another process (a fork's child, a
        // process left behind by an exec or the budget) may still hold its int3s.
        let mine = breakpoints.disarmCoverage(address, in: t.task)
        guard c.armed != nil else { return mine }
        if mine { c.disarmed.insert(address) }
        if !c.entered(address) {
            // Over budget: the stretch is unknown, and runs on without traps.
            breakpoints.disarmAllCoverage(in: t.task)
            c.armed = nil
        }
        return mine
    }

    /// A breakpoint (the client's, or a stretch int3) at `address` is gone: a coverage int3 goes
    /// back there when it is an entry of the covered process.
    func coverageReleased(_ address: UInt64) {
        guard let a = coverage.armed, a.table.units.unitOfEntry[address] != nil else { return }
        for t in addressSpaces where t.tgid == a.tgid {
            if !breakpoints.armCoverage(address, in: t) { coverage.open?.units = nil }
        }
    }

    /// Whether a scan from `cp` up to `end` can be skipped: `cp` is a stretch checkpoint and the
    /// summaries show no hit of `keys` from there to `end` (StretchCoverage.showsNoHit).
    func coverageSkips(from cp: Checkpoint, to end: ReplayPosition, keys: Set<Seek.Key>) -> Bool {
        guard cp.position.isSignaturePoint, let sig = cp.position.signature else { return false }
        return coverage.showsNoHit(event: cp.position.event, from: sig, to: end, keys: keys)
    }
}
