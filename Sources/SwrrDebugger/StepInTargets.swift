// The calls a step into can enter from a frame: the call instructions between the frame's pc and
// the end of its line (the line table's contiguous rows of that line), decoded with SwrrKernel's
// x86 length decoder. A direct call (E8 rel32) names its callee by the symbol at the target (a
// PLT stub's "name@plt" is the function the program called); a call through memory at a
// rip-relative slot (-fno-plt, function pointers in globals) is resolved by reading the slot
// now; a call through a register is listed without a callee. LineStepper.stepIn(to:) runs one.
import SwrrDebugInfo
import SwrrKernel

public struct StepInTarget: Hashable, Sendable {
    public var tid: Int32
    /// The call instruction.
    public var call: UInt64
    /// The CFA of the frame the call is made from: recursion runs the same instruction in other
    /// activations, which are not this target.
    public var cfa: UInt64?
    /// The called function, when known.
    public var callee: UInt64?
    /// The callee's name ("square", "puts"), or a description of an indirect call.
    public var name: String
    public var line: Int
    /// The call's column on its line (0: unknown).
    public var column: Int
}

extension Debugger {
    /// The longest line scanned for calls: a line's code is a few hundred bytes; a bound keeps
    /// a damaged line table from reading megabytes.
    static let stepInScanLimit: UInt64 = 4096

    /// The step-in targets of frame `index` of `tid`'s stack at the current stop, in the order
    /// the calls come.
    public func stepInTargets(tid: Int32, frame index: Int) throws -> [StepInTarget] {
        let stack = try callStack(tid)
        guard stack.frames.indices.contains(index) else { throw SessionError("thread \(tid) has no frame \(index)") }
        let frame = stack.frames[index]
        guard stack.physical.indices.contains(frame.physicalIndex) else { return [] }
        let physical = stack.physical[frame.physicalIndex]
        let space = try self.space(for: tid)
        // A caller's pc is a return address: its line is that of the call just made, found
        // through the instruction before it; the calls still to come start at the pc.
        guard let lines = space.module(containing: physical.lookupPC)?.lines,
              let range = lines.lineRange(containing: physical.lookupPC), range.upperBound > frame.pc else { return [] }
        let length = min(range.upperBound - frame.pc, Self.stepInScanLimit)   // > 0: checked above
        let code = try replay.readMemory(frame.pc, count: Int(length), tid: tid)
        var targets: [StepInTarget] = []
        var offset = 0
        while offset < code.count {
            let window = Array(code[offset..<min(offset + X86Instruction.maximumLength, code.count)])
            guard let insn = X86Instruction(decoding: window) else { break }
            let address = frame.pc &+ UInt64(offset)
            if let callee = callTarget(insn, window, next: address &+ UInt64(insn.length), tid: tid) {
                let location = lines.location(of: address)
                targets.append(StepInTarget(tid: tid, call: address, cfa: physical.cfa, callee: callee.address,
                                            name: callee.address.map { calleeName($0, in: space) } ?? callee.text,
                                            line: location?.line ?? frame.location?.line ?? 0,
                                            column: location?.column ?? 0))
            }
            offset += insn.length
        }
        return targets
    }

    /// Where a call instruction goes: nil when `insn` is no near call.
    private func callTarget(_ insn: X86Instruction, _ bytes: [UInt8], next: UInt64, tid: Int32)
        -> (address: UInt64?, text: String)? {
        guard insn.map == .primary else { return nil }
        if insn.opcode == 0xE8, insn.length >= 5 {
            let rel = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: insn.length - 4, as: Int32.self) }
            return (next &+ UInt64(bitPattern: Int64(rel)), "")
        }
        // FF /2: call r/m64.
        guard insn.opcode == 0xFF, let modrm = insn.modrm, (modrm >> 3) & 7 == 2 else { return nil }
        if let at = insn.ripDisplacementOffset, at + 4 <= bytes.count, !insn.addressSize32 {
            let disp = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: Int32.self) }
            let slot = next &+ UInt64(bitPattern: Int64(disp))
            if let word = try? replay.readMemory(slot, count: 8, tid: tid), word.count == 8 {
                return (word.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }, "")
            }
        }
        return (nil, "indirect call")
    }

    /// The function at `address` (a PLT stub's symbol without its "@plt").
    private func calleeName(_ address: UInt64, in space: AddressSpace) -> String {
        var name: String
        if let f = space.function(containing: address), f.entry == address {
            name = f.name
        } else if let s = space.symbolize(address).symbol {
            name = s.offset == 0 ? s.symbol.name : "\(s.symbol.name)+\(s.offset)"
        } else {
            return "0x" + String(address, radix: 16)
        }
        if name.hasSuffix("@plt") { name.removeLast(4) }
        return name
    }
}
