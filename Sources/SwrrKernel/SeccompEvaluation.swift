// Running a task's seccomp filters as the kernel does, for stacked filters. The recorder's
// rewriting (SeccompActions.swift) turns every action that does not run the call into the same
// SECCOMP_RET_TRACE, and between equal actions the kernel keeps the newest filter's: so when a
// task has several filters of the program, the index at PTRACE_EVENT_SECCOMP names the newest
// filter's action, where natively the most restrictive of all wins (an older filter's TRAP over a
// newer one's ERRNO). The recorder then runs the original filters here, on the call's
// seccomp_data, and takes the kernel's choice (kernel/seccomp.c, seccomp_run_filters).

/// struct seccomp_data: what a filter's loads read (64 bytes).
public struct SeccompData: Equatable, Sendable {
    public var nr: Int32
    public var arch: UInt32
    public var instructionPointer: UInt64
    public var args: [UInt64]
    public init(nr: Int32, arch: UInt32 = 0xC000_003E, instructionPointer: UInt64, args: [UInt64]) {
        self.nr = nr
        self.arch = arch
        self.instructionPointer = instructionPointer
        self.args = args
    }

    /// The 32-bit word at byte `offset` (little-endian, as the kernel's loads read it); nil when
    /// outside the struct or unaligned (the kernel refuses such a filter at installation).
    func word(at offset: UInt32) -> UInt32? {
        guard offset % 4 == 0, offset < 64 else { return nil }
        func half(_ v: UInt64, high: Bool) -> UInt32 { UInt32(truncatingIfNeeded: high ? v >> 32 : v) }
        switch offset {
        case 0: return UInt32(bitPattern: nr)
        case 4: return arch
        case 8, 12: return half(instructionPointer, high: offset == 12)
        default:
            let i = Int(offset - 16) / 8
            return i < args.count ? half(args[i], high: offset % 8 == 4) : 0
        }
    }
}

public enum SeccompEvaluation {
    /// The action (return value) of one classic BPF filter (struct sock_filter bytes) on `data`,
    /// or nil when the filter does something the kernel's checker (seccomp_check_filter) would
    /// have refused.
    public static func run(_ filter: [UInt8], on data: SeccompData) -> UInt32? {
        let count = filter.count / 8
        guard count >= 1, filter.count % 8 == 0 else { return nil }
        var a: UInt32 = 0, x: UInt32 = 0
        var mem = [UInt32](repeating: 0, count: 16)
        var pc = 0
        // Jumps only go forward, so this ends within `count` steps.
        while pc < count {
            let at = pc * 8
            let code = UInt16(filter[at]) | UInt16(filter[at + 1]) << 8
            let jt = Int(filter[at + 2]), jf = Int(filter[at + 3])
            let k = filter.loadU32(at: at + 4)
            pc += 1
            switch code & 0x07 {
            case 0x00, 0x01:   // BPF_LD, BPF_LDX (word size only)
                let value: UInt32
                switch code & 0xe0 {
                case 0x00: value = k                                      // BPF_IMM
                case 0x20: guard let w = data.word(at: k) else { return nil }; value = w   // BPF_ABS
                case 0x60: guard k < 16 else { return nil }; value = mem[Int(k)]           // BPF_MEM
                case 0x80: value = 64                                     // BPF_LEN
                default: return nil
                }
                if code & 0x07 == 0 { a = value } else { x = value }
            case 0x02, 0x03:   // BPF_ST, BPF_STX
                guard k < 16 else { return nil }
                mem[Int(k)] = code & 0x07 == 0x02 ? a : x
            case 0x04:         // BPF_ALU
                let src = code & 0x08 != 0 ? x : k
                switch code & 0xf0 {
                case 0x00: a = a &+ src
                case 0x10: a = a &- src
                case 0x20: a = a &* src
                case 0x30: if src == 0 { return 0 }; a /= src   // division by zero: the filter returns 0
                case 0x40: a |= src
                case 0x50: a &= src
                case 0x60: a = src >= 32 ? 0 : a << src
                case 0x70: a = src >= 32 ? 0 : a >> src
                case 0x80: a = 0 &- a
                case 0x90: if src == 0 { return 0 }; a %= src
                case 0xa0: a ^= src
                default: return nil
                }
            case 0x05:         // BPF_JMP
                let src = code & 0x08 != 0 ? x : k
                let taken: Bool
                switch code & 0xf0 {
                case 0x00: pc += Int(k); continue                         // BPF_JA
                case 0x10: taken = a == src
                case 0x20: taken = a > src
                case 0x30: taken = a >= src
                case 0x40: taken = a & src != 0
                default: return nil
                }
                pc += taken ? jt : jf
            case 0x06:         // BPF_RET
                switch code & 0x18 {
                case 0x00: return k
                case 0x10: return a
                default: return nil
                }
            default:           // BPF_MISC
                switch code & 0xf8 {
                case 0x00: x = a       // TAX
                case 0x80: a = x       // TXA
                default: return nil
                }
            }
        }
        return nil
    }

    /// What the kernel does with a call given all the task's filters, newest first: the most
    /// restrictive action (the smallest as a signed value: KILL_PROCESS's 0x80000000 first), the
    /// newest filter's among equals. A filter that cannot run counts as KILL_PROCESS, as the
    /// kernel's checker would never have let it in.
    public static func strictest(_ filtersNewestFirst: [[UInt8]], on data: SeccompData) -> SeccompAction {
        var best: UInt32 = 0x7fff_0000   // ALLOW
        for f in filtersNewestFirst {
            let r = run(f, on: data) ?? 0x8000_0000
            if Int32(bitPattern: r & 0xffff_0000) < Int32(bitPattern: best & 0xffff_0000) { best = r }
        }
        return SeccompAction(raw: best)
    }
}
