// What follows each x86-64 opcode byte (a ModRM byte, an immediate of which size), for the
// opcode maps an instruction length decoder needs: the one-byte map, 0F, 0F 38 and 0F 3A (VEX
// encodings reuse the last three). Written from the Intel SDM volume 2 opcode tables (appendix
// A) and AMD's APM volume 3; checked against objdump by SwrrKernelTests/X86DecoderTests.
//
// One character per opcode, 16 per row (row 0x00 first):
//   .  nothing follows the opcode          m  ModRM (with SIB and displacement as it says)
//   b  imm8                                w  imm16
//   z  imm16 or imm32 (operand size)       v  imm16, imm32 or imm64 (mov r, imm: REX.W)
//   a  moffs: an address (8 bytes, 4 with the 67 prefix)
//   e  imm16 + imm8 (enter)
//   B  ModRM + imm8                        Z  ModRM + imm16/imm32
//   f  ModRM, + imm8 when ModRM.reg is 0 or 1 (F6: test)
//   F  ModRM, + imm16/imm32 when ModRM.reg is 0 or 1 (F7: test)
//   p  a prefix (legacy or REX), consumed before the opcode
//   1  escape to the 0F map    2  escape to 0F 38    3  escape to 0F 3A
//   x  invalid in 64-bit mode, or an encoding the decoder does not take (EVEX 62; VEX C4/C5
//      are read by the decoder itself)

enum X86OpcodeTable {
    static let primary = parse([
        "mmmmbzxxmmmmbzx1",   // 00 add, or; 0F escape
        "mmmmbzxxmmmmbzxx",   // 10 adc, sbb
        "mmmmbzpxmmmmbzpx",   // 20 and, sub; es/cs segment prefixes
        "mmmmbzpxmmmmbzpx",   // 30 xor, cmp; ss/ds segment prefixes
        "pppppppppppppppp",   // 40 REX
        "................",   // 50 push, pop
        "xxxmppppzZbB....",   // 60 movsxd; fs gs 66 67 prefixes; push imm, imul imm; ins/outs
        "bbbbbbbbbbbbbbbb",   // 70 jcc rel8
        "BZxBmmmmmmmmmmmm",   // 80 group 1; test, xchg, mov, lea, mov sreg, pop r/m
        "..........x.....",   // 90 xchg, cbw, cwd, fwait, pushf, popf, sahf, lahf
        "aaaa....bz......",   // A0 mov moffs; movs, cmps, test imm, stos, lods, scas
        "bbbbbbbbvvvvvvvv",   // B0 mov r, imm
        "BBw.xxBZe.w..bx.",   // C0 shifts, ret imm16, VEX, mov r/m imm, enter, leave, retf, int3, int
        "mmmmxxx.mmmmmmmm",   // D0 shifts, xlat, x87
        "bbbbbbbbzzxb....",   // E0 loop, jrcxz, in/out imm, call, jmp; in/out dx
        "p.pp..fF......mm",   // F0 lock, int1, rep; hlt, cmc, group 3, clc…std, group 4/5
    ])

    static let map0F = parse([
        "mmmmx.....x.xm.B",   // 0F 00 groups 6/7, lar, lsl; syscall, clts, sysret, invd, wbinvd, ud2, prefetch, femms, 3DNow! (imm8 suffix)
        "mmmmmmmmmmmmmmmm",   // 0F 10 SSE moves, prefetch, hint nops
        "mmmmxxxxmmmmmmmm",   // 0F 20 mov cr/dr; SSE conversions, comparisons
        "......x.2x3xxxxx",   // 0F 30 wrmsr, rdtsc, rdmsr, rdpmc, sysenter, sysexit, getsec; 38 and 3A escapes
        "mmmmmmmmmmmmmmmm",   // 0F 40 cmovcc
        "mmmmmmmmmmmmmmmm",   // 0F 50 SSE arithmetic
        "mmmmmmmmmmmmmmmm",   // 0F 60 MMX/SSE integer
        "BBBBmmm.mmxxmmmm",   // 0F 70 pshuf, shift groups (imm8), pcmpeq, emms, vmread/vmwrite, haddps
        "zzzzzzzzzzzzzzzz",   // 0F 80 jcc rel32
        "mmmmmmmmmmmmmmmm",   // 0F 90 setcc
        "...mBmxx...mBmmm",   // 0F A0 push/pop fs/gs, cpuid, bt, shld, rsm, bts, shrd, group 15, imul
        "mmmmmmmmmmBmmmmm",   // 0F B0 cmpxchg, lss, btr, lfs, lgs, movzx, popcnt, ud1, group 8 (imm8), btc, bsf, bsr, movsx
        "mmBmBBBm........",   // 0F C0 xadd, cmpps (imm8), movnti, pinsrw, pextrw, shufps (imm8), group 9; bswap
        "mmmmmmmmmmmmmmmm",   // 0F D0 MMX/SSE integer
        "mmmmmmmmmmmmmmmm",   // 0F E0 MMX/SSE integer
        "mmmmmmmmmmmmmmmm",   // 0F F0 MMX/SSE integer, ud0
    ])

    /// 0F 38: every instruction has a ModRM and no immediate.
    static let map0F38 = [Code](repeating: .modrm, count: 256)
    /// 0F 3A: every instruction has a ModRM and an imm8.
    static let map0F3A = [Code](repeating: .modrmImm8, count: 256)

    /// Opcodes whose operands differ from their table entry under a mandatory prefix:
    /// SSE4a extrq/insertq (66 / F2 0F 78) take two imm8 after the ModRM.
    static let prefixedExceptions: [(map: X86OpcodeMap, opcode: UInt8, prefix: UInt8, immediateBytes: Int)] = [
        (.map0F, 0x78, 0x66, 2),
        (.map0F, 0x78, 0xF2, 2),
    ]

    enum Code: Character {
        case none = ".", modrm = "m", imm8 = "b", imm16 = "w", immZ = "z", immV = "v", moffs = "a"
        case enter = "e", modrmImm8 = "B", modrmImmZ = "Z", groupF6 = "f", groupF7 = "F"
        case prefix = "p", escape0F = "1", escape0F38 = "2", escape0F3A = "3", invalid = "x"
    }

    static func table(_ map: X86OpcodeMap) -> [Code] {
        switch map {
        case .primary: return primary
        case .map0F: return map0F
        case .map0F38: return map0F38
        case .map0F3A: return map0F3A
        }
    }

    private static func parse(_ rows: [String]) -> [Code] {
        let codes = rows.flatMap { $0.compactMap(Code.init(rawValue:)) }
        precondition(rows.allSatisfy { $0.count == 16 } && codes.count == 256,
                     "an opcode table needs 16 rows of 16 known codes")
        return codes
    }
}

/// What executing an instruction does besides computing: whether it may leave the straight line
/// (so it cannot be moved to another address), or enters the kernel or traps (so it cannot be
/// single-stepped blindly, and must not be moved either).
public enum X86Effect: Sendable, Equatable {
    /// Computes and falls through to the next instruction.
    case ordinary
    /// May transfer control: jumps, calls, returns, loops, transactions.
    case branch
    /// Enters the kernel or faults by design: syscall, int, int3, ud2, hlt, rdtsc (trapped by
    /// swrr), port I/O and other privileged instructions.
    case trap
    /// pushf: single-stepping it pushes the trap flag the step set into the program's memory.
    case pushesFlags
}

/// The instructions whose effect is not `.ordinary`. `modrm` restricts an entry to one ModRM byte
/// (register-form encodings such as rdtscp, 0F 01 F9), `reg` to one ModRM.reg (group members).
enum X86EffectTable {
    struct Entry {
        let map: X86OpcodeMap
        let opcodes: ClosedRange<UInt8>
        var reg: ClosedRange<UInt8>? = nil
        var modrm: UInt8? = nil
        let effect: X86Effect
        let name: String
    }

    static let entries: [Entry] = [
        Entry(map: .primary, opcodes: 0x70...0x7F, effect: .branch, name: "jcc"),
        Entry(map: .primary, opcodes: 0xC2...0xC3, effect: .branch, name: "ret"),
        Entry(map: .primary, opcodes: 0xCA...0xCB, effect: .branch, name: "retf"),
        Entry(map: .primary, opcodes: 0xCF...0xCF, effect: .branch, name: "iret"),
        Entry(map: .primary, opcodes: 0xE0...0xE3, effect: .branch, name: "loop/jrcxz"),
        Entry(map: .primary, opcodes: 0xE8...0xE9, effect: .branch, name: "call/jmp rel32"),
        Entry(map: .primary, opcodes: 0xEB...0xEB, effect: .branch, name: "jmp rel8"),
        Entry(map: .primary, opcodes: 0xFF...0xFF, reg: 2...5, effect: .branch, name: "call/jmp indirect"),
        Entry(map: .primary, opcodes: 0xC7...0xC7, modrm: 0xF8, effect: .branch, name: "xbegin"),
        Entry(map: .primary, opcodes: 0xC6...0xC6, modrm: 0xF8, effect: .branch, name: "xabort"),
        Entry(map: .primary, opcodes: 0xCC...0xCD, effect: .trap, name: "int3/int"),
        Entry(map: .primary, opcodes: 0xF1...0xF1, effect: .trap, name: "int1"),
        Entry(map: .primary, opcodes: 0xF4...0xF4, effect: .trap, name: "hlt"),
        Entry(map: .primary, opcodes: 0xFA...0xFB, effect: .trap, name: "cli/sti"),
        Entry(map: .primary, opcodes: 0x6C...0x6F, effect: .trap, name: "ins/outs"),
        Entry(map: .primary, opcodes: 0xE4...0xE7, effect: .trap, name: "in/out imm8"),
        Entry(map: .primary, opcodes: 0xEC...0xEF, effect: .trap, name: "in/out dx"),
        Entry(map: .primary, opcodes: 0x9C...0x9C, effect: .pushesFlags, name: "pushf"),
        Entry(map: .map0F, opcodes: 0x80...0x8F, effect: .branch, name: "jcc rel32"),
        Entry(map: .map0F, opcodes: 0x01...0x01, modrm: 0xD5, effect: .branch, name: "xend"),
        Entry(map: .map0F, opcodes: 0x01...0x01, modrm: 0xF9, effect: .trap, name: "rdtscp"),
        Entry(map: .map0F, opcodes: 0x05...0x09, effect: .trap, name: "syscall/clts/sysret/invd/wbinvd"),
        Entry(map: .map0F, opcodes: 0x0B...0x0B, effect: .trap, name: "ud2"),
        Entry(map: .map0F, opcodes: 0x30...0x35, effect: .trap, name: "wrmsr/rdtsc/rdmsr/rdpmc/sysenter/sysexit"),
        Entry(map: .map0F, opcodes: 0x37...0x37, effect: .trap, name: "getsec"),
        Entry(map: .map0F, opcodes: 0xB9...0xB9, effect: .trap, name: "ud1"),
        Entry(map: .map0F, opcodes: 0xFF...0xFF, effect: .trap, name: "ud0"),
    ]

    static func effect(map: X86OpcodeMap, opcode: UInt8, modrm: UInt8?) -> X86Effect {
        for e in entries where e.map == map && e.opcodes.contains(opcode) {
            if let want = e.modrm, modrm != want { continue }
            if let regs = e.reg {
                guard let m = modrm, regs.contains((m >> 3) & 7) else { continue }
            }
            return e.effect
        }
        return .ordinary
    }
}
