// The registers of one task in the layout of TargetDescription.xml: numbers 0–59, each in
// target (little-endian) byte order at its size; the `g` packet is all of them in order, `p N`
// one of them.
import SwrrReplay
import SwrrTracee

enum RegisterFile {
    /// (name, size in bytes) by register number.
    static let layout: [(String, Int)] = {
        var l: [(String, Int)] = []
        for n in ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"] { l.append((n, 8)) }
        for n in ["eflags", "cs", "ss", "ds", "es", "fs", "gs"] { l.append((n, 4)) }
        for i in 0..<8 { l.append(("st\(i)", 10)) }
        for n in ["fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"] { l.append((n, 4)) }
        for i in 0..<16 { l.append(("xmm\(i)", 16)) }
        l.append(("mxcsr", 4))
        l.append(("orig_rax", 8))
        l.append(("fs_base", 8))
        l.append(("gs_base", 8))
        return l
    }()

    /// The value bytes of register `number`.
    static func value(_ number: Int, _ regs: Registers, _ fp: FloatingPointRegisters?) -> [UInt8]? {
        guard number >= 0 && number < layout.count else { return nil }
        let (name, size) = layout[number]
        if let i = Registers.names.firstIndex(of: name) {
            return littleEndian(regs.values[i], count: size)
        }
        guard let fp = fp else { return [UInt8](repeating: 0, count: size) }
        switch name {
        case "fctrl": return littleEndian(UInt64(fp.controlWord), count: 4)
        case "fstat": return littleEndian(UInt64(fp.statusWord), count: 4)
        case "ftag": return littleEndian(UInt64(fp.fullTagWord), count: 4)
        case "fiseg": return littleEndian(fp.instructionPointer >> 32, count: 4)
        case "fioff": return littleEndian(fp.instructionPointer & 0xffff_ffff, count: 4)
        case "foseg": return littleEndian(fp.dataPointer >> 32, count: 4)
        case "fooff": return littleEndian(fp.dataPointer & 0xffff_ffff, count: 4)
        case "fop": return littleEndian(UInt64(fp.lastOpcode & 0x7ff), count: 4)
        case "mxcsr": return littleEndian(UInt64(fp.mxcsr), count: 4)
        default:
            if name.hasPrefix("st"), let i = Int(name.dropFirst(2)) { return fp.st(i) }
            if name.hasPrefix("xmm"), let i = Int(name.dropFirst(3)) { return fp.xmm(i) }
            return [UInt8](repeating: 0, count: size)
        }
    }

    /// The `g` packet's payload.
    static func all(_ regs: Registers, _ fp: FloatingPointRegisters?) -> String {
        var s = ""
        for n in 0..<layout.count { s += hexBytes(value(n, regs, fp) ?? []) }
        return s
    }
}
