// Rust enums with data (Option, Result, user enums) and tuples. rustc describes an enum as a
// struct holding a DW_TAG_variant_part: DW_AT_discr names the (artificial) member holding the
// discriminant, and each DW_TAG_variant carries DW_AT_discr_value and one member (named for
// the variant: `Some`, `Rect`) whose struct type holds the variant's fields (`__0`, `__1` for
// tuple variants). With a niche layout (Option<&T>, Option<Box<T>>) the discriminant member is
// the niche field and the dataful variant has no DW_AT_discr_value: it is the one taken when no
// other matches. Shown as Rust writes them: `Some(5)`, `None`, `Rect { w: 2, h: 3 }`,
// `Err("bad")`; a tuple `(1, "x", 2.5)`. Before this they printed as `{}` (the struct has no
// direct members) and `{__0 = 1, __1 = "x", __2 = 2.5}`.
import CLibDW

struct RustEnumValue {
    var variant: String
    var fields: [(name: String, value: Value)]

    init?(_ v: Value) {
        let t = v.type.resolved
        guard t.kind == .structure, t.language == .rust,
              let part = t.die?.children.first(where: { $0.tag == DW_TAG_variant_part }) else { return nil }
        var discriminant: UInt64?
        var mask = UInt64.max
        if let d = part.ref(Int32(DW_AT_discr)) {
            let type = DWType(d.type)
            let size = min(max(type.size, 1), 8)
            if size < 8 { mask = (1 << (8 * UInt64(size))) - 1 }
            discriminant = v.slice(offset: Int(clamping: d.unsigned(Int32(DW_AT_data_member_location)) ?? 0),
                                   type: type, size: size).raw & mask
        }
        let variants = part.children.filter { $0.tag == DW_TAG_variant }
        // The variant whose value matches, else the one without a value (the dataful variant of
        // a niche layout, or an enum of one variant).
        let chosen = variants.first { variant in
            guard let discriminant, let want = variant.unsigned(Int32(DW_AT_discr_value))
                    ?? variant.signed(Int32(DW_AT_discr_value)).map(UInt64.init(bitPattern:)) else { return false }
            return discriminant == want & mask
        } ?? variants.first { !$0.hasOwnAttr(Int32(DW_AT_discr_value)) }
        guard let member = chosen?.children.first(where: { $0.tag == DW_TAG_member }), let name = member.name else { return nil }
        let payload = v.slice(offset: Int(clamping: member.unsigned(Int32(DW_AT_data_member_location)) ?? 0),
                              type: DWType(member.type))
        variant = name
        fields = payload.type.members.map { m in (m.name ?? "", payload.slice(offset: m.byteOffset, type: m.type)) }
    }
}

extension ValueFormatter {
    /// A Rust enum or tuple as Rust writes it; nil for other values.
    func rustText(_ v: Value, depth: Int) -> String? {
        if let e = RustEnumValue(v) {
            return e.variant + Self.rustFields(e.fields.map { ($0.name, format($0.value, depth: depth + 1)) })
        }
        let t = v.type.resolved
        guard t.kind == .structure, t.language == .rust, t.die?.name?.hasPrefix("(") == true else { return nil }
        let items = t.members.map { format(v.slice(offset: $0.byteOffset, type: $0.type), depth: depth + 1) }
        return "(" + items.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
    }

    /// `(a, b)` for tuple fields (`__0`, `__1`), ` { x: a, y: b }` for named ones, nothing for none.
    static func rustFields(_ fields: [(name: String, text: String)]) -> String {
        if fields.isEmpty { return "" }
        if fields.allSatisfy({ $0.name.hasPrefix("__") && $0.name.dropFirst(2).allSatisfy(\.isNumber) }) {
            return "(" + fields.map(\.text).joined(separator: ", ") + ")"
        }
        return " { " + fields.map { "\($0.name): \($0.text)" }.joined(separator: ", ") + " }"
    }
}
