// Reaching a point recorded as (instruction, registers), or as a state signature: where a held
// signal was delivered in the middle of a computation, or where a thread was switched away from
// at the end of its slice (DESIGN.md §2, docs/POSITIONS.md). The point is the first moment after
// the task's previous event at which rip and all registers are the recorded ones and, with a
// signature, the progress words, the FP state and the memory digest too: an arrival whose
// registers match but whose digest differs is another pass of the same loop, passed over. No
// arrival that matches before the task's next event (a syscall stop, the trap's budget, the
// breakpoint's limit) is a divergence reported with the event number, never a silent stop.
//
// Two ways, cheapest first:
// 1. A hardware execution breakpoint (DR0) at the instruction and a register comparison at every
//    hit: one ptrace stop (≈45 µs) per pass. Spin points match at their first hit, and most
//    other points within a few.
// 2. After `breakpointHitsBeforeTrap` hits, if the instruction can carry a 5-byte jump
//    (RegisterMatchTrap.canPatch): the in-tracee register-matching trap, which compares the
//    registers inside the tracee at native speed and only stops on a match (measured with
//    benchmarks/point-search: ≈1.8×10^8 passes/s against 16,000–22,000 breakpoint hits/s).
// A counting search (`Counting`, for reverse execution: CountedArrivals.swift) installs the trap
// at once and counts with it: to the n-th pass (its countdown), or to the state with the passes
// it took.
// Points at other instructions (short ones, jumps) stay with the breakpoint, bounded by
// SWRR_SEARCH_LIMIT hits. SWRR_FAST_SEARCH=0 turns the trap off, leaving only the breakpoint.
// So do points in writable code (a JIT's): measured with jit_loop rwx (docs/POSITIONS.md), the
// program rewrites code under the jump without a syscall and the copy dies of SIGSEGV. A
// signature with progress words installs the trap at the first hit: every pass of a loop whose
// progress is in memory matches the registers, and each would cost a digest.
//
// Under a debugger with breakpoints, watchpoints or a step armed, the trap is supervised: every
// stop of the task goes to the debugger first (its breakpoint hits are stops for the user, or
// counts of a silent replay), and the program's own instruction is put back at P whenever the
// debugger may show the program (a stop it reports) or single-steps it, the jump returning when
// the task runs freely again. A stop or step that lands on the point itself ends the search.
// With nothing armed the debugger is detached during the search instead (it cannot stop the
// task before the point).
//
// The breakpoint of way 1 shares the debug registers with the debugger's watchpoints
// (SearchBreakpointHost, Watchpoints.swift): DR0 is the search's, the debugger's slots stay
// armed, and a watchpoint trap on the way is a stop of the debugger's like a breakpoint hit (the
// search stays under way as data). When the debugger holds all four registers the search starts
// with the trap at once (supervised), or says why it cannot look for the point.
import Glibc
import SwrrKernel
import SwrrTracee

/// Whoever else drives the replayed tasks (a debugger) says how code may be patched for a
/// search: detached, while nothing of theirs can stop the task before the point; else
/// supervised, as long as none of their breakpoints is inside the patch.
protocol CodePatchPolicy: AnyObject {
    func allowsCodePatch(for task: ReplayTask) -> Bool
    func hasCode(in range: Range<UInt64>) -> Bool
}

/// A debugger holding debug registers: the search's execution breakpoint is programmed beside
/// its slots rather than over them, so its watchpoints keep trapping during the search.
protocol SearchBreakpointHost: AnyObject {
    /// Arms the search's breakpoint at `address` in `task`; false when the debugger holds the
    /// search's slot (nothing armed).
    func armSearchBreakpoint(at address: UInt64, in task: ReplayTask) throws -> Bool
    /// Removes it (DR7 cleared until the debugger's next resume re-programs its slots).
    func disarmSearchBreakpoint(in task: ReplayTask)
}

/// The search's execution breakpoint at the point: alone in DR0 without a debugger, beside the
/// debugger's slots with one.
private struct SearchBreakpoint {
    let task: ReplayTask
    let host: SearchBreakpointHost?

    /// False when the debugger holds every debug register.
    func set(_ address: UInt64) throws -> Bool {
        if let host { return try host.armSearchBreakpoint(at: address, in: task) }
        try HardwareBreakpoint(task: task.task).set(address)
        return true
    }

    func clear() {
        if let host { host.disarmSearchBreakpoint(in: task) } else { HardwareBreakpoint(task: task.task).clear() }
    }
}

extension ReplaySession {
    /// The register-matching trap of a supervised search under way.
    var searchTrap: RegisterMatchTrap? { pointSearch?.trap }

    /// Runs the task to the first point where rip and all registers equal `target`, and leaves
    /// it stopped there. False when a stop of the debugger's came first (`trapped`): the search
    /// stays in `pointSearch`, and the next call for the same point goes on with it.
    /// `counting`: see PointSearch.Counting (the search's `arrivals` then says how many it
    /// passed, `lastSearchArrivals` after it ends).
    func runTo(_ t: ReplayTask, _ target: Registers, signature: StateSignature? = nil, counting: PointSearch.Counting? = nil,
               what: String) throws -> Bool {
        if let s = pointSearch, s.task !== t || s.target != target || s.signature != signature || s.counting != counting {
            s.abandon()
            pointSearch = nil
        }
        let search = pointSearch ?? PointSearch(session: self, task: t, target: target, signature: signature,
                                                counting: counting, what: what)
        pointSearch = search
        let reached: Bool
        do {
            reached = try ReplayProfile.time("point search runs") { try search.run() }
        } catch {
            search.reportFailure()
            pointSearch = nil
            throw error
        }
        if reached {
            pointSearch = nil
            lastSearchArrivals = search.arrivals
        }
        return reached
    }
}

/// A search under way for a point, as data: a stop of the debugger's in the middle of it ends
/// `ReplaySession.step` early, and the next step goes on with the same count and the same trap.
final class PointSearch {
    /// How many breakpoint hits `runTo` may take (≈ 50 µs each here) before it gives up.
    static let searchLimit: Int = {
        if let v = getenv("SWRR_SEARCH_LIMIT"), let n = Int(String(cString: v)), n > 0 { return n }
        return 2_000_000
    }()

    /// Passes through the instruction the trap may take: as long as `searchLimit` breakpoint hits
    /// would last, a stub pass costing about 1/10,000 of a ptrace stop.
    static var trapBudget: UInt64 { UInt64(searchLimit) * 10_000 }

    /// Whether the register-matching trap may be used (SWRR_FAST_SEARCH=0 says no).
    static let fastSearch: Bool = {
        if let v = getenv("SWRR_FAST_SEARCH") { return String(cString: v) != "0" }
        return true
    }()

    /// Arrivals with the recorded registers and progress words but another state (each costs a
    /// digest of the process's memory) before the search is given up as a divergence. The
    /// registers and words are there to make such arrivals rare; where they are not (a position
    /// whose words repeat at every round of an outer loop, ProgressWordFinder.outerPass), a
    /// search went on for every round before the position: `openssl speed md5` recordings of
    /// millions of rounds replayed for more than 300 s without an end. At most `searchLimit` /
    /// 200 (10,000 by default): measured, 10,000 digests of openssl's 580 KB took 8.6-12.4 s
    /// (debug build, load average 5); a JVM's take 38-42 ms each (docs/POSITIONS.md).
    static var passedOverLimit: Int { max(100, searchLimit / 200) }

    /// Breakpoint hits before the trap is installed: installing costs two injected syscalls
    /// (≈0.5 ms), so points found within a few hits (spin points: at the first) skip it.
    static let breakpointHitsBeforeTrap = 16

    /// SWRR_SEARCH_REPORT=1: replay says on stderr how it found each point (tests, benchmarks).
    static let reportSearch = getenv("SWRR_SEARCH_REPORT").map { String(cString: $0) == "1" } ?? false

    /// A search that counts the passes through the instruction with the stub from the start
    /// (no breakpoint hits first), for reverse execution from a point deep in a loop
    /// (ReverseExecution.swift's counted segments): the position's arrival count is what it needs.
    enum Counting: Equatable {
        /// The n-th pass through target.rip (the stub's countdown; the other registers of
        /// `target` are not compared).
        case pass(UInt64)
        /// The state `target`, and how many passes it took (`arrivals`).
        case arrivals
    }

    unowned let session: ReplaySession
    let task: ReplayTask
    let target: Registers
    let counting: Counting?
    /// With `counting`, once found: the arrivals at target.rip up to the point, the one the task
    /// stood on when the search began not counted (ReplayPosition's counting rules).
    private(set) var arrivals: Int?
    /// The task stood at target.rip when the trap went in: the stub's first pass is that arrival.
    private var stoodAtPoint = false
    /// The recorded state (target's registers, progress words, FP and memory digests), when the
    /// point was recorded as a position.
    let signature: StateSignature?
    let what: String
    let started = ContinuousClock.now
    /// Breakpoint hits so far.
    private(set) var hits = 0
    /// Arrivals whose registers and progress words matched but whose state (FP or memory
    /// digest) did not.
    private(set) var passedOver = 0
    /// The register-matching trap of a supervised search, installed.
    private(set) var trap: RegisterMatchTrap?
    /// The state of the last arrival that matched the registers but not the whole state.
    private var lastMismatch: (state: StateSignature.Observed, buffers: [UInt8])?
    /// The arrival the task stands on was checked already: the hardware breakpoint trapped there
    /// and the debugger's int3 at the same instruction then stopped the task before it ran.
    private var arrivalChecked = false
    /// The last resume went on from a checked arrival with RF (the next trap at the instruction,
    /// if the debugger's int3, belongs to that arrival).
    private var resumedPastArrival = false
    /// SWRR_SEARCH_REPORT=1: the breakpoint hit whose registers came closest to the target (the
    /// fewest differing registers), and the last arrival passed over and why: what a failed
    /// search says about the recorded point (docs/CHAOS.md's measurements).
    private var closest: (hit: Int, differences: [String])?
    private var lastPassedOver: String?
    /// Passes through the trap when it was removed.
    private var trapPasses: UInt64 = 0
    /// The task's signal mask when the search began: each breakpoint hit and stub trap is a
    /// forced SIGTRAP, which the kernel unblocks (the recorder puts the mask back after its
    /// analysis the same way: SlicePreemption.swift).
    private var mask: UInt64?

    init(session: ReplaySession, task: ReplayTask, target: Registers, signature: StateSignature? = nil,
         counting: Counting? = nil, what: String) {
        self.session = session
        self.task = task
        self.target = target
        self.signature = signature
        self.counting = counting
        self.what = what
    }

    /// What the memory digest leaves out: the syscall buffers registered so far (as the
    /// recorder did) and the stub page of a trap.
    private func excluded(_ trap: RegisterMatchTrap?) -> [Range<UInt64>] {
        SyscallBufferLayout.bufferRanges(session.registeredBuffers) + (trap.map { [$0.stubRange] } ?? [])
    }

    /// Whether the task, at an arrival at the point whose registers `regs` match the target,
    /// is at the recorded state (always, without a signature). With a trap the program's own
    /// instruction is put back at P while the memory is digested: the recording had it there.
    private func stateMatches(_ regs: Registers, trap: RegisterMatchTrap?) throws -> Bool {
        guard let sig = signature else { return true }
        // The progress words first (a breakpoint hit in a loop counting in memory matches the
        // registers at every pass): only an arrival at the recorded pass is digested.
        for w in sig.words {
            let bytes = try task.task.readMemory(w.address, count: 8)
            let value = bytes.reversed().reduce(UInt64(0), { $0 << 8 | UInt64($1) })
            if value != w.value {
                if Self.reportSearch { lastPassedOver = "word [\(hex(w.address))] = \(value) (recorded \(w.value))" }
                return false
            }
        }
        let wasPatched = trap?.isPatched ?? false
        try trap?.unpatch()
        defer { if wasPatched { try? trap?.patch() } }
        let compared = try ReplayProfile.time("point search state checks") {
            try sig.compare(task.task, registers: regs, excluding: excluded(trap), otherStacks: session.tasks.otherStacks(of: task))
        }
        guard let observed = compared else { return true }
        passedOver += 1
        if Self.reportSearch {
            lastPassedOver = "FP digest \(hex(observed.fpDigest)) (recorded \(hex(sig.fpDigest)))"
                + (observed.memory.map { ", memory digest \(hex($0.value)) over \($0.bytes) bytes (recorded \(hex(sig.memory.value)) over \(sig.memory.bytes))" } ?? "")
        }
        // Between two arrivals nothing but this thread runs, so an arrival whose whole state
        // (registers, FP, memory) equals the previous one's starts the same stretch again: the
        // loop repeats forever and the recorded state is never reached (a pure spin whose memory
        // differs from the recording's in one word would otherwise search without end). The
        // digest leaves the syscall buffers out; their headers count here, since a buffered call
        // in the loop moves them and takes its next recorded result from there.
        // registeredBuffers holds every buffer the recording registered, in any process and
        // since (what the digest leaves out must be the recorder's set); here only the ones
        // mapped in this process count. Another process's buffer, one from before an exec, or
        // one a thread's end unmapped (libswrrpreload's end_thread) is not there to read:
        // measured, `go build` then the built static program failed 2 of 3 replays at a
        // position of the program reading a buffer of a go tool thread ("cannot read 64
        // bytes"), progress/ended_buffers.c (threads' buffers, then an exec) 2 of 2, valgrind's
        // launcher's buffer read in the tool's process after its exec. Whether an address is
        // mapped cannot change between two arrivals (no syscall between them), so an unmapped
        // buffer reads as nothing at every arrival alike.
        let buffers = session.registeredBuffers.sorted().flatMap {
            (try? task.task.readMemory($0, count: SyscallBufferLayout.headerSize)) ?? []
        }
        if let memory = observed.memory, let last = lastMismatch, last.state == observed, last.buffers == buffers {
            let digests = "memory digest \(hex(memory.value)) (recorded \(hex(sig.memory.value))), " +
                "FP digest \(hex(observed.fpDigest)) (recorded \(hex(sig.fpDigest)))"
            throw session.diverge("\(what) at \(place) is never reached: the task comes back to the same state at every pass, \(digests)")
        }
        lastMismatch = (observed, buffers)
        if passedOver >= Self.passedOverLimit {
            throw session.diverge("cannot find \(what) at \(place): \(passedOver) arrivals had its registers and progress words " +
                                  "but another state (the last: memory digest \(observed.memory.map { hex($0.value) } ?? "not taken") " +
                                  "(recorded \(hex(sig.memory.value))), FP digest \(hex(observed.fpDigest)) (recorded \(hex(sig.fpDigest)))): " +
                                  "the recorded words do not tell its pass from the others, or this replay has left the recorded path " +
                                  "(set SWRR_SEARCH_LIMIT to search longer)")
        }
        return false
    }

    private func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    private var place: String { "0x\(String(target.rip, radix: 16))" }

    /// The search is dropped unfinished (its event was not completed here).
    func abandon() {
        trap?.remove()
        trap = nil
    }

    /// Goes on searching; true once the task is at the point, false when a stop of the
    /// debugger's came first.
    func run() throws -> Bool {
        let t = task
        if let trap = trap, let hook = session.debugHook { return try supervised(trap, by: hook) }
        if mask == nil { mask = try? t.task.signalMask() }
        if counting != nil { return try withCountingTrap() }
        if hits == 0, signature != nil {
            // The task may stand on the point already: the recording took two positions in a
            // row with no instruction between (chaos mode's 1 ms slices: a task given the slot
            // back and interrupted again at once). Resumed, it would pass it (the settled flags
            // may carry RF, which skips the breakpoint once). Measured: make -j2 -n --chaos,
            // two positions at 0x19d7a8c with one digest; the replay passed over 4 later arrivals
            // and diverged at the next syscall (1 of 5).
            let now = try t.task.registers()
            if HardwareBreakpoint.sameState(now, target) {
                if try stateMatches(now, trap: nil) {
                    try settle(at: now, how: "where the task stood")
                    return true
                }
                // Not it; the breakpoint may stop the task here once more at once, which is no
                // repetition of the loop.
                lastMismatch = nil
            }
        }
        let bp = SearchBreakpoint(task: t, host: session.debugHook as? SearchBreakpointHost)
        guard try bp.set(target.rip) else { return try withoutBreakpoint() }
        defer { bp.clear() }
        if arrivalChecked {
            // An instruction breakpoint traps before its instruction, an int3 when it runs: at a
            // point where the client has an int3 the hardware breakpoint traps first, then the
            // int3 (resumed with RF); resumed from the int3's stop without RF, the hardware
            // breakpoint would trap again at the same arrival, then the int3, for ever (measured:
            // busy_alarm with a breakpoint at the signal's instruction stopped at one iteration
            // at every continue). RF carries the task over it once.
            arrivalChecked = false
            var r = try t.task.registers()
            if r.rip == target.rip {
                r.eflags |= HardwareBreakpoint.resumeFlag
                try t.task.setRegisters(r)
            }
        }
        while true {
            let stopped = try session.resume(t, expecting: what) { stop in
                if case .signal(SIGTRAP) = stop { return true }
                return false
            }
            guard let regs = stopped else {
                if resumedPastArrival, case .breakpoint(let a)? = session.trapped?.kind, a == target.rip { arrivalChecked = true }
                resumedPastArrival = false
                return false
            }
            resumedPastArrival = false
            hits += 1
            ReplayProfile.count("point search breakpoint stops")
            if hits > Self.searchLimit {
                throw session.diverge("cannot find \(what) within \(Self.searchLimit) breakpoint hits at \(place): " +
                                      "the recording delivered it in the middle of a long computation without syscalls, " +
                                      "which only a performance counter could replay quickly (set SWRR_SEARCH_LIMIT to search longer)")
            }
            if HardwareBreakpoint.sameState(regs, target), try stateMatches(regs, trap: nil) {
                try settle(at: regs, how: "after \(hits) breakpoint hits")
                return true
            }
            if Self.reportSearch {
                let mask = ~(HardwareBreakpoint.resumeFlag | HardwareBreakpoint.trapFlag)
                var now = regs, wanted = target
                now.eflags &= mask
                wanted.eflags &= mask
                let d = now.differences(from: wanted)
                if closest == nil || d.count < closest!.differences.count { closest = (hits, d) }
            }
            let hitsBeforeTrap = signature?.words.isEmpty == false ? 1 : Self.breakpointHitsBeforeTrap
            if hits == hitsBeforeTrap, let mode = try trapMode(at: target.rip) {
                // The task stands at the instruction (this pass did not match): from here on
                // the tracee compares by itself. The stub's first pass is this same arrival,
                // whose state is then compared again: no repetition of the loop. Taken for one,
                // a search whose checked hit matched the registers and words but not the digest
                // ended there as "comes back to the same state at every pass", a false
                // divergence (the one `openssl speed sha256` reported at a position in `free`
                // whose words repeated at every round of its timed loop has that shape).
                lastMismatch = nil
                bp.clear()
                if let reached = try withTrap(mode) { return reached }
                _ = try bp.set(target.rip)
            }
            // Step past the breakpoint once (RF: resume flag) and keep going.
            var r = regs
            r.eflags |= HardwareBreakpoint.resumeFlag
            try t.task.setRegisters(r)
            resumedPastArrival = true
        }
    }

    /// The debugger holds all four debug registers, the search's DR0 with them: the trap from
    /// the start (it needs no hit at the point: installing it injects its syscalls at P), or a
    /// refusal that says what to do.
    private func withoutBreakpoint() throws -> Bool {
        // The injected syscalls run the instruction at P, where a debugger's execution
        // breakpoint would stop them: DR7 stays clear until the debugger's next resume.
        HardwareBreakpoint(task: task.task).clear()
        if let mode = try trapMode(at: target.rip), let reached = try withTrap(mode) { return reached }
        throw session.diverge("cannot look for \(what) at \(place): the debugger holds all four debug registers (DR0–DR3), " +
                              "the search's breakpoint needs DR0, and the instruction there cannot carry the register-matching trap; " +
                              "delete a watchpoint or hardware breakpoint and start again")
    }

    /// A counting search: the trap from the start, so that every arrival goes through the stub
    /// (a breakpoint hit before it would be one the stub does not count).
    private func withCountingTrap() throws -> Bool {
        HardwareBreakpoint(task: task.task).clear()
        stoodAtPoint = try task.task.registers().rip == target.rip
        var budget = Self.trapBudget
        if case .pass(let n) = counting { budget = n }
        guard budget > 0, let mode = try trapMode(at: target.rip), let reached = try withTrap(mode, budget: budget) else {
            throw DebuggerError.replay("cannot count the passes through 0x\(String(target.rip, radix: 16)) with the " +
                                       "register-matching trap (\(what))")
        }
        return reached
    }

    /// Installs the trap and searches with it in `mode`: whether the point was reached (false:
    /// a stop of the debugger's came first), nil when P cannot carry the trap.
    private func withTrap(_ mode: TrapMode, budget: UInt64 = trapBudget) throws -> Bool? {
        guard let trap = try RegisterMatchTrap.install(in: task.task, target: target, budget: budget,
                                                       words: signature?.words ?? []) else { return nil }
        switch mode {
        case .detached:
            try detached(trap)
            return true
        case .supervised(let hook):
            self.trap = trap
            return try supervised(trap, by: hook)
        }
    }

    private enum TrapMode {
        case detached, supervised(ReplayDebugHook)
    }

    /// How the trap may be used for a point at `p` (nil: not at all).
    private func trapMode(at p: UInt64) throws -> TrapMode? {
        guard Self.fastSearch else { return nil }
        // Never over code the program may rewrite without a syscall (a JIT's writable code).
        let maps = try task.task.mappings()
        let range = RegisterMatchTrap.patchedRange(at: p)
        if maps.contains(where: { $0.start < range.upperBound && range.lowerBound < $0.end && $0.permissions.dropFirst().first == "w" }) {
            return nil
        }
        guard let hook = session.debugHook else { return .detached }
        guard let policy = hook as? CodePatchPolicy else { return nil }
        // An int3 under the patch (a coverage int3 may be there with no breakpoint set) would
        // be copied into the stub.
        if policy.hasCode(in: RegisterMatchTrap.patchedRange(at: p)) { return nil }
        return policy.allowsCodePatch(for: task) ? .detached : .supervised(hook)
    }

    /// A counting search's arrivals when the stub has run `passes` times, the last at the point
    /// (`outside`: one more arrival, at P, that did not go through the stub).
    private func noteArrivals(_ passes: UInt64, outside: Bool = false) {
        let n = Int(clamping: passes) + (outside ? 1 : 0) - (stoodAtPoint ? 1 : 0)
        arrivals = max(n, 0)
    }

    /// The task is at the point, with the registers `state` (the recorded flags, which may differ
    /// in the resume and trap flags; a pass count's are the program's own).
    private func settle(at state: Registers, how: String) throws {
        var r = state
        if case .pass? = counting {} else { r.eflags = target.eflags }
        try task.task.setRegisters(r)
        if let mask { try task.task.setSignalMask(mask) }
        report(how)
    }

    /// The search with the trap installed; removes it on every way out.
    private func detached(_ trap: RegisterMatchTrap) throws {
        let t = task
        defer {
            trapPasses = (try? trap.passes()) ?? trapPasses
            trap.remove()
        }
        // The debugger has nothing armed (CodePatchPolicy) and must not see the task inside the
        // stub, where a pause (ReplayInterrupt.swift) could otherwise catch it: it is detached
        // until the trap is gone, and a pause asked for meanwhile is served at the next event
        // boundary, right after the search.
        let hook = session.debugHook
        session.debugHook = nil
        defer { session.debugHook = hook }
        while true {
            // Detached, no stop is the debugger's: resume returns at the stub's trap.
            guard let regs = try session.resume(t, expecting: what, { stop in
                if case .signal(SIGTRAP) = stop { return true }
                return false
            }) else { throw session.diverge("the search for \(what) was stopped by a debugger it was detached from") }
            switch try trap.classify(regs) {
            case .match(let state):
                guard try stateMatches(state, trap: trap) else {
                    try trap.continueAfterPartialMatch(regs)
                    continue
                }
                let passes = (try? trap.passes()) ?? 0
                noteArrivals(passes)
                trap.remove()
                return try settle(at: state, how: "after \(hits) breakpoint hits and \(passes) passes through the register-matching trap")
            case .partial:
                try trap.continueAfterPartialMatch(regs)
            case .exhausted:
                guard case .pass(let n)? = counting else { throw trapExhausted() }
                let state = try trap.stateAtExhaustion(regs)
                noteArrivals(n)
                trap.remove()
                return try settle(at: state, how: "at pass \(n) through the register-matching trap")
            case .foreign:
                throw session.diverge("expected \(what), but task \(t.task.tid) stopped with SIGTRAP at 0x\(String(regs.rip, radix: 16)) " +
                                      "while searching for it")
            }
        }
    }

    /// The search with the trap installed while the debugger has something armed: each resume
    /// is the debugger's (it may step over its breakpoints or single-step for the user), with the
    /// jump at P only while the task runs freely; each stop that is not the stub's goes to the
    /// debugger with the program's instruction back at P. Removes the trap on every way out but
    /// a stop the debugger claims (false: the search goes on from there at the next call).
    private func supervised(_ trap: RegisterMatchTrap, by hook: ReplayDebugHook) throws -> Bool {
        let t = task
        var interrupted = false
        defer {
            if !interrupted { abandon() }
        }
        let policy = hook as? CodePatchPolicy
        func found(_ state: Registers, _ how: String, outside: Bool = false) throws -> Bool {
            if counting != nil { noteArrivals((try? trap.passes()) ?? 0, outside: outside) }
            trap.remove()
            try settle(at: state, how: "after \(hits) breakpoint hits and " + how)
            return true
        }
        while true {
            // A step or a stop of the debugger's may have landed on the point itself.
            let now = try t.task.registers()
            if now.rip == target.rip && HardwareBreakpoint.sameState(now, target), try stateMatches(now, trap: trap) {
                return try found(now, "a stop of the debugger's on it", outside: true)
            }
            let mode = try hook.resumeMode(for: t)
            if mode != .sysemu, now.rip == target.rip, counting != nil, try trap.countPassOutside() {
                // The debugger single-steps the program's own instruction at P: a pass the stub
                // does not see, and the one counted to.
                return try found(now, "a pass counted outside the stub", outside: true)
            }
            if mode == .sysemu {
                if policy?.hasCode(in: trap.patchedRange) == true {
                    throw session.diverge("a breakpoint was set inside the instruction at \(place), where \(what) is due: " +
                                          "the replay cannot look for that point; remove the breakpoint and start again")
                }
                try trap.patch()
            } else {
                try trap.unpatch()
            }
            try t.task.resume(mode, signal: 0)
            let stop = try hook.waitForStop(of: t)
            // As in resume(): an asynchronous signal the replay did not ask for is not part of
            // the recorded execution.
            if ReplaySession.isUnaskedSignal(stop) { continue }
            if case .signal(SIGTRAP) = stop, trap.isPatched {
                let regs = try t.task.registers()
                switch try trap.classify(regs) {
                case .match(let state):
                    guard try stateMatches(state, trap: trap) else {
                        try trap.continueAfterPartialMatch(regs)
                        continue
                    }
                    let passes = (try? trap.passes()) ?? 0
                    return try found(state, "\(passes) passes through the register-matching trap (supervised)")
                case .partial:
                    try trap.continueAfterPartialMatch(regs)
                    continue
                case .exhausted:
                    guard case .pass(let n)? = counting else { throw trapExhausted() }
                    let state = try trap.stateAtExhaustion(regs)
                    return try found(state, "pass \(n) through the register-matching trap (supervised)")
                case .foreign:
                    break
                }
            }
            // The debugger's (a breakpoint, a watchpoint, a step), shown without the patch.
            try trap.unpatch()
            switch try hook.classify(stop, of: t) {
            case .resume:
                continue
            case .stop(let stopped):
                session.trapped = stopped
                interrupted = true
                return false
            case .notMine:
                throw session.unexpected(stop, of: t, expecting: what)
            }
        }
    }

    private func trapExhausted() -> Error {
        let digest = signature == nil ? "" : ", \(passedOver) arrival(s) with the recorded registers passed over by the state digest"
        return session.diverge("cannot find \(what) within \(Self.trapBudget) executions of the instruction at \(place) " +
                        "(\(hits) breakpoint hits, then the register-matching trap\(digest)): the point lies further, " +
                        "or this replay has left the recorded path (set SWRR_SEARCH_LIMIT to search longer)")
    }

    /// SWRR_SEARCH_REPORT=1: what the search saw before it failed.
    func reportFailure() {
        guard Self.reportSearch else { return }
        var line = "swrr: search for \(what) at \(place) failed after \(hits) breakpoint hit(s), \(trapPasses) pass(es) " +
            "through the trap, \(passedOver) arrival(s) passed over by the digest"
        if let c = closest { line += "; closest breakpoint hit #\(c.hit) differs in \(c.differences.count): " + c.differences.prefix(8).joined(separator: ", ") }
        if let p = lastPassedOver { line += "; last passed over: " + p }
        if let s = signature { line += "; recorded words " + s.words.map { "[\(hex($0.address))] = \($0.value)" }.joined(separator: ", ") }
        _ = (line + "\n").withCString { write(2, $0, strlen($0)) }
    }

    private func report(_ how: String) {
        guard Self.reportSearch else { return }
        let d = (ContinuousClock.now - started).components
        let ms = Int(d.seconds) * 1000 + Int(d.attoseconds / 1_000_000_000_000_000)
        let state = signature.map { " (a position, \($0.words.count) progress word(s), \(passedOver) arrival(s) passed over by the digest)" } ?? ""
        let line = "swrr: found \(what) at \(place) \(how)\(state), in \(ms) ms\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
