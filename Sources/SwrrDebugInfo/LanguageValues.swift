// Go and Rust values that DWARF describes as plain structs but that their users read as
// strings and sequences (what Delve, rust-gdb and CodeLLDB show):
// - Go (DW_LANG_Go): `string` is {str *uint8, len int}; a slice `[]T` is {array *T, len, cap}.
// - Rust (DW_LANG_Rust): `&str` is {data_ptr, length}; `String` is {vec: Vec<u8>}; `Vec<T, A>`
//   is {buf: RawVec {inner: RawVecInner {ptr: Unique {pointer: NonNull {pointer}}, cap}}, len}
//   in rustc 1.95 (the pointer is found as the first pointer under `buf`, whatever the
//   nesting of the release) with T as a DW_TAG_template_type_param.
// Their DWARF type names are already written in the language (`[]int`, `*runtime.g`,
// `map[string]int`, `&str`, `Vec<i64, alloc::alloc::Global>`), so no `struct` keyword or C
// declarator is added to them.
//
// Lengths come from the tracee: a negative or huge one is shown as it is, never trusted for
// arithmetic; at most `maxElements` elements or bytes are read.
import CLibDW

enum SourceLanguage {
    case go, rust, other

    init(_ die: Dwarf_Die) {
        switch die.cu?.unsigned(Int32(DW_AT_language)) {
        case UInt64(DW_LANG_Go)?: self = .go
        case UInt64(DW_LANG_Rust)?: self = .rust
        default: self = .other
        }
    }
}

extension DWType {
    /// The language of the unit that defines the type.
    var language: SourceLanguage { die.map(SourceLanguage.init) ?? .other }

    /// The DWARF name when it is the language's own spelling of the type (Go, Rust).
    var nativeName: String? {
        guard let d = die, let n = d.name, language != .other else { return nil }
        return n
    }
}

/// What a value of a Go or Rust library type holds.
enum LanguageValue {
    /// Text at `address`, `length` bytes (UTF-8).
    case string(address: UInt64, length: Int64)
    /// `length` elements of `element` at `address`; `capacity` for Go slices.
    case sequence(address: UInt64, length: Int64, capacity: Int64?, element: DWType, rust: Bool)

    init?(_ v: Value) {
        let t = v.type.resolved
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
                                 element: p.type.resolved.target, rust: false)
            } else {
                return nil
            }
        case .rust:
            if name == "&str" || name == "&mut str", let p = member("data_ptr"), let n = member("length") {
                self = .string(address: p.raw, length: n.integer)
            } else if name == "String", let vec = member("vec"), case .sequence(let a, let n, _, _, _)? = LanguageValue(vec) {
                self = .string(address: a, length: n)
            } else if name.hasPrefix("Vec<"), let buf = member("buf"), let n = member("len"),
                      let p = Self.firstPointer(in: buf, depth: 0),
                      let element = t.die?.children.first(where: { $0.tag == DW_TAG_template_type_parameter && $0.name == "T" })?.type {
                self = .sequence(address: p, length: n.integer, capacity: nil, element: DWType(element), rust: true)
            } else {
                return nil
            }
        case .other:
            return nil
        }
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
        guard let lv = LanguageValue(v) else { return nil }
        switch lv {
        case .string(let address, let length):
            guard length >= 0 else { return "<invalid length \(length)>" }
            if length == 0 { return "\"\"" }
            let n = Int(min(length, Int64(maxElements)))
            guard let bytes = try? target?.readMemory(address, count: n) else {
                return "<error: Cannot access memory at address \(hex(address))>"
            }
            return quoteRuns(bytes) + (length > Int64(n) ? "..." : "")
        case .sequence(_, let length, let capacity, _, let rust):
            let items = languageElements(lv)?.map { format($0.value, depth: depth + 1) } ?? ["<error reading memory>"]
            let shown = items.joined(separator: ", ") + (length > Int64(items.count) ? ", ..." : "")
            if rust { return "vec![\(shown)]" }
            return "len: \(length), cap: \(capacity ?? length), [\(shown)]"
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
