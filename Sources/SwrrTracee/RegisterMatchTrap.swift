// Finding the first moment a task is at instruction P with registers R, fast: an in-tracee
// register-matching trap, as gdb's fast tracepoints do it. A stub page (RegisterMatchStub.swift)
// is mapped within ±2 GiB of P and the instruction at P is replaced by a 5-byte `jmp rel32` to
// it; the stub compares the registers with R in the tracee itself and only executes int3 on a
// match. A pass through P then costs a few nanoseconds instead of a ptrace stop (≈45 µs): for a
// tight loop that is the difference between seconds and hours (docs/ARCHITECTURE.md has the
// numbers).
//
// Only instructions of at least 5 bytes qualify, so the jmp covers no other instruction (no jump
// can land inside the patch), and only ones that can run elsewhere (`X86Instruction
// .isRelocatable`: no control transfer, no trap; rip-relative operands are re-aimed).
//
// The page and the patch exist only while the task runs towards the point, when no other task
// runs and the task itself makes no syscall (the point comes before its next event): the program
// cannot see them, and they are gone before anything is mapped at recorded addresses again.
// `remove()` restores P's bytes and unmaps the page on every path, errors included.
import SwrrKernel

public final class RegisterMatchTrap {
    /// The length of the jmp rel32 written at P.
    public static let patchLength = 5

    /// Whether an instruction can carry the patch.
    public static func canPatch(_ insn: X86Instruction) -> Bool {
        insn.length >= patchLength && insn.isRelocatable
    }

    public let task: Task
    /// P, and the registers searched for.
    public let target: Registers
    /// The stub page.
    public let page: UInt64
    private let stub: RegisterMatchStub
    private let original: [UInt8]
    private let jump: [UInt8]
    private let budget: UInt64
    private var installed = true
    /// The jump is in P's place (false after `unpatch`: the program's own instruction is).
    public private(set) var isPatched = true

    /// What a SIGTRAP stop of the task inside the search means.
    public enum Hit: Equatable {
        /// The program is at P with registers equal to the target: these (rip = P, rsp and the
        /// flags as the program had them).
        case match(Registers)
        /// The general registers and flags matched but others (segment bases…) did not.
        case partial(Registers)
        /// The stub has run `budget` times without a match.
        case exhausted
        /// A trap of something else.
        case foreign
    }

    private init(task: Task, target: Registers, page: UInt64, stub: RegisterMatchStub, original: [UInt8], jump: [UInt8],
                 budget: UInt64) {
        self.task = task
        self.target = target
        self.page = page
        self.stub = stub
        self.original = original
        self.jump = jump
        self.budget = budget
    }

    /// The instruction at `address`, or nil when it cannot be read or decoded.
    public static func instruction(in task: Task, at address: UInt64) -> (X86Instruction, [UInt8])? {
        // Read up to 15 bytes, fewer at the end of a mapping.
        let pageLeft = Int(4096 - (address & 4095))
        var bytes = try? task.readMemory(address, count: X86Instruction.maximumLength)
        if bytes == nil, pageLeft < X86Instruction.maximumLength {
            bytes = try? task.readMemory(address, count: pageLeft)
        }
        guard let b = bytes, let insn = X86Instruction(decoding: b) else { return nil }
        return (insn, Array(b.prefix(insn.length)))
    }

    /// Installs a trap for `target` (at target.rip) in `task`, which must be stopped where a
    /// syscall can be injected at its rip (a breakpoint or syscall stop; no hardware breakpoint
    /// left on that instruction, or the injected syscall would trap on it). nil when the
    /// instruction at target.rip does not qualify or no page can be placed within reach.
    /// `budget`: how many passes through P the stub allows before it gives up. `words`: memory
    /// words (at most RegisterMatchStub.maxWords) that must also hold their values for a match,
    /// the progress words of a StateSignature.
    public static func install(in task: Task, target: Registers, budget: UInt64,
                               words: [ProgressWord] = []) throws -> RegisterMatchTrap? {
        guard let (insn, original) = instruction(in: task, at: target.rip), canPatch(insn) else { return nil }
        let maps = try task.mappings()
        // Only code in private mappings: writing into a shared one (a JIT's memfd, say) would
        // write the object behind it.
        for a in [target.rip, target.rip + UInt64(patchLength - 1)] {
            guard let m = maps.first(where: { $0.start <= a && a < $0.end }), m.permissions.hasSuffix("p") else { return nil }
        }
        for page in StubPlacement.candidates(near: target.rip, in: maps).prefix(8) {
            guard let stub = RegisterMatchStub(page: page, target: target, instruction: insn, bytes: original, budget: budget,
                                                words: words),
                  let jump = jumpPatch(from: target.rip, to: page) else { continue }
            // PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE: the
            // stub reads and writes its own data and stack.
            let r = try task.injectSyscall(Syscall.mmap.number, [page, RegisterMatchStub.pageSize, 0x7, MmapFlags.ownPage,
                                                                 UInt64(bitPattern: -1), 0], writingInstructionAt: target.rip)
            guard r == Int64(bitPattern: page) else {
                if r >= 0 {
                    _ = try? task.injectSyscall(Syscall.munmap.number, [UInt64(bitPattern: r), RegisterMatchStub.pageSize],
                                                writingInstructionAt: target.rip)
                }
                continue
            }
            let trap = RegisterMatchTrap(task: task, target: target, page: page, stub: stub, original: original, jump: jump,
                                         budget: budget)
            do {
                try task.writeMemory(page, stub.bytes)
                try task.writeMemory(target.rip, jump)
            } catch {
                trap.remove()
                throw error
            }
            return trap
        }
        return nil
    }

    /// `jmp rel32` from `from` to `to`, or nil when out of reach.
    private static func jumpPatch(from: UInt64, to: UInt64) -> [UInt8]? {
        guard let d = Int32(exactly: Int64(bitPattern: to &- (from + UInt64(patchLength)))) else { return nil }
        return [0xE9] + MachineCode.le32(d)
    }

    /// Interprets a SIGTRAP stop of the task (its registers `regs`) during the search.
    public func classify(_ regs: Registers) throws -> Hit {
        switch regs.rip {
        case stub.matchTrap:
            var r = regs
            r.rsp = try word(at: stub.savedRsp)
            r.eflags = try word(at: regs.rsp)
            r.rip = target.rip
            return HardwareBreakpoint.sameState(r, target) ? .match(r) : .partial(r)
        case stub.exhaustedTrap:
            return .exhausted
        default:
            return .foreign
        }
    }

    /// The program's registers at P on the pass that used up the budget (the stub traps there
    /// before it compares anything: rsp saved in the page, the flags pushed on its stack, no
    /// other register touched). A budget of n thus stops the task at exactly its n-th pass
    /// through P since `install`, at native speed: the counter reverse execution needs to reach
    /// the n-th arrival at a patchable instruction (docs/POSITIONS.md, "Going back from a pause").
    /// Only for a stub without progress words (their pre-filter counts down in rcx).
    public func stateAtExhaustion(_ regs: Registers) throws -> Registers {
        var r = regs
        r.rsp = try word(at: stub.savedRsp)
        r.eflags = try word(at: regs.rsp)
        r.rip = target.rip
        return r
    }

    /// One pass through P that did not go through the stub (the debugger single-stepped the
    /// program's own instruction there), counted as the stub would: true when it was the last
    /// one of the budget (the task, standing at P, is at that pass).
    public func countPassOutside() throws -> Bool {
        let left = try word(at: stub.budget)
        if left <= 1 { return true }
        let v = left - 1
        try task.writeMemory(stub.budget, (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) })
        return false
    }

    /// Resumes the search after a `.partial` hit: the task continues on the stub's mismatch path.
    public func continueAfterPartialMatch(_ regs: Registers) throws {
        var r = regs
        r.rip = stub.miss
        try task.setRegisters(r)
    }

    /// The program's own instruction back at P, the stub page staying (a debugger is about to
    /// show the program, or single-step it), until `patch`.
    public func unpatch() throws {
        guard installed, isPatched else { return }
        try task.writeMemory(target.rip, original)
        isPatched = false
    }

    /// The jump back at P after `unpatch`.
    public func patch() throws {
        guard installed, !isPatched else { return }
        try task.writeMemory(target.rip, jump)
        isPatched = true
    }

    /// The stub page's addresses, for MemoryDigest to leave out.
    public var stubRange: Range<UInt64> { page..<(page + RegisterMatchStub.pageSize) }

    /// The addresses the patch covers.
    public var patchedRange: Range<UInt64> { Self.patchedRange(at: target.rip) }

    /// The addresses a patch at `p` covers.
    public static func patchedRange(at p: UInt64) -> Range<UInt64> { p..<(p + UInt64(patchLength)) }

    /// How many times the stub has run (passes through P since `install`).
    public func passes() throws -> UInt64 {
        budget - (try word(at: stub.budget))
    }

    /// Restores the instruction at P and unmaps the page. Safe to call more than once, and on
    /// any stop (best effort when the task has gone).
    public func remove() {
        guard installed else { return }
        installed = false
        if isPatched { try? task.writeMemory(target.rip, original) }
        isPatched = false
        // The munmap runs from P, not from where the task stands (maybe the stub page itself).
        _ = try? task.injectSyscall(Syscall.munmap.number, [page, RegisterMatchStub.pageSize], writingInstructionAt: target.rip)
    }

    private func word(at address: UInt64) throws -> UInt64 {
        let b = try task.readMemory(address, count: 8)
        return b.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// Where a stub page can go: a free page within reach of a rel32 jump from P, one free page away
/// from any mapping (so the kernel merges it with none), and not in the gap the main stack grows
/// down into (the stack grows by page faults, without a syscall, and would fault on the stub).
enum StubPlacement {
    static let reach: UInt64 = 0x7FFF_0000      // a little under 2 GiB, for the jumps inside the page
    static let lowest: UInt64 = 0x10000         // vm.mmap_min_addr
    static let highest: UInt64 = 0x7FFF_FFFF_F000   // the top of user space with 4-level paging

    /// Page addresses, nearest to `p` first.
    static func candidates(near p: UInt64, in maps: [MapsLine]) -> [UInt64] {
        let page = RegisterMatchStub.pageSize
        let used = maps.filter { $0.end <= highest }.sorted { $0.start < $1.start }
        var holes: [(UInt64, UInt64)] = []
        var previousEnd = lowest
        for m in used {
            if m.start > previousEnd && m.name != "[stack]" { holes.append((previousEnd, m.start)) }
            previousEnd = max(previousEnd, m.end)
        }
        if previousEnd < highest { holes.append((previousEnd, highest)) }
        let low = ((p > reach ? p - reach : 0) + page - 1) & ~(page - 1)
        let high = (p + reach) & ~(page - 1)
        let want = p & ~(page - 1)
        var out: [UInt64] = []
        for (start, end) in holes {
            // A free page on either side; the page itself within reach.
            let first = max(start + page, low)
            let top = min(end - 2 * page, high - page)
            guard end >= start + 3 * page, top >= first else { continue }
            out.append(min(max(want, first), top))
        }
        return out.sorted { distance($0, p) < distance($1, p) }
    }

    private static func distance(_ a: UInt64, _ b: UInt64) -> UInt64 { a > b ? a - b : b - a }
}
