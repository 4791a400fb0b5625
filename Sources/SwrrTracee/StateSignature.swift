// A position inside a stretch without syscalls, as the state of the thread there (docs/POSITIONS.md):
// between two events one thread runs alone and makes no syscall, so its future is a function of
// its registers and its process's writable memory. Two arrivals at the same instruction with
// equal registers, FP/SSE state and memory are equivalent, so the first arrival after the event
// whose state equals the recorded one is exact. The progress words (a few addresses and the values
// they hold there) only make the in-tracee stub (RegisterMatchStub) trap near the right pass
// instead of at every pass of a loop whose progress is in memory.
import SwrrKernel

/// A memory word the stub compares: `value` at `address` at the position.
public struct ProgressWord: Equatable, Hashable, Sendable {
    public var address: UInt64
    public var value: UInt64

    public init(address: UInt64, value: UInt64) {
        self.address = address
        self.value = value
    }
}

public struct StateSignature: Equatable, Sendable {
    /// The encoding's version (the first byte); decoding refuses others. 2: the dead stack below
    /// the thread's red zone digests as zeros (MemoryDigest.swift); 3: the other threads' too,
    /// where they are in a mapping that is a thread's stack (`WritableMemory.deadStacks`). An earlier version's digest cannot be compared with it.
    public static let version: UInt8 = 3
    /// At most this many progress words (the stub's table).
    public static let maxWords = RegisterMatchStub.maxWords

    /// The general registers (rip is the instruction).
    public var registers: Registers
    /// FloatingPointState.digest of the XSAVE area.
    public var fpDigest: UInt64
    public var memory: MemoryDigest
    public var words: [ProgressWord]

    public init(registers: Registers, fpDigest: UInt64, memory: MemoryDigest, words: [ProgressWord]) {
        precondition(words.count <= Self.maxWords)
        self.registers = registers
        self.fpDigest = fpDigest
        self.memory = memory
        self.words = words
    }

    /// The signature of `task` where it stands, its memory digested (or given, when the caller
    /// has just digested a snapshot of it). `otherStacks`: the stack pointers of the process's
    /// other threads, stopped (their dead stacks digest as zeros, as `task`'s).
    public static func of(_ task: Task, words: [ProgressWord], memory: MemoryDigest? = nil,
                          excluding excluded: [Range<UInt64>] = [], otherStacks: [UInt64] = []) throws -> StateSignature {
        let registers = try task.registers()
        return StateSignature(registers: registers, fpDigest: FloatingPointState.digest(try task.xstate()),
                              memory: try memory ?? MemoryDigest.of(task, excluding: excluded, deadBelow: registers.rsp,
                                                                           otherStacks: otherStacks),
                              words: words)
    }

    /// The state of a task at an arrival, as far as it was compared with a signature.
    public struct Observed: Equatable, Sendable {
        public var registers: Registers
        public var fpDigest: UInt64
        /// Nil when the registers or the FP state already differed.
        public var memory: MemoryDigest?
    }

    /// Whether `task`, stopped at an arrival at the signature's instruction (its registers
    /// `registers`), is at the signed state: registers (resume and trap flags aside), FP state and
    /// memory. The progress words are part of the memory. `otherStacks` as for `of`.
    public func matches(_ task: Task, registers now: Registers, excluding excluded: [Range<UInt64>] = [],
                        otherStacks: [UInt64] = []) throws -> Bool {
        try compare(task, registers: now, excluding: excluded, otherStacks: otherStacks) == nil
    }

    /// Nil when `task` is at the signed state (as `matches`), else what it has instead.
    public func compare(_ task: Task, registers now: Registers, excluding excluded: [Range<UInt64>] = [],
                        otherStacks: [UInt64] = []) throws -> Observed? {
        let fp = FloatingPointState.digest(try task.xstate())
        var plain = now
        plain.eflags &= ~(HardwareBreakpoint.resumeFlag | HardwareBreakpoint.trapFlag)
        guard HardwareBreakpoint.sameState(now, registers), fp == fpDigest else {
            return Observed(registers: plain, fpDigest: fp, memory: nil)
        }
        let m = try MemoryDigest.of(task, excluding: excluded, deadBelow: now.rsp, otherStacks: otherStacks)
        return m == memory ? nil : Observed(registers: plain, fpDigest: fp, memory: m)
    }

    // MARK: encoding

    /// version u8, word count u8, the 27 registers, fpDigest, memory (value, bytes, unreadable),
    /// then (address, value) per word; all little-endian u64.
    public var encoded: [UInt8] {
        var out: [UInt8] = [Self.version, UInt8(words.count)]
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        registers.values.forEach(put)
        put(fpDigest)
        put(memory.value)
        put(memory.bytes)
        put(memory.unreadable)
        for w in words {
            put(w.address)
            put(w.value)
        }
        return out
    }

    public static func encodedLength(words: Int) -> Int { 2 + (Registers.count + 4 + 2 * words) * 8 }

    /// Decodes `encoded`; nil for another version, more words than the stub holds, a length
    /// that does not fit the count, or memory counts no address space has.
    public init?(encoded b: [UInt8]) {
        guard b.count >= 2, b[0] == Self.version, Int(b[1]) <= Self.maxWords,
              b.count == Self.encodedLength(words: Int(b[1])) else { return nil }
        var at = 2
        func get() -> UInt64 {
            defer { at += 8 }
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
        }
        let regs = (0..<Registers.count).map { _ in get() }
        let fp = get()
        let memory = MemoryDigest(value: get(), bytes: get(), unreadable: get())
        // User space is below 2^47: larger counts come from a corrupt trace.
        guard memory.bytes < 1 << 47, memory.unreadable <= memory.bytes else { return nil }
        var words: [ProgressWord] = []
        for _ in 0..<Int(b[1]) {
            let w = ProgressWord(address: get(), value: get())
            guard w.address < 1 << 47, w.address & 7 == 0 else { return nil }
            words.append(w)
        }
        self.init(registers: Registers(values: regs), fpDigest: fp, memory: memory, words: words)
    }
}

/// The FP/SSE/AVX state that a computation can carry its progress in, digested from the XSAVE
/// area PTRACE_GETREGSET(NT_X86_XSTATE) returns (the standard, uncompacted format).
public enum FloatingPointState {
    /// Components in their initial state (their XSTATE_BV bit clear) digest as their initial
    /// values, whatever the buffer holds there: the processor tracks "in init state" per
    /// component, and two equal states may differ only in that bookkeeping. FIP/FDP/FOP (the
    /// last x87 instruction's addresses) are left out: an FP instruction at another pass that
    /// computes the same values would otherwise differ.
    public static func digest(_ xsave: [UInt8]) -> UInt64 {
        var h = Hasher64()
        guard xsave.count >= 512 else {
            h.add(bytes: xsave)
            return h.value
        }
        let xstateBV: UInt64 = xsave.count >= 520
            ? (0..<8).reduce(UInt64(0)) { $0 | UInt64(xsave[512 + $1]) << (8 * UInt64($1)) } : 3
        var legacy = [UInt8](repeating: 0, count: 416)
        if xstateBV & 1 != 0 {
            legacy[0..<6] = xsave[0..<6]            // FCW, FSW, FTW (abridged) + reserved byte
            legacy[32..<160] = xsave[32..<160]      // ST0-ST7
        } else {
            legacy[0] = 0x7F; legacy[1] = 0x03      // FCW's initial value 0x037F
        }
        legacy[24..<28] = xsave[24..<28]            // MXCSR (always saved with either component)
        if xstateBV & 2 != 0 { legacy[160..<416] = xsave[160..<416] }   // XMM0-XMM15
        h.add(bytes: legacy)
        // AVX: the upper halves of YMM0-15 at 576 in the standard format.
        if xstateBV & 4 != 0, xsave.count >= 576 + 256 {
            h.add(bytes: Array(xsave[576..<832]))
        } else {
            h.add(bytes: [UInt8](repeating: 0, count: 256))
        }
        return h.value
    }
}
