// Go and Rust values that DWARF describes as plain structs but that their users read as
// strings and sequences (what Delve, rust-gdb and CodeLLDB show):
// - Go (DW_LANG_Go): `string` is {str *uint8, len int}; a slice `[]T` is {array *T, len, cap}.
// - Rust (DW_LANG_Rust): `&str` is {data_ptr, length}; `String` is {vec: Vec<u8>}; `Vec<T, A>`
//   is {buf: RawVec {inner: RawVecInner {ptr: Unique {pointer: NonNull {pointer}}, cap}}, len}
//   in rustc 1.95 (the pointer is found as the first pointer under `buf`, whatever the
//   nesting of the release) with T as a DW_TAG_template_type_param.
// - Swift (DW_LANG_Swift, swiftc 6.3): the standard library's types are structs without
//   members (lldb reads their layout from the Swift module): Int, Int8...UInt64, Bool, Double
//   and Float are shown from their bytes; String is _StringGuts, two words: small strings
//   (discriminator bit 0x20 of the second word's top byte) hold up to 15 UTF-8 bytes in the
//   words themselves, count in the top byte's low nibble; others count the bytes in the first
//   word's low 48 bits and point (second word & 0x0FFF_FFFF_FFFF_FFFF) 32 bytes before them
//   (native storage's header; immortal literals are addressed the same way). Array<T>
//   (`$sSa...`, with T as a template parameter) is a pointer to storage with the count at +16
//   and the elements at +32. A variable's type may wrap one of them in an anonymous
//   one-member struct, shown as the member. User structs have no members in DWARF either
//   (their fields are in the binary's reflection metadata, which swrr does not read).
// Their DWARF type names are already written in the language (`[]int`, `*runtime.g`,
// `map[string]int`, `&str`, `Vec<i64, alloc::alloc::Global>`, `Int`), so no `struct` keyword
// or C declarator is added to them; a mangled Swift name (`$sSaySiGD`) is demangled
// (`[Swift.Int]`).
//
// Lengths come from the tracee: a negative or huge one is shown as it is, never trusted for
// arithmetic; at most `maxElements` elements or bytes are read.
import CLibDW

enum SourceLanguage {
    case go, rust, swift, other

    init(_ die: Dwarf_Die) {
        switch die.cu?.unsigned(Int32(DW_AT_language)) {
        case UInt64(DW_LANG_Go)?: self = .go
        case UInt64(DW_LANG_Rust)?: self = .rust
        case UInt64(DW_LANG_Swift)?: self = .swift
        default: self = .other
        }
    }
}

extension DWType {
    /// The language of the unit that defines the type.
    var language: SourceLanguage { die.map(SourceLanguage.init) ?? .other }

    /// The DWARF name when it is the language's own spelling of the type (Go, Rust, Swift).
    var nativeName: String? {
        guard let d = die, language != .other else { return nil }
        if language == .swift {
            if let inner = swiftWrapped { return inner.name }
            if let n = d.name, n.hasPrefix("$s") { return Demangler.demangle(n) }
        }
        return d.name
    }

    /// The member of a Swift anonymous one-member struct (how swiftc wraps some variables'
    /// types, `let arr = [1, 2, 3]`'s among them).
    var swiftWrapped: DWType? {
        guard language == .swift, kind == .structure, die?.name == nil else { return nil }
        let ms = members
        guard ms.count == 1, ms[0].name == nil, ms[0].byteOffset == 0 else { return nil }
        return ms[0].type
    }

    /// A Swift standard library value type whose bytes are its value.
    enum SwiftScalar { case signed, unsigned, bool, float }

    static let swiftScalars: [String: SwiftScalar] = [
        "Int": .signed, "Int8": .signed, "Int16": .signed, "Int32": .signed, "Int64": .signed,
        "UInt": .unsigned, "UInt8": .unsigned, "UInt16": .unsigned, "UInt32": .unsigned, "UInt64": .unsigned,
        "Bool": .bool, "Double": .float, "Float": .float,
    ]
}

/// What a value of a Go or Rust library type holds.
enum LanguageValue {
    /// Text at `address`, `length` bytes (UTF-8).
    case string(address: UInt64, length: Int64)
    /// Text held in the value itself (a Swift small string).
    case inline([UInt8])
    /// `length` elements of `element` at `address`; `capacity` for Go slices.
    case sequence(address: UInt64, length: Int64, capacity: Int64?, element: DWType, style: SequenceStyle)
    /// A Swift Int, Bool, Double... (its bytes).
    case scalar(DWType.SwiftScalar)
    /// The value that a Swift wrapper struct holds.
    case wrapped(Value)

    enum SequenceStyle { case goSlice, rustVec, swiftArray }

    init?(_ v: Value, target: TargetAccess?) {
        let t = v.type.resolved
        if let inner = t.swiftWrapped {
            // The member's type may be a declaration without a size (Array's): the wrapper's.
            self = .wrapped(v.slice(offset: 0, type: inner, size: max(inner.size, t.size)))
            return
        }
        guard t.kind == .structure, let name = t.die?.name else { return nil }
        func member(_ n: String) -> Value? {
            t.members.first { $0.name == n }.map { v.slice(offset: $0.byteOffset, type: $0.type) }
        }
        switch t.language {
        case .go:
            if name == "string", let p = member("str"), let n = member("len") {
                self = .string(address: p.raw, length: n.integer)
            } else if name.hasPrefix("[]"), let p = member("array"), let n = member("len"), let c = member("cap"),
                      p.type.resolved.kind == .pointer {
                self = .sequence(address: p.raw, length: n.integer, capacity: c.integer,
                                 element: p.type.resolved.target, style: .goSlice)
            } else {
                return nil
            }
        case .rust:
            if name == "&str" || name == "&mut str", let p = member("data_ptr"), let n = member("length") {
                self = .string(address: p.raw, length: n.integer)
            } else if name == "String", let vec = member("vec"), case .sequence(let a, let n, _, _, _)? = LanguageValue(vec, target: target) {
                self = .string(address: a, length: n)
            } else if name.hasPrefix("Vec<"), let buf = member("buf"), let n = member("len"),
                      let p = Self.firstPointer(in: buf, depth: 0),
                      let element = t.die?.children.first(where: { $0.tag == DW_TAG_template_type_parameter && $0.name == "T" })?.type {
                self = .sequence(address: p, length: n.integer, capacity: nil, element: DWType(element), style: .rustVec)
            } else {
                return nil
            }
        case .swift:
            if t.members.isEmpty, let kind = DWType.swiftScalars[name], (1...8).contains(t.size) {
                self = .scalar(kind)
            } else if name == "String", t.size == 16 {
                guard let s = Self.swiftString(v) else { return nil }
                self = s
            } else if name.hasPrefix("$sSa"), v.bytes.count == 8,
                      let element = t.die?.children.first(where: { $0.tag == DW_TAG_template_type_parameter })?.type {
                // Storage: metadata, reference counts, count, capacity and flags, elements.
                let storage = v.raw
                guard storage != 0, let countBytes = try? target?.readMemory(storage &+ 16, count: 8) else { return nil }
                let count = countBytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
                self = .sequence(address: storage &+ 32, length: count, capacity: nil, element: DWType(element), style: .swiftArray)
            } else {
                return nil
            }
        case .other:
            return nil
        }
    }

    /// A Swift String's text (see the header for the layout).
    private static func swiftString(_ v: Value) -> LanguageValue? {
        guard v.bytes.count >= 16 else { return nil }
        let words = v.bytes.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                                                $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
        let discriminator = UInt8(truncatingIfNeeded: words.1 >> 56)
        if discriminator & 0x20 != 0 {
            return .inline(Array(v.bytes[0..<Int(discriminator & 0x0F)]))
        }
        let count = words.0 & 0x0000_FFFF_FFFF_FFFF
        return .string(address: (words.1 & 0x0FFF_FFFF_FFFF_FFFF) &+ 32, length: Int64(count))
    }

    /// The first pointer member, depth first (RawVec's buffer pointer under its wrappers).
    private static func firstPointer(in v: Value, depth: Int) -> UInt64? {
        let t = v.type.resolved
        if t.kind == .pointer { return v.raw }
        guard depth < 8, t.kind == .structure else { return nil }
        for m in t.members {
            if let p = firstPointer(in: v.slice(offset: m.byteOffset, type: m.type), depth: depth + 1) { return p }
        }
        return nil
    }
}

extension ValueFormatter {
    /// The value's text when it is a Go or Rust string or sequence: `"swrr"`,
    /// `len: 3, cap: 3, [1, 2, 3]` (Go slices, as Delve shows them), `vec![1, 2, 3, 4]`.
    func languageText(_ v: Value, depth: Int) -> String? {
        guard let lv = LanguageValue(v, target: target) else { return nil }
        switch lv {
        case .wrapped(let inner):
            return format(inner, depth: depth)
        case .inline(let bytes):
            return quoteRuns(bytes)
        case .scalar(let kind):
            let n = min(v.type.size, 8)
            if !v.isAvailable(0..<n) { return "<optimized out>" }
            let bits = v.raw
            switch kind {
            case .bool: return bits & 1 == 1 ? "true" : "false"
            case .float: return n == 4 ? "\(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))" : "\(Double(bitPattern: bits))"
            case .unsigned: return String(n == 8 ? bits : bits & ((1 << (8 * UInt64(n))) - 1))
            case .signed:
                let shift = UInt64(64 - 8 * n)
                return String(Int64(bitPattern: bits << shift) >> Int64(shift))
            }
        case .string(let address, let length):
            guard length >= 0 else { return "<invalid length \(length)>" }
            if length == 0 { return "\"\"" }
            let n = Int(min(length, Int64(maxElements)))
            guard let bytes = try? target?.readMemory(address, count: n) else {
                return "<error: Cannot access memory at address \(hex(address))>"
            }
            return quoteRuns(bytes) + (length > Int64(n) ? "..." : "")
        case .sequence(_, let length, let capacity, _, let style):
            let items = languageElements(lv)?.map { format($0.value, depth: depth + 1) } ?? ["<error reading memory>"]
            let shown = items.joined(separator: ", ") + (length > Int64(items.count) ? ", ..." : "")
            switch style {
            case .rustVec: return "vec![\(shown)]"
            case .swiftArray: return "[\(shown)]"
            case .goSlice: return "len: \(length), cap: \(capacity ?? length), [\(shown)]"
            }
        }
    }

    /// The elements of a Go slice or Rust Vec, `[0]`, `[1]`...; nil for other values or
    /// unreadable memory.
    func languageElements(_ lv: LanguageValue) -> [(name: String, value: Value)]? {
        guard case .sequence(let address, let length, _, let element, _) = lv else { return nil }
        guard length > 0 else { return [] }
        let size = max(element.size, 1)
        let n = Int(min(length, Int64(maxElements)))
        guard size <= 1 << 20, let bytes = try? target?.readMemory(address, count: n * size) else { return nil }
        return (0..<n).map { i in
            ("[\(i)]", Value(type: element, bytes: Array(bytes[(i * size)..<((i + 1) * size)]),
                             address: address &+ UInt64(i * size)))
        }
    }
}
