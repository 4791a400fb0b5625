// The DWARF expression evaluator (DWARF 5 §2.5-2.6), used for variable locations, frame bases
// and CFI rules. The opcode table is data: each opcode maps to a small `Operation`, so adding
// an opcode is adding a row, not a case in a long switch of behaviours.
//
// The result is a location description, not a number: a variable may live in memory, in a
// register, be a computed value (DW_OP_stack_value), a literal block (DW_OP_implicit_value),
// or be split into pieces, some of which may be optimized out.
import CLibDW

public indirect enum Location: Equatable, Sendable {
    case memory(UInt64)
    /// DWARF register number.
    case register(Int)
    case value(UInt64)
    case implicit([UInt8])
    /// Pieces, each with its size in bits (nil location: that piece is optimized out).
    case pieces([Piece])
    case optimizedOut
    /// DW_OP_implicit_pointer: a pointer that was optimized away, to the object described by
    /// the DIE at `dieOffset` (in .debug_info), plus `offset` bytes.
    case implicitPointer(dieOffset: UInt64, offset: Int64)

    public struct Piece: Equatable, Sendable {
        public var location: Location?
        public var bits: Int
        public var bitOffset: Int
    }
}

/// What an expression can ask of the program state it is evaluated against.
struct ExpressionContext {
    var target: TargetAccess
    /// Value of a DWARF register in the frame; throws if unknown (clobbered in a caller).
    var register: (Int) throws -> UInt64
    var frameBase: (() throws -> UInt64)? = nil
    var cfa: UInt64? = nil
    /// Value of a DWARF expression at the function's entry (DW_OP_entry_value), if knowable.
    var entryValue: (([Dwarf_Op], Dwarf_Attribute?) throws -> UInt64)? = nil
    /// Load bias of the module (DW_OP_addr operands are file addresses).
    var bias: UInt64 = 0
    /// The address of a thread-local variable from its offset in the module's TLS block.
    var tlsAddress: ((UInt64) throws -> UInt64)? = nil
    /// The attribute the ops came from, needed to fetch nested blocks (entry values) and
    /// the base types of typed operations.
    var attribute: Dwarf_Attribute? = nil
    /// The 16 bytes of a vector register (DWARF 17-32: xmm0-15), where known.
    var vectorRegister: ((Int) throws -> [UInt8])? = nil
}

enum Operation {
    case literal(UInt64)
    case constant            // push op.number
    case address             // push op.number + bias
    case register(Int)       // location: DWARF register n
    case registerX           // location: register op.number
    case baseRegister(Int)   // push reg n + op.number (signed)
    case baseRegisterX       // push reg op.number + op.number2
    case frameBase           // push frame base + op.number
    case callFrameCFA
    case unary((UInt64) -> UInt64)
    case binary((UInt64, UInt64) -> UInt64?)
    case plusConstant
    case dup, drop, over, pick, swap, rot
    case deref, derefSize
    case skip, branch
    case piece, bitPiece
    case stackValue
    case implicitValue
    case entryValue
    case tlsAddress
    case implicitPointer
    case regvalType          // push register op.number as the base type at op.number2
    case convert             // reinterpret/convert the top of stack to the base type at op.number
    case nop
}

/// DWARF 5 typed stack entries: gcc computes optimized floating-point variables on the stack
/// (`DW_OP_regval_type xmm0 <double>; DW_OP_regval_type xmm1 <double>; DW_OP_mul`).
/// Only the float-ness and size of a type matter to the arithmetic.
enum StackType: Equatable {
    case generic, float32, float64, integer(signed: Bool, size: Int)

    init(baseType die: Dwarf_Die?) {
        guard let d = die, let size = d.unsigned(Int32(DW_AT_byte_size)), let enc = d.unsigned(Int32(DW_AT_encoding)) else {
            self = .generic; return
        }
        if enc == UInt64(DW_ATE_float) { self = size == 4 ? .float32 : .float64; return }
        self = .integer(signed: enc == UInt64(DW_ATE_signed) || enc == UInt64(DW_ATE_signed_char), size: Int(size))
    }

    var isFloat: Bool { self == .float32 || self == .float64 }

    func toDouble(_ bits: UInt64) -> Double {
        switch self {
        case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: return Double(bitPattern: bits)
        case .integer(let signed, _): return signed ? Double(Int64(bitPattern: bits)) : Double(bits)
        case .generic: return Double(Int64(bitPattern: bits))
        }
    }

    func fromDouble(_ d: Double) -> UInt64 {
        switch self {
        case .float32: return UInt64(Float(d).bitPattern)
        case .float64: return d.bitPattern
        default: return d.isFinite ? UInt64(bitPattern: Int64(d)) : 0
        }
    }
}

enum DWARFExpression {
    static let table: [UInt8: Operation] = {
        var t: [UInt8: Operation] = [:]
        for n in 0..<32 {
            t[UInt8(Int(DW_OP_lit0) + n)] = .literal(UInt64(n))
            t[UInt8(Int(DW_OP_reg0) + n)] = .register(n)
            t[UInt8(Int(DW_OP_breg0) + n)] = .baseRegister(n)
        }
        for op in [DW_OP_const1u, DW_OP_const1s, DW_OP_const2u, DW_OP_const2s, DW_OP_const4u,
                   DW_OP_const4s, DW_OP_const8u, DW_OP_const8s, DW_OP_constu, DW_OP_consts] {
            t[UInt8(op)] = .constant
        }
        func signed(_ f: @escaping (Int64, Int64) -> Int64?) -> Operation {
            .binary { a, b in f(Int64(bitPattern: a), Int64(bitPattern: b)).map { UInt64(bitPattern: $0) } }
        }
        func compare(_ f: @escaping (Int64, Int64) -> Bool) -> Operation {
            .binary { a, b in f(Int64(bitPattern: a), Int64(bitPattern: b)) ? 1 : 0 }
        }
        let rows: [(Int, Operation)] = [
            (DW_OP_addr, .address), (DW_OP_regx, .registerX), (DW_OP_bregx, .baseRegisterX),
            (DW_OP_fbreg, .frameBase), (DW_OP_call_frame_cfa, .callFrameCFA),
            (DW_OP_dup, .dup), (DW_OP_drop, .drop), (DW_OP_over, .over), (DW_OP_pick, .pick),
            (DW_OP_swap, .swap), (DW_OP_rot, .rot), (DW_OP_deref, .deref), (DW_OP_deref_size, .derefSize),
            (DW_OP_abs, .unary { UInt64(bitPattern: abs(Int64(bitPattern: $0))) }),
            (DW_OP_neg, .unary { 0 &- $0 }), (DW_OP_not, .unary { ~$0 }),
            (DW_OP_and, .binary { $0 & $1 }), (DW_OP_or, .binary { $0 | $1 }), (DW_OP_xor, .binary { $0 ^ $1 }),
            (DW_OP_plus, .binary { $0 &+ $1 }), (DW_OP_minus, .binary { $0 &- $1 }),
            (DW_OP_mul, .binary { $0 &* $1 }),
            (DW_OP_div, signed { $1 == 0 ? nil : $0 / $1 }), (DW_OP_mod, .binary { $1 == 0 ? nil : $0 % $1 }),
            (DW_OP_shl, .binary { $1 >= 64 ? 0 : $0 << $1 }), (DW_OP_shr, .binary { $1 >= 64 ? 0 : $0 >> $1 }),
            (DW_OP_shra, signed { $0 >> min($1, 63) }),
            (DW_OP_plus_uconst, .plusConstant),
            (DW_OP_eq, compare(==)), (DW_OP_ne, compare(!=)), (DW_OP_lt, compare(<)),
            (DW_OP_le, compare(<=)), (DW_OP_gt, compare(>)), (DW_OP_ge, compare(>=)),
            (DW_OP_skip, .skip), (DW_OP_bra, .branch), (DW_OP_piece, .piece), (DW_OP_bit_piece, .bitPiece),
            (DW_OP_stack_value, .stackValue), (DW_OP_implicit_value, .implicitValue),
            (DW_OP_entry_value, .entryValue), (DW_OP_GNU_entry_value, .entryValue),
            (DW_OP_form_tls_address, .tlsAddress), (DW_OP_GNU_push_tls_address, .tlsAddress),
            (DW_OP_implicit_pointer, .implicitPointer), (DW_OP_GNU_implicit_pointer, .implicitPointer),
            (DW_OP_regval_type, .regvalType), (DW_OP_GNU_regval_type, .regvalType),
            (DW_OP_convert, .convert), (DW_OP_GNU_convert, .convert),
            (DW_OP_nop, .nop),
        ]
        for (op, o) in rows { t[UInt8(op)] = o }
        return t
    }()

    static func opName(_ atom: UInt8) -> String {
        "DW_OP 0x" + String(atom, radix: 16)
    }

    /// Evaluates a location expression. An empty expression means "optimized out".
    static func evaluate(_ ops: [Dwarf_Op], _ ctx: ExpressionContext, initialStack: [UInt64] = []) throws -> Location {
        if ops.isEmpty { return .optimizedOut }
        var stack = initialStack
        var types = [StackType](repeating: .generic, count: initialStack.count)
        var pieces: [Location.Piece] = []
        var pending: Location? = nil   // register/implicit/value location awaiting a piece or end
        var pc = 0
        var steps = 0

        func pop() throws -> UInt64 {
            guard let v = stack.popLast() else { throw DebugInfoError("DWARF expression stack underflow") }
            return v
        }
        func jump(_ op: Dwarf_Op) throws {
            // Branch targets are byte offsets; libdw gives each op its offset.
            let target = op.offset &+ 3 &+ UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: op.number)))
            guard let i = ops.firstIndex(where: { $0.offset == target }) else {
                if target == (ops.last.map { $0.offset } ?? 0) + 1 { pc = ops.count; return }
                throw DebugInfoError("DWARF branch to a non-instruction")
            }
            pc = i
        }

        while pc < ops.count {
            steps += 1
            if steps > 10_000 { throw DebugInfoError("DWARF expression does not terminate") }
            let op = ops[pc]
            pc += 1
            if types.count > stack.count { types.removeLast(types.count - stack.count) }
            while types.count < stack.count { types.append(.generic) }
            guard let kind = table[op.atom] else {
                throw DebugInfoError("unsupported \(opName(op.atom))")
            }
            switch kind {
            case .literal(let v): stack.append(v)
            case .constant: stack.append(op.number)
            case .address: stack.append(op.number &+ ctx.bias)
            case .register(let n): pending = .register(n)
            case .registerX: pending = .register(Int(op.number))
            case .baseRegister(let n): stack.append(try ctx.register(n) &+ op.number)
            case .baseRegisterX: stack.append(try ctx.register(Int(op.number)) &+ op.number2)
            case .frameBase:
                guard let fb = ctx.frameBase else { throw DebugInfoError("no frame base") }
                stack.append(try fb() &+ op.number)
            case .callFrameCFA:
                guard let c = ctx.cfa else { throw DebugInfoError("CFA unknown") }
                stack.append(c)
            case .unary(let f): stack.append(f(try pop()))
            case .binary(let f):
                let tb = types.count >= 2 ? types[stack.count - 1] : .generic
                let ta = types.count >= 2 ? types[stack.count - 2] : .generic
                let b = try pop(), a = try pop()
                if ta.isFloat || tb.isFloat {
                    let t = ta.isFloat ? ta : tb
                    let (x, y) = (ta.toDouble(a), tb.toDouble(b))
                    let r: Double
                    switch Int32(op.atom) {
                    case Int32(DW_OP_plus): r = x + y
                    case Int32(DW_OP_minus): r = x - y
                    case Int32(DW_OP_mul): r = x * y
                    case Int32(DW_OP_div): r = x / y
                    default: throw DebugInfoError("\(opName(op.atom)) on floating-point operands")
                    }
                    stack.append(t.fromDouble(r))
                    types.removeLast(2)
                    types.append(t)
                    continue
                }
                guard let r = f(a, b) else { throw DebugInfoError("division by zero in DWARF expression") }
                stack.append(r)
            case .plusConstant: stack.append(try pop() &+ op.number)
            case .dup: let v = try pop(); stack += [v, v]
            case .drop: _ = try pop()
            case .over:
                guard stack.count >= 2 else { throw DebugInfoError("DWARF expression stack underflow") }
                stack.append(stack[stack.count - 2])
            case .pick:
                let i = Int(op.number)
                guard i < stack.count else { throw DebugInfoError("DWARF expression stack underflow") }
                stack.append(stack[stack.count - 1 - i])
            case .swap: let b = try pop(), a = try pop(); stack += [b, a]
            case .rot: let c = try pop(), b = try pop(), a = try pop(); stack += [c, a, b]
            case .deref: stack.append(try ctx.target.readU64(try pop()))
            case .derefSize:
                let n = Int(op.number)
                let bytes = try ctx.target.readMemory(try pop(), count: n)
                var v: UInt64 = 0
                for (i, b) in bytes.enumerated() where i < 8 { v |= UInt64(b) << (8 * UInt64(i)) }
                stack.append(v)
            case .skip: try jump(op)
            case .branch: if try pop() != 0 { try jump(op) }
            case .stackValue: pending = .value(try pop())
            case .implicitValue:
                let n = Int(op.number)
                let p = UnsafeRawPointer(bitPattern: UInt(op.number2))
                pending = .implicit(p.map { Array(UnsafeRawBufferPointer(start: $0, count: n)) } ?? [])
            case .entryValue:
                guard let ev = ctx.entryValue else { throw DebugInfoError("entry value unavailable") }
                var o = op
                var sub: [Dwarf_Op] = []
                if var a = ctx.attribute {
                    var result = Dwarf_Attribute()
                    if dwarf_getlocation_attr(&a, &o, &result) == 0 {
                        var p: UnsafeMutablePointer<Dwarf_Op>?
                        var n = 0
                        if dwarf_getlocation(&result, &p, &n) == 0, let p { sub = Array(UnsafeBufferPointer(start: p, count: n)) }
                    }
                }
                guard !sub.isEmpty else { throw DebugInfoError("entry value unavailable") }
                stack.append(try ev(sub, ctx.attribute))
            case .tlsAddress:
                guard let tls = ctx.tlsAddress else { throw DebugInfoError("thread-local storage is not available here") }
                stack.append(try tls(try pop()))
            case .piece, .bitPiece:
                let bits = kind.isBitPiece ? Int(op.number) : Int(op.number) * 8
                let loc: Location?
                if let p = pending { loc = p } else if let a = stack.popLast() { loc = .memory(a) } else { loc = nil }
                pieces.append(Location.Piece(location: loc, bits: bits, bitOffset: kind.isBitPiece ? Int(op.number2) : 0))
                pending = nil
            case .implicitPointer:
                var target = op.number
                if var a = ctx.attribute {
                    var o = op
                    var d = Dwarf_Die()
                    if dwarf_getlocation_die(&a, &o, &d) == 0 { target = d.offset }
                }
                pending = .implicitPointer(dieOffset: target, offset: Int64(bitPattern: op.number2))
            case .regvalType, .convert:
                var baseType: Dwarf_Die? = nil
                if var a = ctx.attribute {
                    var o = op
                    var d = Dwarf_Die()
                    if dwarf_getlocation_die(&a, &o, &d) == 0 { baseType = d }
                }
                let t = StackType(baseType: baseType)
                if case .convert = kind {
                    let from = types.last ?? .generic
                    let v = try pop()
                    types.removeLast(min(1, types.count))
                    stack.append(from.isFloat || t.isFloat ? t.fromDouble(from.toDouble(v)) : v)
                    types.append(t)
                    continue
                }
                let reg = Int(op.number)
                var bits: UInt64
                if (17...32).contains(reg) {
                    guard let vr = ctx.vectorRegister else { throw DebugInfoError("vector registers unavailable") }
                    let bytes = try vr(reg)
                    bits = bytes.prefix(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
                } else {
                    bits = try ctx.register(reg)
                }
                if t == .float32 { bits &= 0xffff_ffff }
                stack.append(bits)
                types.append(t)
            case .nop: break
            }
        }
        if !pieces.isEmpty { return .pieces(pieces) }
        if let p = pending { return p }
        guard let top = stack.last else { return .optimizedOut }
        return .memory(top)
    }

    /// Evaluates an expression that must produce a number (CFA rules, frame bases).
    static func value(_ ops: [Dwarf_Op], _ ctx: ExpressionContext) throws -> UInt64 {
        switch try evaluate(ops, ctx) {
        case .memory(let a): return a
        case .value(let v): return v
        case .register(let r): return try ctx.register(r)
        default: throw DebugInfoError("expression has no single value")
        }
    }
}

extension Operation {
    var isBitPiece: Bool { if case .bitPiece = self { return true }; return false }
}
