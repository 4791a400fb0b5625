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
        /// The registers at the first arrival (the interruption): equal to the signature's
        /// when the loop keeps its progress only in memory (or nowhere).
        public var firstRegisters: Registers
        /// Every changed word (up to the snapshot diff's limit), the chosen ones first.
        public var changed: [MemorySnapshot.Change]
        /// Attempts made (1 when the first pc was in a loop).
        public var attempts: Int
        /// Bytes copied per snapshot, and the wall time of the whole analysis.
        public var snapshotBytes: Int
        public var elapsedMs: Double

        /// No word changed and the registers are equal: the thread's state repeats.
        public var isFixedPoint: Bool {
            changed.isEmpty && HardwareBreakpoint.sameState(firstRegisters, signature.registers)
        }
        /// The registers alone would find the position at the first pass.
        public var registersCarryNoProgress: Bool {
            HardwareBreakpoint.sameState(firstRegisters, signature.registers)
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
            var resumed = first
            resumed.eflags |= HardwareBreakpoint.resumeFlag   // past the breakpoint where it stands
            try task.setRegisters(resumed)
            try task.resume(mode)
            guard let stop = try waitRunning(task, cpuMs: passTimeoutMs) else {
                bp.clear()
                let other = try stopAfterTimeout(task, mode: mode)
                // Again now that it is stopped: PTRACE_POKEUSER fails on a running task, and an
                // armed DR7 left behind traps the program later (measured: node killed by
                // SIGTRAP code 4 at the pass's pc in JIT code, recorded as its signal).
                bp.clear()
                if let other { return .interrupted(other) }
                continue
            }
            bp.clear()
            guard case .signal(SIGTRAP) = stop else { return .interrupted(stop) }
            guard try task.registers().rip == first.rip else { return .interrupted(stop) }
            let rsp = try task.registers().rsp
            let after = try MemorySnapshot.take(task, excluding: excluded, deadBelow: rsp, otherStacks: otherStacks)
            // Never a word in the dead stack at the position: `after` reads it as zeros whatever
            // the memory holds (MemoryDigest.swift), so a word the pass left there (a callee's
            // frame, when the second arrival is shallower than the first) would be signed as 0
            // where the memory is not, and the stub would never match. Measured: `make -j2` with
            // --chaos, positions in cc1 with words such as [0x7fffffffdf80] = 0 in 4 of 4
            // diverging replays, the search passing its instruction 2,000-34,000 times unmatched.
            let dead = WritableMemory.deadStacks(of: try task.mappings(), stackPointer: rsp, otherStacks: otherStacks)
            let changed = ranked(after.changes(since: before).filter { c in !dead.contains { $0.contains(c.address) } })
            let words = changed.prefix(StateSignature.maxWords).map { ProgressWord(address: $0.address, value: $0.new) }
            let signature = try StateSignature.of(task, words: Array(words), memory: MemoryDigest.of(after))
            return .position(Analysis(signature: signature, firstRegisters: first, changed: changed, attempts: attempt,
                                      snapshotBytes: after.byteCount, elapsedMs: monotonicMs() - started))
        }
        return try signHere()
    }

    enum StepResult { case reached, notFound, timedOut, interrupted(Stop) }

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
