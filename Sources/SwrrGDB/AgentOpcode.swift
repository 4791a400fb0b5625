// The opcodes of gdb's agent expression bytecode (gdb manual, "Bytecode Descriptions"), as data:
// the byte, the name gdb's `maint agent` prints, the bytes of immediate operand that follow it,
// the stack items it takes and leaves, and what it does. The decoder (AgentExpression.swift)
// walks a program with this table alone; the interpreter applies `action` generically.
//
// Immediates are big-endian (measured: gdb 13 sends `reg 6` as 26 00 06 and `const32 4210720`
// as 24 00 40 40 20). Stack items are 64-bit patterns: gdb's compiler emits `ext`/`zero_ext`
// after every narrower value, so signed and unsigned operations read the same bits their way.
// `refusal` says why an opcode is not run here: floating point (gdb emits it only for float and
// double conditions), trace state variables (swrr has no tracepoints, so a condition naming one
// has no meaning) and printf (dprintf's, not a condition's).

struct AgentOpcode {
    /// What an opcode does to the `pops` items on top of the stack (last: the top).
    enum Action {
        /// a b ⇒ f(a, b); nil: division by zero.
        case binary((UInt64, UInt64) -> UInt64?)
        /// a ⇒ f(a, immediate)
        case unary((UInt64, UInt64) -> UInt64)
        /// The popped items are replaced by f(items): dup, pop, swap, rot and the trace no-ops
        /// (a condition records nothing).
        case shuffle(([UInt64]) -> [UInt64])
        /// addr ⇒ the little-endian value of this many bytes at addr.
        case load(Int)
        /// ⇒ the immediate.
        case constant
        /// ⇒ the register numbered by the immediate (gdb's x86-64 numbers, RegisterFile).
        case register
        /// ⇒ a copy of the item `immediate` below the top (pick 0 is dup).
        case pick
        /// Continue at the immediate's byte offset (if_goto: when the popped item is not 0).
        case jump, jumpIfNotZero
        /// The top item is the result.
        case end
        case refused
    }

    var code: UInt8
    var name: String
    /// Immediate operand bytes after the opcode.
    var immediate: Int
    /// Stack items the opcode needs (pick needs more: its operand + 1).
    var pops: Int
    /// Stack items it leaves in their place.
    var pushes: Int
    var action: Action
    /// Why this server does not run it; nil: it runs.
    var refusal: String?

    private init(_ code: UInt8, _ name: String, immediate: Int = 0, pops: Int, pushes: Int, _ action: Action) {
        self.code = code
        self.name = name
        self.immediate = immediate
        self.pops = pops
        self.pushes = pushes
        self.action = action
        refusal = nil
    }

    private init(_ code: UInt8, _ name: String, immediate: Int = 0, pops: Int, pushes: Int, refusal: String) {
        self.code = code
        self.name = name
        self.immediate = immediate
        self.pops = pops
        self.pushes = pushes
        action = .refused
        self.refusal = refusal
    }

    private static let floatingPoint = "floating-point values are not evaluated in swrr's gdb server"
    private static let traceVariable = "swrr has no trace state variables"

    static let all: [AgentOpcode] = [
        AgentOpcode(0x01, "float", pops: 0, pushes: 0, refusal: floatingPoint),
        AgentOpcode(0x02, "add", pops: 2, pushes: 1, .binary { $0 &+ $1 }),
        AgentOpcode(0x03, "sub", pops: 2, pushes: 1, .binary { $0 &- $1 }),
        AgentOpcode(0x04, "mul", pops: 2, pushes: 1, .binary { $0 &* $1 }),
        // Int64.min / -1 overflows: the reporting forms give gdbserver's wrapped result, not a trap.
        AgentOpcode(0x05, "div_signed", pops: 2, pushes: 1, .binary { a, b in
            b == 0 ? nil : signed(a).dividedReportingOverflow(by: signed(b)).partialValue.bits }),
        AgentOpcode(0x06, "div_unsigned", pops: 2, pushes: 1, .binary { a, b in b == 0 ? nil : a / b }),
        AgentOpcode(0x07, "rem_signed", pops: 2, pushes: 1, .binary { a, b in
            b == 0 ? nil : signed(a).remainderReportingOverflow(dividingBy: signed(b)).partialValue.bits }),
        AgentOpcode(0x08, "rem_unsigned", pops: 2, pushes: 1, .binary { a, b in b == 0 ? nil : a % b }),
        // A shift by 64 or more is undefined in C; here it shifts everything out (Swift's smart
        // shifts with the count capped, so no count from the packet can trap).
        AgentOpcode(0x09, "lsh", pops: 2, pushes: 1, .binary { a, b in a << min(b, 64) }),
        AgentOpcode(0x0a, "rsh_signed", pops: 2, pushes: 1, .binary { a, b in (signed(a) >> min(b, 64)).bits }),
        AgentOpcode(0x0b, "rsh_unsigned", pops: 2, pushes: 1, .binary { a, b in a >> min(b, 64) }),
        AgentOpcode(0x0c, "trace", pops: 2, pushes: 0, .shuffle { _ in [] }),
        AgentOpcode(0x0d, "trace_quick", immediate: 1, pops: 1, pushes: 1, .shuffle { $0 }),
        AgentOpcode(0x0e, "log_not", pops: 1, pushes: 1, .unary { a, _ in a == 0 ? 1 : 0 }),
        AgentOpcode(0x0f, "bit_and", pops: 2, pushes: 1, .binary { $0 & $1 }),
        AgentOpcode(0x10, "bit_or", pops: 2, pushes: 1, .binary { $0 | $1 }),
        AgentOpcode(0x11, "bit_xor", pops: 2, pushes: 1, .binary { $0 ^ $1 }),
        AgentOpcode(0x12, "bit_not", pops: 1, pushes: 1, .unary { a, _ in ~a }),
        AgentOpcode(0x13, "equal", pops: 2, pushes: 1, .binary { $0 == $1 ? 1 : 0 }),
        AgentOpcode(0x14, "less_signed", pops: 2, pushes: 1, .binary { signed($0) < signed($1) ? 1 : 0 }),
        AgentOpcode(0x15, "less_unsigned", pops: 2, pushes: 1, .binary { $0 < $1 ? 1 : 0 }),
        // The width (1–64 bits) is checked by the decoder.
        AgentOpcode(0x16, "ext", immediate: 1, pops: 1, pushes: 1, .unary { a, n in
            n >= 64 ? a : (signed(a << (64 - n)) >> (64 - n)).bits }),
        AgentOpcode(0x17, "ref8", pops: 1, pushes: 1, .load(1)),
        AgentOpcode(0x18, "ref16", pops: 1, pushes: 1, .load(2)),
        AgentOpcode(0x19, "ref32", pops: 1, pushes: 1, .load(4)),
        AgentOpcode(0x1a, "ref64", pops: 1, pushes: 1, .load(8)),
        AgentOpcode(0x1b, "ref_float", pops: 1, pushes: 1, refusal: floatingPoint),
        AgentOpcode(0x1c, "ref_double", pops: 1, pushes: 1, refusal: floatingPoint),
        AgentOpcode(0x1d, "ref_long_double", pops: 1, pushes: 1, refusal: floatingPoint),
        AgentOpcode(0x1e, "l_to_d", pops: 1, pushes: 1, refusal: floatingPoint),
        AgentOpcode(0x1f, "d_to_l", pops: 1, pushes: 1, refusal: floatingPoint),
        AgentOpcode(0x20, "if_goto", immediate: 2, pops: 1, pushes: 0, .jumpIfNotZero),
        AgentOpcode(0x21, "goto", immediate: 2, pops: 0, pushes: 0, .jump),
        AgentOpcode(0x22, "const8", immediate: 1, pops: 0, pushes: 1, .constant),
        AgentOpcode(0x23, "const16", immediate: 2, pops: 0, pushes: 1, .constant),
        AgentOpcode(0x24, "const32", immediate: 4, pops: 0, pushes: 1, .constant),
        AgentOpcode(0x25, "const64", immediate: 8, pops: 0, pushes: 1, .constant),
        AgentOpcode(0x26, "reg", immediate: 2, pops: 0, pushes: 1, .register),
        AgentOpcode(0x27, "end", pops: 1, pushes: 0, .end),
        AgentOpcode(0x28, "dup", pops: 1, pushes: 2, .shuffle { [$0[0], $0[0]] }),
        AgentOpcode(0x29, "pop", pops: 1, pushes: 0, .shuffle { _ in [] }),
        AgentOpcode(0x2a, "zero_ext", immediate: 1, pops: 1, pushes: 1, .unary { a, n in
            n >= 64 ? a : a & ((1 << n) - 1) }),
        AgentOpcode(0x2b, "swap", pops: 2, pushes: 2, .shuffle { [$0[1], $0[0]] }),
        AgentOpcode(0x2c, "getv", immediate: 2, pops: 0, pushes: 1, refusal: traceVariable),
        AgentOpcode(0x2d, "setv", immediate: 2, pops: 1, pushes: 1, refusal: traceVariable),
        AgentOpcode(0x2e, "tracev", immediate: 2, pops: 0, pushes: 0, .shuffle { _ in [] }),
        AgentOpcode(0x2f, "tracenz", pops: 2, pushes: 0, .shuffle { _ in [] }),
        AgentOpcode(0x30, "trace16", immediate: 2, pops: 1, pushes: 1, .shuffle { $0 }),
        // 0x31 is gdb's `invalid2`: no operation has it.
        AgentOpcode(0x32, "pick", immediate: 1, pops: 0, pushes: 1, .pick),
        // a b c ⇒ c a b (gdbserver's order: the top goes third, the other two move up).
        AgentOpcode(0x33, "rot", pops: 3, pushes: 3, .shuffle { [$0[2], $0[0], $0[1]] }),
        // printf's operands are a count byte, a 16-bit length and a string: its immediate size
        // is not fixed, and refusing it is why the decoder never needs to know it.
        AgentOpcode(0x34, "printf", pops: 0, pushes: 0, refusal: "printf belongs to dprintf, not to a condition"),
    ]

    /// The opcode for each byte value (nil: no such opcode).
    static let byCode: [AgentOpcode?] = {
        var table = [AgentOpcode?](repeating: nil, count: 256)
        for op in all { table[Int(op.code)] = op }
        return table
    }()

    static func named(_ name: String) -> AgentOpcode? { all.first { $0.name == name } }
}

private func signed(_ v: UInt64) -> Int64 { Int64(bitPattern: v) }

extension Int64 {
    fileprivate var bits: UInt64 { UInt64(bitPattern: self) }
}
