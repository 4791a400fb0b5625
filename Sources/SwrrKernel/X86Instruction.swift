// An x86-64 instruction length decoder: how many bytes the instruction at an address takes,
// where its rip-relative displacement sits (to move it elsewhere), and what it does to control
// flow (X86OpcodeTable.swift holds the per-opcode knowledge). It reads legacy prefixes, REX, the
// one-byte, 0F, 0F 38 and 0F 3A maps, ModRM/SIB/displacements, immediates sized by the 66 and 67
// prefixes and REX.W, and VEX (C4/C5). EVEX (62), XOP (8F with ModRM.reg ≠ 0) and opcodes
// invalid in 64-bit mode decode to nil: callers then do without (replay falls back to its
// slower search).

public enum X86OpcodeMap: Sendable, Equatable {
    case primary, map0F, map0F38, map0F3A
}

public struct X86Instruction: Sendable, Equatable {
    /// Total length in bytes, prefixes and immediates included.
    public let length: Int
    public let map: X86OpcodeMap
    public let opcode: UInt8
    public let modrm: UInt8?
    /// Where the 32-bit displacement of a rip-relative memory operand starts within the
    /// instruction (nil without one). The address it names is (end of instruction) + disp32.
    public let ripDisplacementOffset: Int?
    /// The 67 prefix: memory addresses are 32-bit (a rip-relative operand is then eip-relative).
    public let addressSize32: Bool
    public let isVEX: Bool
    public let effect: X86Effect

    /// The longest encoding the CPU accepts.
    public static let maximumLength = 15

    /// Decodes the instruction at the start of `bytes` (give at least 15 bytes when there are).
    public init?(decoding bytes: [UInt8]) {
        var i = 0
        func byte() -> UInt8? {
            guard i < bytes.count, i < X86Instruction.maximumLength else { return nil }
            defer { i += 1 }
            return bytes[i]
        }
        var operandSize16 = false, addressSize32 = false
        var rexW = false
        var lastMandatoryPrefix: UInt8 = 0
        var op: UInt8
        // Legacy prefixes, then at most one REX, which only counts right before the opcode.
        while true {
            guard let b = byte() else { return nil }
            op = b
            if b & 0xF0 == 0x40 {
                rexW = b & 0x08 != 0
                continue
            }
            if X86OpcodeTable.primary[Int(b)] == .prefix {
                rexW = false
                switch b {
                case 0x66: operandSize16 = true; lastMandatoryPrefix = b
                case 0x67: addressSize32 = true
                case 0xF2, 0xF3: lastMandatoryPrefix = b
                default: break
                }
                continue
            }
            break
        }
        var map = X86OpcodeMap.primary
        var isVEX = false
        if op == 0xC4 || op == 0xC5 {
            // VEX: C5 RvvvvLpp (map 0F) or C4 RXBmmmmm WvvvvLpp; the opcode byte follows.
            // In 64-bit mode these are always VEX (les/lds do not exist there).
            isVEX = true
            guard let p1 = byte() else { return nil }
            if op == 0xC4 {
                switch p1 & 0x1F {
                case 1: map = .map0F
                case 2: map = .map0F38
                case 3: map = .map0F3A
                default: return nil
                }
                guard let p2 = byte() else { return nil }
                rexW = p2 & 0x80 != 0
            } else {
                map = .map0F
            }
            guard let b = byte() else { return nil }
            op = b
        } else {
            var code = X86OpcodeTable.primary[Int(op)]
            while code == .escape0F || code == .escape0F38 || code == .escape0F3A {
                switch code {
                case .escape0F: map = .map0F
                case .escape0F38: map = .map0F38
                default: map = .map0F3A
                }
                guard let b = byte() else { return nil }
                op = b
                code = X86OpcodeTable.table(map)[Int(op)]
            }
        }
        let code = X86OpcodeTable.table(map)[Int(op)]
        if isVEX {
            // VEX instructions all have a ModRM except vzeroupper/vzeroall (0F 77, '.').
            guard code == .modrm || code == .modrmImm8 || code == .none else { return nil }
        }
        if code == .invalid || code == .prefix || code == .escape0F || code == .escape0F38 || code == .escape0F3A {
            return nil
        }
        // XOP (AMD) shares 8F with pop r/m, which only exists as /0.
        if map == .primary && op == 0x8F, i < bytes.count, (bytes[i] >> 3) & 7 != 0 { return nil }

        let hasModRM: Bool
        switch code {
        case .modrm, .modrmImm8, .modrmImmZ, .groupF6, .groupF7: hasModRM = true
        default: hasModRM = false
        }
        var modrm: UInt8?
        var ripOffset: Int?
        if hasModRM {
            guard let m = byte() else { return nil }
            modrm = m
            let mod = m >> 6, rm = m & 7
            if mod != 3 {
                var displacement = mod == 1 ? 1 : (mod == 2 ? 4 : 0)
                if rm == 4 {
                    guard let sib = byte() else { return nil }
                    if mod == 0 && sib & 7 == 5 { displacement = 4 }
                } else if mod == 0 && rm == 5 {
                    ripOffset = i
                    displacement = 4
                }
                i += displacement
            }
        }
        let immZ = operandSize16 && !rexW ? 2 : 4
        var immediate: Int
        switch code {
        case .imm8, .modrmImm8: immediate = 1
        case .imm16: immediate = 2
        case .immZ, .modrmImmZ: immediate = immZ
        case .immV: immediate = rexW ? 8 : immZ
        case .moffs: immediate = addressSize32 ? 4 : 8
        case .enter: immediate = 3
        case .groupF6: immediate = (modrm! >> 3) & 7 < 2 ? 1 : 0
        case .groupF7: immediate = (modrm! >> 3) & 7 < 2 ? immZ : 0
        default: immediate = 0
        }
        if !isVEX, let e = X86OpcodeTable.prefixedExceptions.first(where: {
            $0.map == map && $0.opcode == op && $0.prefix == lastMandatoryPrefix
        }) {
            immediate = e.immediateBytes
        }
        i += immediate
        guard i <= bytes.count, i <= X86Instruction.maximumLength else { return nil }
        length = i
        self.map = map
        opcode = op
        self.modrm = modrm
        ripDisplacementOffset = ripOffset
        self.addressSize32 = addressSize32
        self.isVEX = isVEX
        effect = X86EffectTable.effect(map: map, opcode: op, modrm: modrm)
    }

    /// Whether it computes the same when executed at another address, once a rip-relative
    /// displacement is adjusted: it falls through, does not trap, and any rip-relative operand
    /// is 64-bit (an eip-relative one wraps at 4 GiB).
    public var isRelocatable: Bool {
        effect == .ordinary && !(addressSize32 && ripDisplacementOffset != nil)
    }

    /// The instruction's bytes as they must be at `newAddress` to do what they did at `address`
    /// (`bytes` starts with the instruction). nil when a rip-relative target is out of reach.
    public func relocated(_ bytes: [UInt8], from address: UInt64, to newAddress: UInt64) -> [UInt8]? {
        var out = Array(bytes.prefix(length))
        guard let at = ripDisplacementOffset else { return out }
        let disp = Int64(Int32(bitPattern: UInt32(out[at]) | UInt32(out[at + 1]) << 8 |
                                UInt32(out[at + 2]) << 16 | UInt32(out[at + 3]) << 24))
        let target = Int64(bitPattern: address &+ UInt64(length)) &+ disp
        let moved = target &- Int64(bitPattern: newAddress &+ UInt64(length))
        guard let d = Int32(exactly: moved) else { return nil }
        let u = UInt32(bitPattern: d)
        for k in 0..<4 { out[at + k] = UInt8(truncatingIfNeeded: u >> (8 * UInt32(k))) }
        return out
    }
}
