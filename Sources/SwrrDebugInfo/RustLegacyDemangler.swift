// Rust's legacy symbol mangling (rustc before v0, still the default of stable rustc for the
// program's own crate, and what a std built that way contains): Itanium-shaped
// `_ZN <len><element>... E` whose last element is `h` + 16 hex digits (a hash of the crate and
// instance), with `$..$` escapes for characters Itanium identifiers cannot hold and `..` for
// `::`. Printed as rustc-demangle's alternate form (without the hash):
// `_ZN3std2rt10lang_start17h0123456789abcdefE` -> `std::rt::lang_start`,
// `_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h...E`
// -> `core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>`.
// A `_ZN` name without the hash element is C++ (or not understood) and gives nil. The lengths
// come from a file swrr did not write: parsed with overflow checks.
enum RustLegacyDemangler {
    static func demangle(_ name: String) -> String? {
        let s = Array(name.utf8)
        guard s.count > 3, s[0] == UInt8(ascii: "_"), s[1] == UInt8(ascii: "Z"), s[2] == UInt8(ascii: "N"),
              s.allSatisfy({ $0 < 0x80 }) else { return nil }
        var elements: [ArraySlice<UInt8>] = []
        var i = 3
        while true {
            guard i < s.count else { return nil }
            if s[i] == UInt8(ascii: "E") { i += 1; break }
            var length = 0
            var digits = 0
            while i < s.count, s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") {
                let (m, o1) = length.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(s[i] - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                length = a
                digits += 1
                i += 1
            }
            guard digits > 0, length > 0, length <= s.count - i else { return nil }
            elements.append(s[i..<(i + length)])
            i += length
        }
        // After `E` only a vendor suffix (`.llvm.123`, `.cold.1`) may follow; a C++ name has
        // its parameter types there.
        guard i == s.count || s[i] == UInt8(ascii: "."), let hash = elements.last, isHash(hash), elements.count > 1
        else { return nil }
        let shown = elements.dropLast().map { unescape($0) }.joined(separator: "::")
        return shown + String(decoding: s[i...], as: UTF8.self)
    }

    /// `h` and 16 lowercase hex digits.
    static func isHash(_ e: ArraySlice<UInt8>) -> Bool {
        e.count == 17 && e.first == UInt8(ascii: "h")
            && e.dropFirst().allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    static let escapes: [String: String] = ["SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">",
                                            "LP": "(", "RP": ")", "C": ","]

    /// One element with its escapes undone, as rustc-demangle's legacy printer does: a leading
    /// `_$` loses its `_`, `..` is `::`, `$NAME$` one of `escapes`, `$uHEX$` a code point; an
    /// escape it does not know ends the undoing and the rest is shown as it is.
    static func unescape(_ element: ArraySlice<UInt8>) -> String {
        var rest = Substring(String(decoding: element, as: UTF8.self))
        if rest.hasPrefix("_$") { rest = rest.dropFirst() }
        var out = ""
        while !rest.isEmpty {
            if rest.hasPrefix("..") {
                out += "::"
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix(".") {
                out += "."
                rest = rest.dropFirst()
            } else if rest.hasPrefix("$") {
                guard let end = rest.dropFirst().firstIndex(of: "$") else { break }
                let escape = rest[rest.index(after: rest.startIndex)..<end]
                if let e = escapes[String(escape)] {
                    out += e
                } else if escape.hasPrefix("u"), escape.count > 1,
                          escape.dropFirst().allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
                          let v = UInt32(escape.dropFirst(), radix: 16), let u = UnicodeScalar(v),
                          u.properties.generalCategory != .control {
                    out.unicodeScalars.append(u)
                } else {
                    break
                }
                rest = rest[rest.index(after: end)...]
            } else if let j = rest.firstIndex(where: { $0 == "$" || $0 == "." }) {
                out += rest[..<j]
                rest = rest[j...]
            } else {
                break
            }
        }
        return out + rest
    }
}
