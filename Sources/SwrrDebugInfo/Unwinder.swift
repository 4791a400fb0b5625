// Call-frame unwinding: from the registers of the innermost frame, recover the registers of
// each caller in turn.
//
// Order of methods for each frame:
// 1. The kernel's signal trampoline (__restore_rt, `mov $15,%rax; syscall`): the interrupted
//    registers are in the ucontext on the stack. Recognized by its bytes because its CFI, where
//    present, describes the *nop before it* (the return address of a handler points at the
//    trampoline's first byte, so a normal "pc - 1" lookup would land in the previous function).
// 2. CFI (.eh_frame of the loaded file, then .debug_frame) through libdw, which hands back each
//    rule as a DWARF expression we evaluate.
// 3. The frame-pointer chain (rbp → saved rbp, return address above it), and at a function's
//    first instruction the return address on top of the stack.
//
// Caller frames are looked up at pc - 1 (the call instruction, not the return address, which
// may be the first byte of another function or of another line), except the frame interrupted
// by a signal, whose pc is exact.
import CLibDW
import Glibc
import SwrrTracee

/// Registers of one frame in DWARF numbering (0-16 on x86-64: rax rdx rcx rbx rsi rdi rbp rsp
/// r8-r15, return address). Missing entries are unknown (clobbered by a call).
public struct FrameRegisters: Sendable {
    public var values: [Int: UInt64] = [:]
    public static let rsp = 7, rbp = 6, rip = 16
    static let fromRegisters: [(Int, String)] = [
        (0, "rax"), (1, "rdx"), (2, "rcx"), (3, "rbx"), (4, "rsi"), (5, "rdi"), (6, "rbp"), (7, "rsp"),
        (8, "r8"), (9, "r9"), (10, "r10"), (11, "r11"), (12, "r12"), (13, "r13"), (14, "r14"), (15, "r15"),
        (16, "rip"),
    ]
    /// Registers.names index for each DWARF number.
    static let gprIndex: [Int: Int] = Dictionary(uniqueKeysWithValues: fromRegisters.map { ($0.0, Registers.names.firstIndex(of: $0.1)!) })

    public init(_ r: Registers) {
        for (dw, i) in Self.gprIndex { values[dw] = r.values[i] }
    }
    init() {}
    public var pc: UInt64 { values[Self.rip] ?? 0 }
    public var sp: UInt64 { values[Self.rsp] ?? 0 }
    public subscript(_ n: Int) -> UInt64? { values[n] }
    public static func name(_ dwarfRegister: Int) -> String {
        fromRegisters.first { $0.0 == dwarfRegister }?.1 ?? "r\(dwarfRegister)"
    }
}

public enum UnwindMethod: String, Sendable {
    case initial, cfi, framePointer, signalFrame, stackTop
}

/// One machine frame (inlined calls are expanded later, in Frames).
public struct PhysicalFrame: Sendable {
    public var registers: FrameRegisters
    /// How this frame's registers were recovered from its callee.
    public var method: UnwindMethod
    /// Canonical frame address (the caller's rsp before the call), when known.
    public var cfa: UInt64?
    /// The frame was interrupted asynchronously (its pc is exact, not a return address).
    public var interrupted: Bool
    /// The frame is the signal trampoline itself.
    public var isSignalTrampoline: Bool
    public var pc: UInt64 { registers.pc }
    /// The address used for symbol, line and CFI lookups.
    public var lookupPC: UInt64 { interrupted || isSignalTrampoline || pc == 0 ? pc : pc - 1 }
}

public final class Unwinder {
    let space: AddressSpace
    let target: TargetAccess
    public var maxFrames = 4096

    public init(space: AddressSpace, target: TargetAccess) {
        self.space = space
        self.target = target
    }

    /// The last `unwind` ended at the outermost frame: a call-frame rule said the return address
    /// is undefined (glibc's _start and thread start say so), every caller found by CFI or a
    /// signal frame (not guessed from frame pointers).
    public private(set) var reachedOutermost = false

    public func unwind() throws -> [PhysicalFrame] {
        reachedOutermost = false
        let regs = FrameRegisters(try target.registers())
        var frames = [PhysicalFrame(registers: regs, method: .initial, cfa: nil, interrupted: true, isSignalTrampoline: false)]
        frames[0].isSignalTrampoline = isSignalTrampoline(regs.pc)
        while frames.count < maxFrames {
            guard var next = step(frames[frames.count - 1]) else { break }
            let cur = frames[frames.count - 1]
            if next.pc == 0 {
                reachedOutermost = next.method == .cfi
                    && frames.dropFirst().allSatisfy { $0.method == .cfi || $0.method == .signalFrame }
                break
            }
            // The stack grows down: a caller's frame lies above its callee's, except across a
            // signal frame (the handler may run on an alternate stack).
            if next.method != .signalFrame && next.registers.sp <= cur.registers.sp && cur.method != .initial
                && !cur.isSignalTrampoline { break }
            if next.registers.sp == cur.registers.sp && next.pc == cur.pc { break }
            next.isSignalTrampoline = isSignalTrampoline(next.pc)
            // step() reports the CFA it computed for the callee in the caller's slot.
            frames[frames.count - 1].cfa = next.cfa ?? next.registers.sp
            next.cfa = nil
            frames.append(next)
        }
        if frames[frames.count - 1].cfa == nil { frames[frames.count - 1].cfa = cfiCaller(frames[frames.count - 1])?.cfa }
        return frames
    }

    /// The caller of `frame`, or nil at the outermost frame.
    func step(_ frame: PhysicalFrame) -> PhysicalFrame? {
        if frame.isSignalTrampoline, let f = signalFrameCaller(frame) { return f }
        if let f = cfiCaller(frame) { return f }
        return framePointerCaller(frame)
    }

    // MARK: signal frames

    private static let restoreRT: [UInt8] = [0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05]

    func isSignalTrampoline(_ pc: UInt64) -> Bool {
        guard pc != 0, let bytes = try? target.readMemory(pc, count: Self.restoreRT.count) else { return false }
        return bytes == Self.restoreRT
    }

    /// At __restore_rt, rsp points at the ucontext_t of the rt_sigframe (the handler's `ret`
    /// popped pretcode). uc_mcontext.gregs starts 40 bytes in (uc_flags, uc_link, uc_stack) and
    /// holds r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip in that order.
    private func signalFrameCaller(_ frame: PhysicalFrame) -> PhysicalFrame? {
        let gregs = frame.registers.sp + 40
        guard let bytes = try? target.readMemory(gregs, count: 17 * 8) else { return nil }
        let order = [8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16]
        var regs = FrameRegisters()
        for (i, dw) in order.enumerated() {
            regs.values[dw] = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) }
        }
        return PhysicalFrame(registers: regs, method: .signalFrame, cfa: nil, interrupted: true, isSignalTrampoline: false)
    }

    // MARK: CFI

    private func cfiCaller(_ frame: PhysicalFrame) -> PhysicalFrame? {
        let pc = frame.lookupPC
        guard let m = space.module(containing: pc) else { return nil }
        for cfi in m.callFrameInfo {
            var fp: OpaquePointer?
            guard dwarf_cfi_addrframe(cfi, pc &- m.bias, &fp) == 0, let f = fp else { continue }
            defer { free(UnsafeMutableRawPointer(f)) }
            if let r = evaluateCFI(f, frame: frame, bias: m.bias) { return r }
        }
        return nil
    }

    private func evaluateCFI(_ f: OpaquePointer, frame: PhysicalFrame, bias: UInt64) -> PhysicalFrame? {
        let regs = frame.registers
        var ctx = ExpressionContext(target: target, register: { n in
            guard let v = regs[n] else { throw DebugInfoError("register \(FrameRegisters.name(n)) unknown") }
            return v
        })
        ctx.bias = bias
        var ops: UnsafeMutablePointer<Dwarf_Op>?
        var nops = 0
        guard dwarf_frame_cfa(f, &ops, &nops) == 0, let cfaOps = ops,
              let cfa = try? DWARFExpression.value(Array(UnsafeBufferPointer(start: cfaOps, count: nops)), ctx)
        else { return nil }
        ctx.cfa = cfa
        var start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
        var signal = false
        let raRegister = Int(dwarf_frame_info(f, &start, &end, &signal))

        var caller = FrameRegisters()
        var mem = [Dwarf_Op](repeating: Dwarf_Op(), count: 3)
        for n in 0...16 {
            var o: UnsafeMutablePointer<Dwarf_Op>?
            var count = 0
            let rc = mem.withUnsafeMutableBufferPointer { dwarf_frame_register(f, Int32(n), $0.baseAddress!, &o, &count) }
            guard rc == 0 else { continue }
            if count == 0 {
                // NULL ops: "same value", the caller sees this frame's value. Non-NULL:
                // "undefined" (call-clobbered), unknown in the caller.
                if o == nil, let v = regs[n] { caller.values[n] = v }
                continue
            }
            guard let p = o else { continue }
            let expr = Array(UnsafeBufferPointer(start: p, count: count))
            switch try? DWARFExpression.evaluate(expr, ctx) {
            case .memory(let a)?: if let v = try? target.readU64(a) { caller.values[n] = v }
            case .value(let v)?: caller.values[n] = v
            case .register(let r)?: if let v = regs[r] { caller.values[n] = v }
            default: break
            }
        }
        // The return address column becomes the caller's pc; the CFA is the caller's rsp
        // unless a rule says otherwise (the x86-64 ABI's implicit rule).
        guard raRegister >= 0, let ra = caller.values[raRegister] ?? (raRegister == 16 ? nil : regs[raRegister]) else {
            return PhysicalFrame(registers: FrameRegisters(), method: .cfi, cfa: cfa, interrupted: false, isSignalTrampoline: false)
        }
        caller.values[FrameRegisters.rip] = ra
        if caller.values[FrameRegisters.rsp] == nil || caller.values[FrameRegisters.rsp] == regs.sp { caller.values[FrameRegisters.rsp] = cfa }
        return PhysicalFrame(registers: caller, method: signal ? .signalFrame : .cfi, cfa: cfa,
                             interrupted: signal, isSignalTrampoline: false)
    }

    // MARK: frame pointers

    private func framePointerCaller(_ frame: PhysicalFrame) -> PhysicalFrame? {
        let regs = frame.registers
        // At the first instruction of a function nothing has been pushed yet.
        if frame.method == .initial, let m = space.module(containing: regs.pc),
           m.symbols.lookup(regs.pc)?.offset == 0, let ra = try? target.readU64(regs.sp) {
            var c = regs
            c.values[FrameRegisters.rip] = ra
            c.values[FrameRegisters.rsp] = regs.sp + 8
            return PhysicalFrame(registers: c, method: .stackTop, cfa: regs.sp + 8, interrupted: false, isSignalTrampoline: false)
        }
        guard let bp = regs[FrameRegisters.rbp], bp != 0, bp % 8 == 0, bp >= regs.sp,
              let savedBP = try? target.readU64(bp), let ra = try? target.readU64(bp + 8) else { return nil }
        var c = FrameRegisters()
        for n in [3, 12, 13, 14, 15] { c.values[n] = regs[n] }  // callee-saved, assumed untouched
        c.values[FrameRegisters.rbp] = savedBP
        c.values[FrameRegisters.rsp] = bp + 16
        c.values[FrameRegisters.rip] = ra
        return PhysicalFrame(registers: c, method: .framePointer, cfa: bp + 16, interrupted: false, isSignalTrampoline: false)
    }
}
