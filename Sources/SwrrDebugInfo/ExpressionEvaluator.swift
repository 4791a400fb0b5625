// Evaluation of parsed expressions in a frame. Values are DWARF-typed objects read from the
// target where possible (so members, indexing and printing follow the real types), plain
// numbers for arithmetic results, and synthetic pointers for `&x` and pointer casts (DWARF
// only describes the pointer types the program itself uses).
import CLibDW
import Foundation

public enum ExprValue {
    case integer(Int64, unsigned: Bool)
    case floating(Double)
    case object(Value)
    /// A pointer with `depth` levels of indirection to `pointee`.
    case pointer(UInt64, pointee: DWType, depth: Int)
}

public struct EvaluationResult {
    public var value: ExprValue
    public var text: String
    public var typeName: String
}

public enum DebugExpression {
    /// Parses and evaluates `text` in a frame; errors say what failed.
    public static func evaluate(_ text: String, in scope: FrameScope) throws -> EvaluationResult {
        let ev = ExpressionEvaluator(scope: scope)
        let expr = try ExpressionParser.parse(text) { ev.findType($0) != nil }
        let v = try ev.eval(expr)
        return EvaluationResult(value: v, text: ev.format(v), typeName: ev.typeName(v))
    }
}

struct ExpressionEvaluator {
    let scope: FrameScope
    var target: TargetAccess { scope.target }
    var formatter: ValueFormatter { scope.stack.formatter }

    static let builtinSizes: [String: (size: Int, unsigned: Bool)] = [
        "char": (1, false), "signed char": (1, false), "unsigned char": (1, true), "_Bool": (1, true), "bool": (1, true),
        "short": (2, false), "short int": (2, false), "unsigned short": (2, true), "int": (4, false),
        "signed": (4, false), "signed int": (4, false), "unsigned": (4, true), "unsigned int": (4, true),
        "long": (8, false), "long int": (8, false), "unsigned long": (8, true), "long long": (8, false),
        "unsigned long long": (8, true), "long unsigned int": (8, true),
    ]

    // MARK: types

    /// A type DIE by C name ("struct point", "shape_t", "unsigned int"), searched in the
    /// frame's unit first, then every unit.
    func findType(_ name: String) -> DWType? {
        var tag = -1
        var n = name
        for (kw, t) in [("struct ", DW_TAG_structure_type), ("union ", DW_TAG_union_type), ("enum ", DW_TAG_enumeration_type),
                        ("class ", DW_TAG_class_type)] where name.hasPrefix(kw) {
            tag = t; n = String(name.dropFirst(kw.count))
        }
        var units: [Dwarf_Die] = []
        if let sp = scope.subprogram ?? scope.frame.scopes.last, let cu = sp.cu { units.append(cu) }
        if let m = scope.module, m.hasDWARF { units += m.units.allUnits }
        for cu in units {
            for c in cu.children where c.name == n {
                if tag >= 0 ? c.tag == tag : (c.tag == DW_TAG_typedef || c.tag == DW_TAG_base_type
                                               || (c.tag == DW_TAG_structure_type && cu.isCPlusPlus)) {
                    if c.flag(Int32(DW_AT_declaration)) { continue }
                    return DWType(c)
                }
            }
        }
        return nil
    }

    // MARK: evaluation

    func eval(_ e: Expr) throws -> ExprValue {
        switch e {
        case .integer(let v): return .integer(Int64(bitPattern: v), unsigned: v > UInt64(Int64.max))
        case .floating(let d): return .floating(d)
        case .char(let c): return .integer(Int64(c), unsigned: false)
        case .name(let n):
            guard let v = scope.lookup(n) else {
                // Inside a C++ member function, members are in scope through `this`.
                if n != "this", scope.lookup("this") != nil, let m = try? eval(.arrow(.name("this"), n)) { return m }
                throw DebugInfoError("No symbol \"\(n)\" in current context.")
            }
            if v.value.isOptimizedOut { throw DebugInfoError("value of \"\(n)\" has been optimized out") }
            if v.value.syntheticTarget != nil { return try referenced(.object(v.value)) }
            return try referenced(.object(v.value))
        case .member(let base, let name):
            let b = try eval(base)
            guard case .object(let v) = b, [.structure, .union, .classType].contains(v.type.resolved.kind) else {
                throw DebugInfoError("cannot take member \"\(name)\" of a value of type \(typeName(b)), which is not a structure or union")
            }
            return try referenced(.object(try member(v, name)))
        case .arrow(let base, let name):
            let p = try eval(base)
            let d = try deref(p, what: "->\(name)")
            return try eval(.member(.name("$tmp"), name), bound: d)
        case .index(let base, let index):
            let b = try eval(base)
            let i = try integer(try eval(index))
            if case .object(let v) = b, v.type.resolved.kind == .array {
                let elements = formatter.elements(v)
                let count = (v.subArrayCounts ?? v.type.resolved.arrayCounts).first ?? nil
                if let count, i < 0 || Int(i) >= count {
                    throw DebugInfoError("index \(i) is out of bounds of an array of \(count) elements")
                }
                if i >= 0 && Int(i) < elements.count { return .object(elements[Int(i)]) }
                // Beyond the formatter's element limit or of unknown bound: read it directly.
                guard let a = v.address else { throw DebugInfoError("array is not in memory") }
                let et = v.type.resolved.element
                return .object(try read(et, at: a + UInt64(Int(i) * et.size)))
            }
            return try deref(try arithmetic("+", b, .integer(i, unsigned: false)), what: "[]")
        case .unary(let op, let operand):
            let v = try eval(operand)
            switch op {
            case "*": return try deref(v, what: "*")
            case "&":
                guard case .object(let o) = v, let a = o.address else {
                    throw DebugInfoError("attempt to take address of value not located in memory")
                }
                return .pointer(a, pointee: o.type, depth: 1)
            case "-":
                if case .floating(let d) = try number(v) { return .floating(-d) }
                return .integer(0 &- (try integer(v)), unsigned: false)
            case "!": return .integer(try truth(v) ? 0 : 1, unsigned: false)
            case "~": return .integer(~(try integer(v)), unsigned: false)
            default: throw DebugInfoError("unknown operator \(op)")
            }
        case .binary(let op, let l, let r):
            if op == "&&" { return .integer(try truth(try eval(l)) && truth(try eval(r)) ? 1 : 0, unsigned: false) }
            if op == "||" { return .integer(try truth(try eval(l)) || truth(try eval(r)) ? 1 : 0, unsigned: false) }
            return try arithmetic(op, try eval(l), try eval(r))
        case .cast(let t, let operand):
            return try cast(try eval(operand), to: t)
        case .sizeofExpr(let operand):
            let v = try eval(operand)
            switch v {
            case .object(let o): return .integer(Int64(o.bytes.count), unsigned: true)
            case .pointer: return .integer(8, unsigned: true)
            case .floating: return .integer(8, unsigned: true)
            case .integer: return .integer(4, unsigned: true)
            }
        case .sizeofType(let t):
            if t.pointerDepth > 0 { return .integer(8, unsigned: true) }
            if let b = Self.builtinSizes[t.base] { return .integer(Int64(b.size), unsigned: true) }
            guard let ty = findType(t.base) else { throw DebugInfoError("No type named \(t.base).") }
            return .integer(Int64(ty.size), unsigned: true)
        }
    }

    /// C++ references stand for the object they refer to.
    private func referenced(_ v: ExprValue) throws -> ExprValue {
        guard case .object(let o) = v, o.type.resolved.kind == .reference else { return v }
        if let t = o.syntheticTarget?.value { return .object(t) }
        return .object(try read(o.type.resolved.target, at: o.raw))
    }

    /// `p->name` evaluated with the dereferenced object in place of `$tmp`.
    private func eval(_ e: Expr, bound: ExprValue) throws -> ExprValue {
        guard case .member(_, let name) = e else { return bound }
        guard case .object(let v) = bound, [.structure, .union, .classType].contains(v.type.resolved.kind) else {
            throw DebugInfoError("the value pointed to is not a structure or union (\(typeName(bound)))")
        }
        return .object(try member(v, name))
    }

    /// A named member, searching base classes and anonymous structs/unions.
    private func member(_ v: Value, _ name: String) throws -> Value {
        for m in v.type.resolved.members {
            if m.name == name { return formatter.member(v, m) }
        }
        for m in v.type.resolved.members where m.isBase || m.name == nil {
            if let found = try? member(formatter.member(v, m), name) { return found }
        }
        throw DebugInfoError("There is no member named \(name) in \(v.type.name).")
    }

    private func read(_ type: DWType, at address: UInt64) throws -> Value {
        guard let bytes = try? target.readMemory(address, count: max(type.size, 1)) else {
            throw DebugInfoError("Cannot access memory at address \(hex(address))")
        }
        return Value(type: type, bytes: bytes, address: address)
    }

    private func deref(_ v: ExprValue, what: String) throws -> ExprValue {
        switch v {
        case .pointer(let a, let pointee, let depth):
            if a == 0 { throw DebugInfoError("Cannot access memory at address 0x0 (null pointer)") }
            if depth > 1 {
                guard let p = try? target.readU64(a) else { throw DebugInfoError("Cannot access memory at address \(hex(a))") }
                return .pointer(p, pointee: pointee, depth: depth - 1)
            }
            guard pointee.kind != .void else { throw DebugInfoError("Attempt to take contents of a non-pointer value (void *).") }
            return .object(try read(pointee, at: a))
        case .object(let o) where o.type.resolved.kind == .pointer || o.type.resolved.kind == .reference:
            if let t = o.syntheticTarget?.value { return .object(t) }
            let pointee = o.type.resolved.target
            guard pointee.resolved.kind != .void else { throw DebugInfoError("Attempt to take contents of a void pointer.") }
            if o.raw == 0 { throw DebugInfoError("Cannot access memory at address 0x0 (null pointer)") }
            return .object(try read(pointee, at: o.raw))
        case .object(let o) where o.type.resolved.kind == .array:
            guard let first = formatter.elements(o).first else { throw DebugInfoError("empty array") }
            return .object(first)
        default:
            throw DebugInfoError("Attempt to take contents of a non-pointer value (\(what) on \(typeName(v))).")
        }
    }

    // MARK: arithmetic

    private func number(_ v: ExprValue) throws -> ExprValue {
        switch v {
        case .integer, .floating: return v
        case .pointer(let a, _, _): return .integer(Int64(bitPattern: a), unsigned: true)
        case .object(let o):
            if o.type.isFloat { return .floating(o.double) }
            if o.type.isInteger || o.type.isPointer {
                return .integer(o.integer, unsigned: !o.type.isSigned)
            }
            throw DebugInfoError("a value of type \(o.type.name) cannot be used as a number")
        }
    }

    func integer(_ v: ExprValue) throws -> Int64 {
        switch try number(v) {
        case .integer(let i, _): return i
        case .floating(let d): return Int64(d)
        default: return 0
        }
    }

    private func truth(_ v: ExprValue) throws -> Bool {
        if case .floating(let d) = try number(v) { return d != 0 }
        return try integer(v) != 0
    }

    /// Pointer operands: (address, element size) for pointer arithmetic.
    private func pointerInfo(_ v: ExprValue) -> (UInt64, Int, ExprValue)? {
        switch v {
        case .pointer(let a, let pointee, let depth):
            return (a, depth > 1 ? 8 : max(pointee.size, 1), v)
        case .object(let o) where o.type.resolved.kind == .pointer:
            let pt = o.type.resolved.target
            return (o.raw, pt.kind == .void ? 1 : max(pt.size, 1), v)
        case .object(let o) where o.type.resolved.kind == .array:
            guard let a = o.address else { return nil }
            let et = o.type.resolved.element
            return (a, max(et.size, 1), .pointer(a, pointee: et, depth: 1))
        default:
            return nil
        }
    }

    private func rebase(_ p: ExprValue, _ address: UInt64) -> ExprValue {
        switch p {
        case .pointer(_, let t, let d): return .pointer(address, pointee: t, depth: d)
        case .object(let o): return .object(Value.integer(address, type: o.type))
        default: return .integer(Int64(bitPattern: address), unsigned: true)
        }
    }

    private func arithmetic(_ op: String, _ l: ExprValue, _ r: ExprValue) throws -> ExprValue {
        if op == "+" || op == "-" {
            if let (a, size, p) = pointerInfo(l) {
                if op == "-", let (b, _, _) = pointerInfo(r) {
                    return .integer((Int64(bitPattern: a) - Int64(bitPattern: b)) / Int64(size), unsigned: false)
                }
                let n = try integer(r)
                let delta = UInt64(bitPattern: n &* Int64(size))
                return rebase(p, op == "+" ? a &+ delta : a &- delta)
            }
            if op == "+", let (b, size, p) = pointerInfo(r) {
                return rebase(p, b &+ UInt64(bitPattern: try integer(l) &* Int64(size)))
            }
        }
        let a = try number(l), b = try number(r)
        if case .floating = a { return try floating(op, try double(a), try double(b)) }
        if case .floating = b { return try floating(op, try double(a), try double(b)) }
        guard case .integer(let x, let ux) = a, case .integer(let y, let uy) = b else { throw DebugInfoError("bad operands") }
        let unsigned = ux || uy
        let cmp: (Bool) -> ExprValue = { .integer($0 ? 1 : 0, unsigned: false) }
        switch op {
        case "+": return .integer(x &+ y, unsigned: unsigned)
        case "-": return .integer(x &- y, unsigned: unsigned)
        case "*": return .integer(x &* y, unsigned: unsigned)
        case "/", "%":
            if y == 0 { throw DebugInfoError("Division by zero") }
            if unsigned {
                let (ux, uy) = (UInt64(bitPattern: x), UInt64(bitPattern: y))
                return .integer(Int64(bitPattern: op == "/" ? ux / uy : ux % uy), unsigned: true)
            }
            // Int64.min / -1 overflows (C leaves it undefined; the CPU raises #DE): an error, as
            // for a zero divisor, never a trap of swrr's own (the operands come from the user).
            let (q, overflow) = op == "/" ? x.dividedReportingOverflow(by: y) : x.remainderReportingOverflow(dividingBy: y)
            if overflow { throw DebugInfoError("Division overflow") }
            return .integer(q, unsigned: false)
        case "&": return .integer(x & y, unsigned: unsigned)
        case "|": return .integer(x | y, unsigned: unsigned)
        case "^": return .integer(x ^ y, unsigned: unsigned)
        case "<<": return .integer(x << y, unsigned: unsigned)
        case ">>": return .integer(unsigned ? Int64(bitPattern: UInt64(bitPattern: x) >> y) : x >> y, unsigned: unsigned)
        case "==": return cmp(x == y)
        case "!=": return cmp(x != y)
        case "<": return cmp(unsigned ? UInt64(bitPattern: x) < UInt64(bitPattern: y) : x < y)
        case ">": return cmp(unsigned ? UInt64(bitPattern: x) > UInt64(bitPattern: y) : x > y)
        case "<=": return cmp(unsigned ? UInt64(bitPattern: x) <= UInt64(bitPattern: y) : x <= y)
        case ">=": return cmp(unsigned ? UInt64(bitPattern: x) >= UInt64(bitPattern: y) : x >= y)
        default: throw DebugInfoError("unknown operator \(op)")
        }
    }

    private func double(_ v: ExprValue) throws -> Double {
        switch v {
        case .floating(let d): return d
        case .integer(let i, let u): return u ? Double(UInt64(bitPattern: i)) : Double(i)
        default: throw DebugInfoError("not a number")
        }
    }

    private func floating(_ op: String, _ x: Double, _ y: Double) throws -> ExprValue {
        let cmp: (Bool) -> ExprValue = { .integer($0 ? 1 : 0, unsigned: false) }
        switch op {
        case "+": return .floating(x + y)
        case "-": return .floating(x - y)
        case "*": return .floating(x * y)
        case "/": return .floating(x / y)
        case "==": return cmp(x == y)
        case "!=": return cmp(x != y)
        case "<": return cmp(x < y)
        case ">": return cmp(x > y)
        case "<=": return cmp(x <= y)
        case ">=": return cmp(x >= y)
        default: throw DebugInfoError("Integer only operation \(op) applied to a floating-point value.")
        }
    }

    private func cast(_ v: ExprValue, to t: TypeName) throws -> ExprValue {
        if t.pointerDepth > 0 {
            let address = UInt64(bitPattern: try integer(pointerInfo(v).map { $0.2 }.map { try number($0) } ?? number(v)))
            let pointee: DWType
            if t.base == "void" { pointee = .void } else if let b = findType(t.base) { pointee = b } else {
                throw DebugInfoError("No type named \(t.base).")
            }
            return .pointer(address, pointee: pointee, depth: t.pointerDepth)
        }
        if t.base == "float" || t.base == "double" || t.base == "long double" {
            let d = try double(try number(v))
            return .floating(t.base == "float" ? Double(Float(d)) : d)
        }
        let (size, unsigned): (Int, Bool)
        if let b = Self.builtinSizes[t.base] {
            (size, unsigned) = b
        } else if let ty = findType(t.base), ty.isScalar {
            if case .object(let o) = v, o.type.isScalar { return .object(Value(type: ty, bytes: o.bytes + [UInt8](repeating: 0, count: max(0, ty.size - o.bytes.count)))) }
            return .object(Value.integer(UInt64(bitPattern: try integer(v)), type: ty))
        } else {
            throw DebugInfoError("cannot cast to \(t.description): not a scalar type")
        }
        var x = try integer(v)
        if case .floating(let d) = try number(v) { x = Int64(d) }
        if t.base == "_Bool" || t.base == "bool" { return .integer(x != 0 ? 1 : 0, unsigned: true) }
        let bits = size * 8
        if bits < 64 {
            let mask: Int64 = (1 << Int64(bits)) - 1
            x &= mask
            if !unsigned && (x >> Int64(bits - 1)) & 1 == 1 { x |= ~mask }
        }
        return .integer(x, unsigned: unsigned)
    }

    // MARK: display

    func format(_ v: ExprValue) -> String {
        switch v {
        case .integer(let i, let u): return u ? String(UInt64(bitPattern: i)) : String(i)
        case .floating(let d): return String(format: "%.17g", d)
        case .object(let o): return formatter.format(o)
        case .pointer(let a, let pointee, let depth):
            var s = "(\(typeName(v))) \(hex(a))"
            if depth == 1 && pointee.isChar, let (str, _) = target.readCString(a) { s += " " + formatter.quoteRuns(Array(str.utf8)) }
            return s
        }
    }

    func typeName(_ v: ExprValue) -> String {
        switch v {
        case .integer(_, let u): return u ? "unsigned long" : "long"
        case .floating: return "double"
        case .object(let o):
            if let counts = o.subArrayCounts { return o.type.resolved.element.name + " " + counts.map { "[\($0.map(String.init) ?? "")]" }.joined() }
            return o.type.name
        case .pointer(_, let pointee, let depth):
            let stars = String(repeating: "*", count: depth)
            if pointee.kind == .array || pointee.resolved.kind == .array { return pointee.declaration("(\(stars))") }
            return pointee.name + " " + stars
        }
    }
}
