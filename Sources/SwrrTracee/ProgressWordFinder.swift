// The pass analysis that turns an interruption anywhere into a position the stub can find again
// (docs/POSITIONS.md): the task was stopped at pc X; its writable memory is copied, it runs to its
// next arrival at X (a hardware breakpoint, bounded in time), the memory is copied again, and the
// words that changed in that one pass are the progress words: the stub then traps only where they
// hold the values of that second arrival, which is the position recorded. No word changed and
// equal registers: X is a fixed point (every arrival is equivalent). X not reached again within
// `passTimeoutMs` of its CPU time: X is not in a short loop; the analysis starts again where the
// task stopped.
// Before that the task is single-stepped to the next instruction the stub's jump can replace
// (RegisterMatchTrap.canPatch): the pass analysis is about that instruction, and single steps are
// as deterministic as the run, so the position stays exact.
import Glibc
import SwrrKernel

public enum ProgressWordFinder {
    /// How long one pass may take, in ms of the task's CPU time (a tight loop's pass takes
    /// nanoseconds; the bound is for a task stopped outside any loop). CPU time, not wall-clock
    /// time: on a loaded machine a resumed task may wait longer than that for a CPU before it
    /// runs at all, and a pass bounded by wall-clock time then timed out in every attempt, in a
    /// loop of nanoseconds, leaving a position without progress words (`noLoop`) that replay can
    /// only search with a digest at every pass with equal registers. Measured: memory_spin nested
    /// -O2 under load 7-10, a replay that digested 24,000-55,000 arrivals in 60 s and timed out.
    public static let passTimeoutMs: Int32 = 2
    /// A run bounded in CPU time still ends after this many times its bound in wall-clock time:
    /// a task that sleeps in the kernel without a stop uses no CPU. At load 10 on these 2 cores a
    /// runnable task gets about a fifth of a CPU: 2 ms of CPU in about 10 ms.
    static let wallLimitFactor: Int32 = 50

    public struct Analysis: Sendable {
        /// The position: the task stands there when `analyze` returns.
        public var signature: StateSignature
        /// The registers at the first arrival (the interruption), and at the second, one pass
        /// later: equal when the loop keeps its progress only in memory (or nowhere).
        public var firstRegisters: Registers
        public var secondRegisters: Registers
        /// Every word the pass changed (up to the snapshot diff's limit), the best first.
        public var changed: [MemorySnapshot.Change]
        /// The words the outer stretch changed besides those (`outerPass`), the best first.
        public var outerChanged: [MemorySnapshot.Change]
        /// Attempts made (1 when the first pc was in a loop).
        public var attempts: Int
        /// Bytes copied per snapshot, and the wall time of the whole analysis.
        public var snapshotBytes: Int
        public var elapsedMs: Double

        public init(signature: StateSignature, firstRegisters: Registers, secondRegisters: Registers,
                    changed: [MemorySnapshot.Change], outerChanged: [MemorySnapshot.Change] = [], attempts: Int,
                    snapshotBytes: Int, elapsedMs: Double) {
            self.signature = signature
            self.firstRegisters = firstRegisters
            self.secondRegisters = secondRegisters
            self.changed = changed
            self.outerChanged = outerChanged
            self.attempts = attempts
            self.snapshotBytes = snapshotBytes
            self.elapsedMs = elapsedMs
        }

        /// No word changed and the registers are equal: the thread's state repeats.
        public var isFixedPoint: Bool {
            changed.isEmpty && HardwareBreakpoint.sameState(firstRegisters, secondRegisters)
        }
        /// The registers of the pass's two arrivals are equal: its progress is in memory only.
        public var registersCarryNoProgress: Bool {
            HardwareBreakpoint.sameState(firstRegisters, secondRegisters)
        }
    }

    public enum Outcome: Sendable {
        case position(Analysis)
        /// No arrival at the pc within `attempts` tries, or no instruction the stub can patch
        /// within reach: the state where the task stands, without progress words (registers and
        /// digest: exact, found again with a hardware breakpoint, one stop per arrival).
        case noLoop(StateSignature)
        /// A stop that is not ours came first (a signal, the task's end): the caller handles it.
        case interrupted(Stop)
        /// The caller's `refusing` named a reason against a position at `pc`, where the task
        /// stands, before anything was copied.
        case refused(pc: UInt64, reason: String)
    }

    /// Analyses `task`, stopped by the tracer at an arbitrary instruction (PTRACE_INTERRUPT or a
    /// stop like it: nothing pending). `excluded`: swrr's own ranges besides its fixed pages.
    /// `mode`: how the pass runs, .cont or .syscall (a recorder that traces every syscall must
    /// see one the pass reaches: its stop ends the analysis as `.interrupted`). `otherStacks`: the
    /// stack pointers of the process's other threads, stopped for the whole analysis (their dead
    /// stacks are zeros in the snapshots and the digest, as `task`'s). `refusing`: the caller's
    /// reason against a position at a pc (nil: none), asked where the position would be before
    /// any memory is copied, since the copies are the cost (node: two of 50 MB, 200-570 ms per
    /// analysis at load 8, where the check reads /proc/PID/maps once).
    public static func analyze(_ task: Task, excluding excluded: [Range<UInt64>] = [], otherStacks: [UInt64] = [],
                               attempts: Int = 3, passTimeoutMs: Int32 = passTimeoutMs, mode: ResumeMode = .cont,
                               refusing: (UInt64) throws -> String? = { _ in nil }) throws -> Outcome {
        let started = monotonicMs()
        func signHere() throws -> Outcome {
            let pc = try task.registers().rip
            if let reason = try refusing(pc) { return .refused(pc: pc, reason: reason) }
            return .noLoop(try signWhereItStands(task, excluding: excluded, otherStacks: otherStacks))
        }
        for attempt in 1...max(1, attempts) {
            switch try stepToPatchable(task) {
            case .reached: break
            case .notFound:
                // A loop of short instructions (imul, add, sub, jne: heartbeat's inner loop at
                // -O2) has none to single-step to: run to the first patchable instruction after
                // the loop instead (a hardware breakpoint, no code change).
                switch try runToPatchable(task, mode: mode, timeoutMs: passTimeoutMs) {
                case .reached: break
                case .notFound: return try signHere()
                case .timedOut: continue
                case .interrupted(let stop): return .interrupted(stop)
                }
            case .timedOut: continue
            case .interrupted(let stop): return .interrupted(stop)
            }
            let first = try task.registers()
            // The position is the second arrival at this pc (or, with no pass, where it stands).
            if let reason = try refusing(first.rip) { return .refused(pc: first.rip, reason: reason) }
            let before = try MemorySnapshot.take(task, excluding: excluded, deadBelow: first.rsp, otherStacks: otherStacks)
            let bp = HardwareBreakpoint(task: task)
            try bp.set(first.rip)
            let arrival = try nextArrival(task, at: first.rip, bp, from: first, mode: mode, cpuMs: passTimeoutMs)
            bp.clear()
            guard case .arrived(let second) = arrival else {
                if case .interrupted(let stop) = arrival { return .interrupted(stop) }
                continue
            }
            let rsp = second.rsp
            let copied = monotonicMs()
            let after = try MemorySnapshot.take(task, excluding: excluded, deadBelow: rsp, otherStacks: otherStacks)
            let copyMs = monotonicMs() - copied
            // Never a word in the dead stack at the position: `after` reads it as zeros whatever
            // the memory holds (MemoryDigest.swift), so a word the pass left there (a callee's
            // frame, when the second arrival is shallower than the first) would be signed as 0
            // where the memory is not, and the stub would never match. Measured: `make -j2` with
            // --chaos, positions in cc1 with words such as [0x7fffffffdf80] = 0 in 4 of 4
            // diverging replays, the search passing its instruction 2,000-34,000 times unmatched.
            let dead = WritableMemory.deadStacks(of: try task.mappings(), stackPointer: rsp, otherStacks: otherStacks)
            let changed = ranked(after.changes(since: before).filter { c in !dead.contains { $0.contains(c.address) } })
            if changed.isEmpty && HardwareBreakpoint.sameState(first, second) {
                // A fixed point: every arrival is equivalent, the one where the task stands will do.
                let signature = try StateSignature.of(task, words: [], memory: MemoryDigest.of(after))
                return .position(Analysis(signature: signature, firstRegisters: first, secondRegisters: second, changed: [],
                                          attempts: attempt, snapshotBytes: after.byteCount, elapsedMs: monotonicMs() - started))
            }
            // As long as a copy of the memory takes, and at least the pass's bound: a search
            // that passes over one arrival per stretch on replay then digests at most about as
            // long as the program runs.
            let stretchMs = Int32(min(Double(outerStretchMaxMs), max(Double(passTimeoutMs), copyMs)))
            switch try outerPass(task, at: second, pass: changed, after: after, excluding: excluded, otherStacks: otherStacks,
                                 stretchMs: stretchMs, passTimeoutMs: passTimeoutMs, mode: mode) {
            case .reached(let signature, let outer, let bytes):
                return .position(Analysis(signature: signature, firstRegisters: first, secondRegisters: second, changed: changed,
                                          outerChanged: outer, attempts: attempt, snapshotBytes: bytes,
                                          elapsedMs: monotonicMs() - started))
            case .timedOut: continue
            case .interrupted(let stop): return .interrupted(stop)
            }
        }
        return try signHere()
    }

    enum StepResult { case reached, notFound, timedOut, interrupted(Stop) }

    enum Arrival { case arrived(Registers), timedOut, interrupted(Stop) }

    /// Resumes `task` (from `from`, past the breakpoint there, when given) to its next arrival at
    /// `pc`, where `bp` is set, bounded by `cpuMs` of its CPU time (`waitRunning`); the breakpoint
    /// stays set, but for a timeout, after which the task is stopped where it ran to.
    static func nextArrival(_ task: Task, at pc: UInt64, _ bp: HardwareBreakpoint, from: Registers?, mode: ResumeMode,
                            cpuMs: Int32) throws -> Arrival {
        if let from {
            var resumed = from
            resumed.eflags |= HardwareBreakpoint.resumeFlag   // past the breakpoint where it stands
            try task.setRegisters(resumed)
        }
        try task.resume(mode)
        guard let stop = try waitRunning(task, cpuMs: cpuMs) else {
            bp.clear()
            let other = try stopAfterTimeout(task, mode: mode)
            // Again now that it is stopped: PTRACE_POKEUSER fails on a running task, and an
            // armed DR7 left behind traps the program later (measured: node killed by
            // SIGTRAP code 4 at the pass's pc in JIT code, recorded as its signal).
            bp.clear()
            if let other { return .interrupted(other) }
            return .timedOut
        }
        guard case .signal(SIGTRAP) = stop else { return .interrupted(stop) }
        let regs = try task.registers()
        guard regs.rip == pc else { return .interrupted(stop) }
        return .arrived(regs)
    }

    /// The longest outer stretch, in ms of the task's CPU time.
    public static let outerStretchMaxMs: Int32 = 20

    enum OuterPass {
        /// The position (the task stands there), the words the stretch changed besides the
        /// pass's, best first, and the bytes of its copy of memory.
        case reached(StateSignature, [MemorySnapshot.Change], Int)
        /// The instruction was not reached again after the stretch; the task stands where it ran to.
        case timedOut
        case interrupted(Stop)
    }

    /// The outer pass: the task stands at its pass's second arrival at its pc X, where `pass`
    /// are the words that pass changed and `after` the copy of memory there. The words of one
    /// pass are those of the innermost loop, and they may come back to the same values at every
    /// round of an outer loop whose own counter stays in memory: openssl speed's `for (count = 0;
    /// run; count++) MD5(buf, 64, md)` interrupted inside MD5 has the same registers and pass
    /// words at the same arrival of every call, only `count` (on the stack of the caller) tells
    /// the calls apart. Replay's stub then matched once per call, and each match cost a digest of
    /// the whole memory: measured, `openssl speed -seconds 1 -bytes 64 md5`, 2 of 6 replays still
    /// searching after 60 s (millions of calls before the position, a digest each), 4 found their
    /// position in 0.4-2.8 s (those whose pass crossed a call). So the task runs on for a
    /// stretch of `stretchMs` of its CPU time (as long as a copy of its memory takes: an outer
    /// round longer than that costs replay at most one digest per round), then to its next
    /// arrival at X, which is the position; the words the stretch changed besides the pass's are
    /// the outer loops' progress, and the signature carries both kinds.
    static func outerPass(_ task: Task, at second: Registers, pass: [MemorySnapshot.Change], after: MemorySnapshot,
                          excluding excluded: [Range<UInt64>], otherStacks: [UInt64], stretchMs: Int32,
                          passTimeoutMs: Int32, mode: ResumeMode) throws -> OuterPass {
        var resumed = second
        resumed.eflags |= HardwareBreakpoint.resumeFlag   // no breakpoint, but not a second stop at X either
        try task.setRegisters(resumed)
        try task.resume(mode)
        // Whatever stops the task before the stretch ends (a syscall under PTRACE_SYSCALL, a
        // signal, its end) is the caller's, as a stop during the pass is.
        if let stop = try waitRunning(task, cpuMs: stretchMs) { return .interrupted(stop) }
        if let other = try stopAfterTimeout(task, mode: mode) { return .interrupted(other) }
        let bp = HardwareBreakpoint(task: task)
        try bp.set(second.rip)
        defer { bp.clear() }
        // Standing at X after the interrupt, the breakpoint traps before X runs: that arrival counts.
        var here = second
        var roundPhase: [MemorySnapshot.Change] = []
        for arrival in 0..<phaseArrivals {
            switch try nextArrival(task, at: second.rip, bp, from: arrival > 0 ? here : nil, mode: mode, cpuMs: passTimeoutMs) {
            case .arrived(let r): here = r
            case .timedOut: return .timedOut
            case .interrupted(let stop): return .interrupted(stop)
            }
            // The same phase of a round as the pass's end: the registers, and the pass's words
            // that do not count (which the first arrival tells), as they were there.
            if arrival == 0 {
                roundPhase = pass.prefix(phaseWordLimit).filter { c in
                    guard let v = try? word(task, c.address) else { return false }
                    return !keptCounting(pass: c, stretch: MemorySnapshot.Change(address: c.address, old: c.new, new: v))
                }
            }
            if HardwareBreakpoint.sameState(here, second), roundPhase.allSatisfy({ (try? word(task, $0.address)) == $0.new }) { break }
        }
        bp.clear()
        let now = try MemorySnapshot.take(task, excluding: excluded, deadBelow: here.rsp, otherStacks: otherStacks)
        // No word in the dead stack here (the digest reads it as zeros), and no change of the
        // stretch in the dead stack at X's earlier arrival (`after` read zeros there: a deeper
        // frame here is no progress).
        let maps = try task.mappings()
        let dead = WritableMemory.deadStacks(of: maps, stackPointer: here.rsp, otherStacks: otherStacks)
            + WritableMemory.deadStacks(of: maps, stackPointer: second.rsp, otherStacks: otherStacks)
        let live = { (a: UInt64) in !dead.contains { $0.contains(a) } }
        let stretch = now.changes(since: after, limit: outerChangeLimit).filter { live($0.address) }
        let moved = Dictionary(stretch.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        let inner = Set(pass.map(\.address))
        let outer = rankedOuter(stretch.filter { !inner.contains($0.address) }, stack: liveStack(of: maps, stackPointer: here.rsp))
        // The pass's words with their values here: those that kept counting through the stretch
        // (the same way, further: `count` when the pass crossed a round), those the stretch
        // changed otherwise, and those it left as they were (which phase of the round).
        var counting: [ProgressWord] = [], changed: [ProgressWord] = [], phase: [ProgressWord] = []
        for c in pass where live(c.address) {
            guard let m = moved[c.address] else {
                phase.append(ProgressWord(address: c.address, value: c.new))
                continue
            }
            let word = ProgressWord(address: c.address, value: m.new)
            if Self.keptCounting(pass: c, stretch: m) { counting.append(word) } else { changed.append(word) }
        }
        let words = chosenWords(counting: counting, outer: outer.map { ProgressWord(address: $0.address, value: $0.new) },
                                others: changed + phase)
        let signature = try StateSignature.of(task, words: words, memory: MemoryDigest.of(now))
        return .reached(signature, outer, now.byteCount)
    }

    /// Arrivals at X after the stretch, at most, until one at the same phase of its round as the
    /// pass's end: the stretch's changes are then the outer loops' progress alone. At another
    /// phase they hold the phase too (a return address, a byte count within the round), which
    /// ranked before `count` in digest_alarm.c (2 of 6 recordings). Each is a ptrace stop
    /// (about 50 µs); a round with more arrivals than that ends the search where it stands.
    static let phaseArrivals = 64
    /// The pass's words compared for the phase, at most.
    static let phaseWordLimit = 8

    static func word(_ task: Task, _ address: UInt64) throws -> UInt64 {
        try task.readMemory(address, count: 8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// At most this many words the outer stretch changed are ranked (address order before).
    static let outerChangeLimit = 1 << 16

    /// The signature's words: the best counter of the pass first (the stub's pre-filter compares
    /// the first word alone: a counter of the innermost loop differs at nearly every pass), then
    /// up to two words only the stretch changed (outer counters), then the rest in that order,
    /// then the pass's other words. Measured on `openssl speed -bytes 64 md5` (the block function
    /// called twice per round): a pass from one call to the next across a round changed eight
    /// words, four by small steps up, `count` (+1) the last of those by address after a pointer
    /// and two lengths that alternate from call to call; the pass's order alone then took it
    /// fourth, or left it out for two words of a deeper frame.
    static func chosenWords(counting: [ProgressWord], outer: [ProgressWord], others: [ProgressWord]) -> [ProgressWord] {
        let words = counting.prefix(1) + outer.prefix(2) + counting.dropFirst() + outer.dropFirst(2).prefix(1) + others
        return Array(words.prefix(StateSignature.maxWords))
    }

    /// Whether a word the pass changed by `pass` went on the same way through the stretch
    /// (`stretch`, from the pass's end), further than one pass: a counter, where a word that
    /// alternates or is set anew each round (a pointer to one of two buffers, a byte count
    /// within the round) moves back or as far as in the pass.
    static func keptCounting(pass: MemorySnapshot.Change, stretch: MemorySnapshot.Change) -> Bool {
        let step = pass.new &- pass.old, further = stretch.new &- stretch.old
        let up = Int64(bitPattern: step) > 0
        guard up == (Int64(bitPattern: further) > 0) else { return false }
        return up ? further > step : (0 &- further) > (0 &- step)
    }

    /// The stack mapping `sp` points into, from `sp` up: where the callers' locals are.
    static func liveStack(of maps: [MapsLine], stackPointer sp: UInt64) -> Range<UInt64>? {
        maps.first { $0.start <= sp && sp < $0.end }.map { sp..<$0.end }
    }

    /// The outer stretch's changes, the best outer counters first: a small step up, then a
    /// small step down (as `ranked`), each in the live stack first (a caller's loop counter,
    /// or a callee-saved register holding it that a callee saved there), then by address. In the
    /// heap and the globals, what a stretch changes besides the pass is often the state of the
    /// computation at another phase of the same round (a digest context's byte count).
    static func rankedOuter(_ changes: [MemorySnapshot.Change], stack: Range<UInt64>?) -> [MemorySnapshot.Change] {
        func rank(_ c: MemorySnapshot.Change) -> Int {
            let up = c.new &- c.old, down = c.old &- c.new
            let onStack = stack?.contains(c.address) == true ? 0 : 1
            if up > 0 && up <= 1 << 16 { return onStack }
            if down > 0 && down <= 1 << 16 { return 2 + onStack }
            return 4 + onStack
        }
        return changes.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    /// The signature of `task` where it stands, without words. orig_rax is made -1 first: a
    /// task interrupted before it ran an instruction after a syscall (its slice ended at the
    /// call's exit) still has the call's number there, which the kernel keeps only to restart
    /// the call (and rax holds its result, no restart code); every arrival replay stops at is a
    /// debug exception's, with -1. Measured: make -j2 -n --chaos, positions after read (0) and
    /// readlink (0x59) differing from replay's breakpoint hit in orig_rax alone, 2 of 5 replays.
    static func signWhereItStands(_ task: Task, excluding excluded: [Range<UInt64>], otherStacks: [UInt64]) throws -> StateSignature {
        var regs = try task.registers()
        // (Not while a call waits to be restarted: the kernel restarts it from orig_rax.)
        if regs.origRax != UInt64.max, !regs.awaitsSyscallRestart {
            regs.origRax = UInt64.max
            try task.setRegisters(regs)
        }
        return try StateSignature.of(task, words: [], excluding: excluded, otherStacks: otherStacks)
    }

    /// At most this many instructions decoded ahead for `runToPatchable`.
    static let maxScan = 64

    /// `[pc]` when the stub can patch `pc`, else the first patchable instruction on each path
    /// ahead of it: both ways at conditional branches, into direct calls and past them, along
    /// `jmp rel`; a path ends at a return, an indirect branch or a trapping instruction. At most
    /// `decode` instructions are decoded and `limit` points returned. The straight path alone
    /// (`patchableAhead`) leaves a loop of short instructions by its exit, which the task
    /// reaches only when the whole loop is done (reverse_loop's inner loop falls through to
    /// after the outer one); the calls in the loop's body are reached every few milliseconds.
    public static func patchablePoints(in task: Task, from pc: UInt64, decode: Int = 256, limit: Int = 8) -> [UInt64] {
        if let (insn, _) = RegisterMatchTrap.instruction(in: task, at: pc), RegisterMatchTrap.canPatch(insn) { return [pc] }
        var found: [UInt64] = []
        var seen: Set<UInt64> = [pc]
        var queue: [UInt64] = [pc]
        var decoded = 0
        func rel(_ bytes: [UInt8], _ n: Int) -> Int64 {
            n == 1 ? Int64(Int8(bitPattern: bytes[bytes.count - 1]))
                : Int64(Int32(bitPattern: bytes.suffix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
        }
        while !queue.isEmpty, decoded < decode, found.count < limit {
            let at = queue.removeFirst()
            decoded += 1
            guard let (insn, bytes) = RegisterMatchTrap.instruction(in: task, at: at) else { continue }
            if at != pc && RegisterMatchTrap.canPatch(insn) {
                found.append(at)
                continue
            }
            let next = at &+ UInt64(insn.length)
            var successors: [UInt64] = []
            switch insn.effect {
            case .trap, .pushesFlags:
                break
            case .ordinary:
                successors = [next]
            case .branch:
                switch (insn.map, insn.opcode) {
                case (.primary, 0x70...0x7F), (.primary, 0xEB):
                    let target = next &+ UInt64(bitPattern: rel(bytes, 1))
                    successors = insn.opcode == 0xEB ? [target] : [next, target]
                case (.map0F, 0x80...0x8F), (.primary, 0xE8):
                    successors = [next, next &+ UInt64(bitPattern: rel(bytes, 4))]
                case (.primary, 0xE9):
                    successors = [next &+ UInt64(bitPattern: rel(bytes, 4))]
                default:
                    break
                }
            }
            for s in successors where seen.insert(s).inserted { queue.append(s) }
        }
        return found
    }

    /// The first instruction the stub can patch on the straight path from `pc` (falling through
    /// conditional branches and calls, following `jmp rel`), or nil before a return, an indirect
    /// branch, a trapping instruction or `maxScan` instructions.
    static func patchableAhead(in task: Task, from pc: UInt64) -> UInt64? {
        var at = pc
        for _ in 0..<maxScan {
            guard let (insn, bytes) = RegisterMatchTrap.instruction(in: task, at: at) else { return nil }
            if at != pc && RegisterMatchTrap.canPatch(insn) { return at }
            let next = at &+ UInt64(insn.length)
            switch insn.effect {
            case .trap, .pushesFlags:
                return nil
            case .ordinary:
                at = next
            case .branch:
                switch (insn.map, insn.opcode) {
                case (.primary, 0x70...0x7F), (.primary, 0xE8), (.map0F, 0x80...0x8F):
                    at = next                                   // jcc, call: on past them
                case (.primary, 0xEB):
                    at = next &+ UInt64(bitPattern: Int64(Int8(bitPattern: bytes[bytes.count - 1])))
                case (.primary, 0xE9):
                    let d = bytes.suffix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    at = next &+ UInt64(bitPattern: Int64(Int32(bitPattern: d)))
                default:
                    return nil
                }
            }
        }
        return nil
    }

    /// Runs `task` to the next arrival at the first patchable instruction ahead of it
    /// (`patchableAhead`), with a hardware breakpoint, bounded by `timeoutMs` of CPU time
    /// (`waitRunning`). The run is the
    /// program's own, as deterministic as single steps.
    static func runToPatchable(_ task: Task, mode: ResumeMode, timeoutMs: Int32) throws -> StepResult {
        let here = try task.registers()
        guard let q = patchableAhead(in: task, from: here.rip) else { return .notFound }
        let bp = HardwareBreakpoint(task: task)
        try bp.set(q)
        defer { bp.clear() }
        try task.resume(mode)
        guard let stop = try waitRunning(task, cpuMs: timeoutMs) else {
            bp.clear()
            if let other = try stopAfterTimeout(task, mode: mode) { return .interrupted(other) }
            return .timedOut
        }
        guard case .signal(SIGTRAP) = stop, try task.registers().rip == q else { return .interrupted(stop) }
        return .reached
    }

    /// At most this many single steps to an instruction the stub can replace.
    static let maxSteps = 64

    /// Single-steps `task` until it stands at an instruction RegisterMatchTrap can patch. Never
    /// over a syscall, a trapping instruction or pushf (the step would go
    /// unrecorded, trap, or push the trap flag into the program's stack).
    static func stepToPatchable(_ task: Task) throws -> StepResult {
        for _ in 0...maxSteps {
            let pc = try task.registers().rip
            guard let (insn, _) = RegisterMatchTrap.instruction(in: task, at: pc) else { return .notFound }
            if RegisterMatchTrap.canPatch(insn) { return .reached }
            guard insn.effect != .trap && insn.effect != .pushesFlags else { return .notFound }
            try task.resume(.singleStep)
            let stop = try task.wait()
            guard case .signal(SIGTRAP) = stop else { return .interrupted(stop) }
            var r = try task.registers()
            if r.eflags & HardwareBreakpoint.trapFlag != 0 {
                r.eflags &= ~HardwareBreakpoint.trapFlag
                try task.setRegisters(r)
            }
        }
        return .notFound
    }

    public enum Departure: Sendable {
        /// The task stands at the return address.
        case returned
        /// No return address to run to, or not reached within the time: the task stands
        /// somewhere further (or where it was).
        case stayed
        /// A stop that is not ours came first: the caller handles it.
        case interrupted(Stop)
    }

    /// Runs `task`, stopped in code its program may rewrite (a JIT's writable page), to the
    /// return address on top of its stack when `isFixedCode` says that address is code the
    /// program cannot rewrite without a syscall (a leaf JIT function returning to its compiled
    /// caller), with a hardware breakpoint, bounded by `timeoutMs` of CPU time (`waitRunning`).
    /// The run is the program's own.
    public static func runToReturnAddress(_ task: Task, mode: ResumeMode, timeoutMs: Int32,
                                          isFixedCode: (UInt64) -> Bool) throws -> Departure {
        let here = try task.registers()
        guard let b = try? task.readMemory(here.rsp, count: 8) else { return .stayed }
        let target = b.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard isFixedCode(target) else { return .stayed }
        let bp = HardwareBreakpoint(task: task)
        try bp.set(target)
        defer { bp.clear() }
        try task.resume(mode)
        guard let stop = try waitRunning(task, cpuMs: timeoutMs) else {
            bp.clear()
            if let other = try stopAfterTimeout(task, mode: mode) { return .interrupted(other) }
            return .stayed
        }
        guard case .signal(SIGTRAP) = stop, try task.registers().rip == target else { return .interrupted(stop) }
        return .returned
    }

    /// Changed words, the best progress words first: a small step up (a counter: 1 to 2^16),
    /// then a small step down, then the rest by address. A word that changed by a small monotonic
    /// step has a new value at every pass, so the stub matches it once; a word that alternates
    /// (a flag, a pointer swapped between two buffers) matches at many passes.
    static func ranked(_ changes: [MemorySnapshot.Change]) -> [MemorySnapshot.Change] {
        func rank(_ c: MemorySnapshot.Change) -> Int {
            let up = c.new &- c.old, down = c.old &- c.new
            if up > 0 && up <= 1 << 16 { return 0 }
            if down > 0 && down <= 1 << 16 { return 1 }
            return 2
        }
        return changes.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    /// After a pass timed out: the task is stopped (PTRACE_INTERRUPT) where it ran to; nil then,
    /// or the stop of something else that came first. A breakpoint trap that raced with the
    /// interrupt is let go: the analysis starts again from the interrupt's stop.
    /// si_code of a hardware breakpoint's SIGTRAP (TRAP_HWBKPT).
    static let trapHardwareBreakpoint: Int32 = 4

    private static func stopAfterTimeout(_ task: Task, mode: ResumeMode) throws -> Stop? {
        try task.interrupt()
        while true {
            let stop = try task.wait()
            switch stop {
            case .event(.stop):
                // The breakpoint may have fired after the interrupt was asked for: the kernel
                // reports the interrupt's stop first and keeps the SIGTRAP pending, to be
                // delivered at the next resume as if the program had trapped. Measured: cc1
                // killed by SIGTRAP (TRAP_HWBKPT) at the instruction of a position taken after
                // timed-out passes, in make -j2 -n --chaos (1 of 5 recordings), with the debug
                // registers already cleared. Taken here: its delivery stop comes before any
                // instruction runs, so the task stays where the interrupt stopped it.
                guard SignalPolicy.isPending(SIGTRAP, tid: task.tid) else { return nil }
                try task.resume(mode)
                let next = try task.wait()
                guard next == .signal(SIGTRAP), (try? task.siginfo())?.code == trapHardwareBreakpoint else { return next }
                return nil
            case .signal(SIGTRAP): try task.resume(mode)
            default: return stop
            }
        }
    }

    /// The next stop of `task`, just resumed, or nil once its process has used `cpuMs` of CPU
    /// time since the call (ProcessCPUTime) without one, or `wallLimitFactor` × `cpuMs` of
    /// wall-clock time have passed; the task then still runs. Where the process's clock cannot
    /// be read, `cpuMs` of wall-clock time. Each wait lasts the CPU time still missing, so on an
    /// idle machine it is one wait of `cpuMs`, as a wall-clock bound was.
    static func waitRunning(_ task: Task, cpuMs: Int32) throws -> Stop? {
        let start = monotonicMs()
        guard let cpu0 = ProcessCPUTime.ms(task.tgid) else { return try task.wait(timeoutMs: cpuMs) }
        let wallLimit = Double(cpuMs) * Double(wallLimitFactor)
        var slice = max(1, cpuMs)
        while true {
            if let stop = try task.wait(timeoutMs: slice) { return stop }
            guard let cpu = ProcessCPUTime.ms(task.tgid) else { return nil }
            let missing = Double(cpuMs) - (cpu - cpu0)
            guard missing > 0, monotonicMs() - start < wallLimit else { return nil }
            slice = Int32(min(Double(cpuMs), max(1, missing.rounded(.up))))
        }
    }

    static func monotonicMs() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }
}
