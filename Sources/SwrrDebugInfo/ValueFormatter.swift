// Printing values the way gdb does (so results can be compared with it and read by people
// used to it): `{x = 1, y = 2}`, `0x4006f4 "text"`, `65 'A'`, `GREEN`, `<optimized out>`,
// repeated elements folded as `0 <repeats 16 times>`.
import Foundation

public struct ValueFormatter {
    let target: TargetAccess?
    let symbolizer: ((UInt64) -> String?)?
    public var maxElements = 200
    /// gdb's `repeat_count_threshold`: runs at least this long are folded.
    public var repeatThreshold = 10
    public var maxDepth = 8

    public init(target: TargetAccess?, symbolizer: ((UInt64) -> String?)? = nil) {
        self.target = target
        self.symbolizer = symbolizer
    }

    public func format(_ v: Value) -> String { format(v, depth: 0) }

    func format(_ v: Value, depth: Int) -> String {
        let t = v.type.resolved
        if let target = v.syntheticTarget?.value {
            if t.kind == .reference { return "<synthetic pointer>: " + format(target, depth: depth + 1) }
            return "<synthetic pointer>"
        }
        // An aggregate assembled from pieces lists its members, each possibly optimized out
        // (gdb does the same); one with no location at all is optimized out as a whole.
        if v.isOptimizedOut && (v.hasNoLocation || !v.type.isAggregate) { return "<optimized out>" }
        if t.kind == .pointer, depth < maxDepth, let text = goMapText(v, depth: depth) { return text }
        switch t.kind {
        case .structure, .union, .classType:
            if depth >= maxDepth { return "{...}" }
            if let text = languageText(v, depth: depth) ?? rustText(v, depth: depth) { return text }
            let parts = t.members.map { m -> String in
                let mv = member(v, m)
                let name = m.isBase ? "<\(m.type.name)>" : (m.name ?? "")
                return name.isEmpty ? format(mv, depth: depth + 1) : "\(name) = \(format(mv, depth: depth + 1))"
            }
            return "{" + parts.joined(separator: ", ") + "}"
        case .array:
            if depth >= maxDepth { return "{...}" }
            return formatArray(v, depth: depth)
        default:
            if !v.isAvailable(0..<max(1, min(v.bytes.count, t.size))) { return "<optimized out>" }
            return scalar(v)
        }
    }

    func member(_ v: Value, _ m: DWType.Member) -> Value {
        if let bs = m.bitSize, let bo = m.bitOffset { return v.bitField(bitOffset: bo, bitSize: bs, type: m.type) }
        return v.slice(offset: m.byteOffset, type: m.type)
    }

    /// Elements of an array value; multidimensional arrays yield sub-arrays.
    func elements(_ v: Value) -> [Value] {
        let counts = v.subArrayCounts ?? v.type.resolved.arrayCounts
        guard let first = counts.first else { return [] }
        // A row of `int [2][3]` is an `int [3]`, which has no DIE of its own: it keeps the
        // array's type and carries its remaining dimensions.
        let sub = counts.count > 1
        let elementType = sub ? v.type.resolved : v.type.resolved.element
        let elementSize = counts.dropFirst().reduce(v.type.resolved.element.size) { $0 * ($1 ?? 0) }
        let n = first ?? 0
        return (0..<min(n, maxElements)).map { i in
            var e = v.slice(offset: i * elementSize, type: elementType, size: elementSize)
            e.subArrayCounts = sub ? Array(counts.dropFirst()) : nil
            return e
        }
    }

    private func formatArray(_ v: Value, depth: Int) -> String {
        let counts = v.subArrayCounts ?? v.type.resolved.arrayCounts
        let et = v.type.resolved.element
        if counts.count == 1 && et.isChar {
            let n = counts[0] ?? 0
            var bytes = Array(v.bytes.prefix(n))
            // A char array prints as a string; its final NUL, if any, is implied.
            if bytes.last == 0 { bytes.removeLast() }
            return quoteRuns(bytes)
        }
        var items: [String] = []
        var i = 0
        let es = elements(v)
        let formatted = es.map { format($0, depth: depth + 1) }
        while i < formatted.count {
            var j = i + 1
            while j < formatted.count && formatted[j] == formatted[i] { j += 1 }
            if j - i > repeatThreshold {
                items.append("\(formatted[i]) <repeats \(j - i) times>")
            } else {
                items += formatted[i..<j]
            }
            i = j
        }
        if let n = counts.first ?? nil, n > maxElements { items.append("...") }
        // Rust writes array values in brackets.
        return v.type.resolved.language == .rust ? "[" + items.joined(separator: ", ") + "]" : "{" + items.joined(separator: ", ") + "}"
    }

    private func scalar(_ v: Value) -> String {
        let t = v.type.resolved
        switch t.kind {
        case .enumeration:
            let x = v.integer
            if let e = t.enumerators.first(where: { $0.value == x }) { return e.name }
            return String(x)
        case .pointer, .reference:
            let p = v.raw
            let pointee = t.target.resolved
            if t.kind == .reference {
                guard let tgt = target, let bytes = try? tgt.readMemory(p, count: t.target.size) else {
                    return "@\(hex(p)): <error reading memory>"
                }
                return "@\(hex(p)): " + format(Value(type: t.target, bytes: bytes, address: p), depth: 1)
            }
            if pointee.kind == .function || t.target.kind == .function {
                if let s = symbolizer?(p) { return "\(hex(p)) <\(s)>" }
                return hex(p)
            }
            if pointee.isChar && p != 0, let tgt = target {
                if let (s, truncated) = tgt.readCString(p, limit: maxElements) {
                    return "\(hex(p)) " + quoteRuns(Array(s.utf8)) + (truncated ? "..." : "")
                }
                return "\(hex(p)) <error: Cannot access memory at address \(hex(p))>"
            }
            // gdb's `print symbol`: a pointer into a known object or function names it.
            if p != 0, let s = symbolizer?(p) { return "\(hex(p)) <\(s)>" }
            return hex(p)
        case .base:
            if v.type.isBool {
                let x = v.raw
                return x == 0 ? "false" : x == 1 ? "true" : String(x)
            }
            if v.type.isFloat { return formatFloat(v) }
            if v.type.isChar {
                let x = v.integer
                return "\(x) " + quoteChar(UInt8(truncatingIfNeeded: x), quote: "'")
            }
            return v.type.isSigned ? String(v.integer) : String(UInt64(bitPattern: v.integer))
        case .function:
            if let a = v.address, let s = symbolizer?(a) { return "{\(v.type.name)} \(hex(a)) <\(s)>" }
            return "{\(v.type.name)}"
        default:
            return hex(v.raw)
        }
    }

    /// gdb prints floats with %g at the type's round-trip precision (9 digits for float,
    /// 17 for double, 18 for long double).
    private func formatFloat(_ v: Value) -> String {
        let d = v.double
        if d.isNaN { return (d.sign == .minus ? "-" : "") + "nan(0x\(String(v.raw & 0xfffffffffffff, radix: 16)))" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let digits = v.bytes.count == 4 ? 9 : v.bytes.count == 8 ? 17 : 18
        return String(format: "%.\(digits)g", d)
    }

    func quoteChar(_ b: UInt8, quote: Character) -> String {
        String(quote) + escape(b, quote: quote) + String(quote)
    }

    private func escape(_ b: UInt8, quote: Character) -> String {
        switch b {
        case 7: return "\\a"
        case 8: return "\\b"
        case 9: return "\\t"
        case 10: return "\\n"
        case 11: return "\\v"
        case 12: return "\\f"
        case 13: return "\\r"
        case 27: return "\\033"
        case UInt8(ascii: "\\"): return "\\\\"
        default:
            if b == quote.asciiValue { return "\\" + String(quote) }
            if b >= 32 && b < 127 { return String(UnicodeScalar(b)) }
            let o = String(b, radix: 8)
            return "\\" + String(repeating: "0", count: max(0, 3 - o.count)) + o
        }
    }

    /// A byte string in gdb's style: quoted segments, with long runs of one byte folded as
    /// `'x' <repeats N times>`.
    func quoteRuns(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "\"\"" }
        var parts: [String] = []
        var current = ""
        var i = 0
        while i < bytes.count {
            var j = i + 1
            while j < bytes.count && bytes[j] == bytes[i] { j += 1 }
            if j - i > repeatThreshold {
                if !current.isEmpty { parts.append("\"" + current + "\""); current = "" }
                parts.append(quoteChar(bytes[i], quote: "'") + " <repeats \(j - i) times>")
            } else {
                for k in i..<j { current += escape(bytes[k], quote: "\"") }
            }
            i = j
        }
        if !current.isEmpty { parts.append("\"" + current + "\"") }
        return parts.joined(separator: ", ")
    }

    /// Named children for expandable display (struct members, array elements, a pointer's
    /// target).
    public func children(_ v: Value) -> [(name: String, value: Value)] {
        let t = v.type.resolved
        switch t.kind {
        case .structure, .union, .classType:
            if let lv = LanguageValue(v, target: target) {
                if case .wrapped(let inner) = lv { return children(inner) }
                if let elements = languageElements(lv) { return elements }
            }
            if let e = RustEnumValue(v) { return e.fields }
            return t.members.enumerated().map { (i, m) in
                (m.isBase ? m.type.name : (m.name ?? "<anon \(i)>"), member(v, m))
            }
        case .array:
            return elements(v).enumerated().map { ("[\($0.offset)]", $0.element) }
        case .pointer:
            let pointee = t.target
            if let target = v.syntheticTarget?.value { return [("*", target)] }
            if let entries = goMapChildren(v) { return entries }
            guard v.raw != 0, pointee.kind != .void, pointee.resolved.kind != .function, let tgt = target,
                  let bytes = try? tgt.readMemory(v.raw, count: max(pointee.size, 1)) else { return [] }
            return [("*", Value(type: pointee, bytes: bytes, address: v.raw))]
        default:
            return []
        }
    }
}

