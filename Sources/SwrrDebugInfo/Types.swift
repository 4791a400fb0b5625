// Types as DWARF describes them, read on demand from their DIEs (a struct that points to
// itself through a member pointer would make an eagerly built type graph infinite).
import CLibDW
import Glibc

public enum TypeKind: Equatable, Sendable {
    case void, base, pointer, reference, array, structure, union, classType, enumeration,
         typedef, qualified, function, unknown
}

public struct DWType {
    /// nil for `void`.
    let die: Dwarf_Die?
    /// Size of a synthetic untyped blob (die == nil); 0 for void.
    let blobSize: Int

    init(_ die: Dwarf_Die?, blobSize: Int = 0) { self.die = die; self.blobSize = blobSize }
    static let void = DWType(nil)

    public var kind: TypeKind {
        guard let d = die else { return .void }
        switch d.tag {
        case DW_TAG_base_type, DW_TAG_unspecified_type: return d.tag == DW_TAG_unspecified_type ? .void : .base
        case DW_TAG_pointer_type, DW_TAG_ptr_to_member_type: return .pointer
        case DW_TAG_reference_type, DW_TAG_rvalue_reference_type: return .reference
        case DW_TAG_array_type: return .array
        case DW_TAG_structure_type: return .structure
        case DW_TAG_class_type: return .classType
        case DW_TAG_union_type: return .union
        case DW_TAG_enumeration_type: return .enumeration
        case DW_TAG_typedef: return .typedef
        case DW_TAG_const_type, DW_TAG_volatile_type, DW_TAG_restrict_type, DW_TAG_atomic_type: return .qualified
        case DW_TAG_subroutine_type: return .function
        default: return .unknown
        }
    }

    /// The type a typedef, pointer, qualifier, array or enum refers to.
    public var target: DWType { DWType(die?.type) }

    /// Without typedefs and qualifiers: what the bytes really are.
    public var resolved: DWType {
        var t = self
        var n = 0
        while (t.kind == .typedef || t.kind == .qualified) && n < 64 { t = t.target; n += 1 }
        return t
    }

    public var isAggregate: Bool { [.structure, .union, .classType, .array].contains(resolved.kind) }

    public var size: Int {
        guard var d = die else { return max(blobSize, 1) }
        let r = resolved
        // Sizes and counts are the compiler's (a file swrr did not write): clamped, and a
        // product that overflows is Int.max, which readers cap (Variables.maxObjectRead).
        if r.kind == .pointer || r.kind == .reference { return Int(clamping: r.die?.unsigned(Int32(DW_AT_byte_size)) ?? 8) }
        if r.kind == .array {
            return arrayCounts.reduce(r.element.size) {
                let (p, o) = $0.multipliedReportingOverflow(by: max($1 ?? 0, 0))
                return o ? Int.max : p
            }
        }
        var s: Dwarf_Word = 0
        if dwarf_aggregate_size(&d, &s) == 0 { return Int(clamping: s) }
        return Int(clamping: r.die?.unsigned(Int32(DW_AT_byte_size)) ?? 0)
    }

    var encoding: Int32 { Int32(resolved.die?.unsigned(Int32(DW_AT_encoding)) ?? 0) }

    public var isSigned: Bool {
        let r = resolved
        if r.kind == .enumeration {
            if let u = r.die?.type { return DWType(u).isSigned }
            return r.enumerators.contains { $0.value < 0 }
        }
        return [DW_ATE_signed, DW_ATE_signed_char].contains(Int(encoding))
    }
    public var isFloat: Bool { resolved.kind == .base && Int(encoding) == DW_ATE_float }
    public var isBool: Bool { resolved.kind == .base && Int(encoding) == DW_ATE_boolean }
    public var isChar: Bool {
        resolved.kind == .base && size == 1 && [DW_ATE_signed_char, DW_ATE_unsigned_char].contains(Int(encoding))
    }
    public var isInteger: Bool {
        let r = resolved
        return r.kind == .enumeration || (r.kind == .base && !isFloat)
    }
    public var isPointer: Bool { resolved.kind == .pointer }
    public var isScalar: Bool { isInteger || isFloat || isPointer }

    /// The element type of an array (per innermost dimension after all subranges).
    var element: DWType { resolved.target }

    /// Element counts per dimension (nil: unknown, e.g. a flexible array member, or a VLA,
    /// whose bounds FrameScope.dynamicCounts evaluates).
    var arrayCounts: [Int?] {
        guard let d = resolved.die, resolved.kind == .array else { return [] }
        return d.children.filter { $0.tag == DW_TAG_subrange_type || $0.tag == DW_TAG_enumeration_type }.map { s in
            if let c = s.unsigned(Int32(DW_AT_count)), s.attrForm(Int32(DW_AT_count)).isConstant { return Int(clamping: c) }
            if s.attrForm(Int32(DW_AT_upper_bound)).isConstant {
                if let u = s.signed(Int32(DW_AT_upper_bound)) {
                    return DWType.count(lower: s.signed(Int32(DW_AT_lower_bound)) ?? 0, upper: u)
                }
            }
            return nil
        }
    }

    /// Elements from `lower` to `upper` inclusive; nil when that overflows.
    static func count(lower: Int64, upper: Int64) -> Int? {
        let (d, o1) = upper.subtractingReportingOverflow(lower)
        let (n, o2) = d.addingReportingOverflow(1)
        return o1 || o2 ? nil : Int(n)
    }

    /// The array type with its first dimension removed (for indexing multidimensional arrays).
    func droppingFirstDimension() -> (type: DWType, remainingCounts: [Int?]) {
        (element, Array(arrayCounts.dropFirst()))
    }

    public struct Member {
        public var name: String?
        public var type: DWType
        public var byteOffset: Int
        /// For bit-fields: size and offset in bits from the start of the containing object.
        public var bitSize: Int?
        public var bitOffset: Int?
        public var isBase: Bool
    }

    public var members: [Member] {
        guard let d = resolved.die, [.structure, .union, .classType].contains(resolved.kind) else { return [] }
        var out: [Member] = []
        for c in d.children where c.tag == DW_TAG_member || c.tag == DW_TAG_inheritance {
            // Static members (DW_AT_external or C++ DW_TAG_variable) have no storage here.
            if c.tag == DW_TAG_member && c.hasOwnAttr(Int32(DW_AT_external)) { continue }
            let offset = Int(clamping: c.unsigned(Int32(DW_AT_data_member_location)) ?? 0)
            var m = Member(name: c.name, type: DWType(c.type), byteOffset: offset, bitSize: nil, bitOffset: nil,
                           isBase: c.tag == DW_TAG_inheritance)
            // Bit sizes and offsets beyond any object (2^32 bits) are not a bit-field swrr reads.
            if let bits = c.unsigned(Int32(DW_AT_bit_size)), bits <= 1 << 32 {
                m.bitSize = Int(bits)
                if let dbo = c.unsigned(Int32(DW_AT_data_bit_offset)), dbo <= 1 << 40 {
                    m.bitOffset = Int(dbo)
                } else if let bo = c.unsigned(Int32(DW_AT_bit_offset)), bo <= 1 << 32, offset <= 1 << 40 {
                    // DWARF 2-3 big-endian-style offset from the top of the storage unit.
                    let storage = min(Int(clamping: c.unsigned(Int32(DW_AT_byte_size)) ?? UInt64(m.type.size)), 1 << 32)
                    m.bitOffset = max(0, offset * 8 + storage * 8 - Int(bo) - Int(bits))
                } else {
                    m.bitOffset = min(offset, 1 << 40) * 8
                }
                m.byteOffset = m.bitOffset! / 8
            }
            out.append(m)
        }
        return out
    }

    public var enumerators: [(name: String, value: Int64)] {
        guard let d = resolved.die, resolved.kind == .enumeration else { return [] }
        return d.children.filter { $0.tag == DW_TAG_enumerator }.compactMap { e in
            guard let n = e.name else { return nil }
            let v = e.signed(Int32(DW_AT_const_value)) ?? Int64(bitPattern: e.unsigned(Int32(DW_AT_const_value)) ?? 0)
            return (n, v)
        }
    }

    // MARK: names (C syntax, as gdb prints them)

    public var name: String { declaration("") }

    /// The C declaration of `inner` with this type: `int *p`, `int (*)(int)`, `char [8]`.
    func declaration(_ inner: String) -> String {
        guard let d = die else { return join("void", inner) }
        if [.structure, .classType, .union, .enumeration, .pointer, .reference].contains(kind), let n = nativeName {
            return join(n, inner)
        }
        switch kind {
        case .base, .unknown: return join(d.name ?? "?", inner)
        case .typedef: return join((d.cu.map(\.isCPlusPlus) == true ? d.qualifiedName : nil) ?? d.name ?? "?", inner)
        case .structure, .classType, .union, .enumeration:
            let keyword = [.structure: "struct", .classType: "class", .union: "union", .enumeration: "enum"][kind]!
            let n = d.name.map { d.cu.map(\.isCPlusPlus) == true ? d.qualifiedName ?? $0 : "\(keyword) \($0)" } ?? "\(keyword) {...}"
            return join(n, inner)
        case .qualified where language == .swift:
            // Swift has no const types: swiftc marks `let` bindings so.
            return target.declaration(inner)
        case .qualified:
            let q = [DW_TAG_const_type: "const", DW_TAG_volatile_type: "volatile", DW_TAG_restrict_type: "restrict",
                     DW_TAG_atomic_type: "_Atomic"][d.tag] ?? ""
            let t = target
            // Qualifiers of pointers go after the star; of other types, before the name.
            if t.kind == .pointer { return t.declaration(join(q, inner)) }
            return join(q + " " + t.declaration(""), inner)
        case .pointer, .reference:
            let star = kind == .pointer ? "*" : (d.tag == DW_TAG_rvalue_reference_type ? "&&" : "&")
            let t = target
            // gdb's spacing: `char *p`, `char * const`.
            let spaced = inner.first.map { $0.isLetter || $0 == "_" } == true ? star + " " + inner : star + inner
            let wrapped = (t.kind == .array || t.kind == .function) ? "(\(spaced))" : spaced
            return t.declaration(wrapped)
        case .array where language == .rust:
            // Rust's spelling, innermost dimension last: `[[u8; 4]; 2]`.
            return join(arrayCounts.reversed().reduce(element.name) { "[\($0); \($1.map(String.init) ?? "_")]" }, inner)
        case .array:
            let dims = arrayCounts.map { "[\($0.map(String.init) ?? "")]" }.joined()
            return element.declaration(inner + dims)
        case .function:
            let params = d.children.filter { $0.tag == DW_TAG_formal_parameter }.map { DWType($0.type).name }
            let variadic = d.children.contains { $0.tag == DW_TAG_unspecified_parameters }
            let list = (params + (variadic ? ["..."] : [])).joined(separator: ", ")
            return target.declaration("\(inner)(\(list.isEmpty && d.flag(Int32(DW_AT_prototyped)) ? "void" : list))")
        case .void:
            return join("void", inner)
        }
    }

    private func join(_ a: String, _ b: String) -> String { b.isEmpty ? a : a + " " + b }
}

extension Dwarf_Die {
    /// `ns::Outer::Inner` for C++ types: DWARF names are unqualified, the enclosing
    /// namespaces and classes are the DIE's parents (found with dwarf_getscopes_die, as DIEs
    /// have no parent links).
    var qualifiedName: String? {
        guard let n = name else { return nil }
        var d = self
        var p: UnsafeMutablePointer<Dwarf_Die>?
        let count = dwarf_getscopes_die(&d, &p)
        guard count > 1, let scopes = p else { return n }
        defer { free(scopes) }
        var parts = [n]
        for i in 1..<Int(count) {
            let s = scopes[i]
            if [DW_TAG_namespace, DW_TAG_class_type, DW_TAG_structure_type, DW_TAG_union_type].contains(s.tag) {
                parts.insert(s.name ?? "(anonymous namespace)", at: 0)
            }
        }
        return parts.joined(separator: "::")
    }

    var isCPlusPlus: Bool {
        guard let lang = unsigned(Int32(DW_AT_language)) else { return false }
        return [DW_LANG_C_plus_plus, DW_LANG_C_plus_plus_11, DW_LANG_C_plus_plus_14, DW_LANG_C_plus_plus_03]
            .map(UInt64.init).contains(lang)
    }

    struct FormInfo { var form: UInt32; var isConstant: Bool }

    func attrForm(_ name: Int32) -> FormInfo {
        guard var a = attr(name) else { return FormInfo(form: 0, isConstant: false) }
        let f = dwarf_whatform(&a)
        let constForms = [DW_FORM_data1, DW_FORM_data2, DW_FORM_data4, DW_FORM_data8, DW_FORM_sdata,
                          DW_FORM_udata, DW_FORM_implicit_const, DW_FORM_data16].map(UInt32.init)
        return FormInfo(form: f, isConstant: constForms.contains(f))
    }
}
