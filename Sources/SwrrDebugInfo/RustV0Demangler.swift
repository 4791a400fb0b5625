// Rust "v0" symbol mangling (RFC 2603, with the const-generic extensions rustc emits): `_R`
// followed by a path grammar. Printed as rustc-demangle's alternate form (`{:#}`, what rustfilt
// shows): crate roots without their hash, integer constants without their type suffix, e.g.
// `_RNvCs1234_1r4main` -> `r::main`, `<alloc::vec::Vec<T>>::push`, `std::rt::lang_start::{closure#0}`.
//
// The symbol comes from a file swrr did not write, so nothing here may trap: numbers (base-62
// indices of 64-bit crate hashes, decimal identifier lengths) are parsed with overflow checks,
// backreferences must point before themselves, recursion is bounded (backreferences can nest,
// and the adapter may run this on a 512 KiB Dispatch stack), and so is the output (each
// backreference prints its target again, so a 1 KiB symbol can expand exponentially). Anything
// malformed gives nil and the raw name is shown.
enum RustV0Demangler {
    static func demangle(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard bytes.count > 2, bytes[0] == UInt8(ascii: "_"), bytes[1] == UInt8(ascii: "R") else { return nil }
        // Backreference positions count from the byte after `_R`. An encoding version (a
        // decimal number after `_R`) is reserved for future manglings: not understood here.
        var p = Printer(Array(bytes[2...]))
        guard let first = p.peek(), isUpper(first), bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        do {
            try p.path(inValue: true)
            // The instantiating crate (a path, always starting with an uppercase letter) is
            // not shown.
            if let c = p.peek(), isUpper(c) {
                p.printing = false
                try p.path(inValue: false)
                p.printing = true
            }
            // A vendor suffix (`.llvm.1234`, `.cold`) is kept as rustc-demangle keeps it.
            if let c = p.peek() {
                guard c == UInt8(ascii: ".") else { return nil }
                p.out.append(contentsOf: p.s[p.pos...])
            }
        } catch {
            return nil
        }
        return String(decoding: p.out, as: UTF8.self)
    }

    static func isUpper(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }

    private struct Malformed: Error {}

    /// Parses and prints in one pass, as rustc-demangle's v0 printer does.
    private struct Printer {
        let s: [UInt8]
        var pos = 0
        var out: [UInt8] = []
        /// False while parsing something that is not shown (impl paths, the instantiating
        /// crate): backreferences are then not followed at all.
        var printing = true
        var depth = 0
        /// Lifetimes bound by enclosing `for<...>` binders (fn pointers, dyn traits).
        var boundLifetimes: UInt64 = 0

        /// Nesting bound: real std symbols nest about 20 deep (a closure inside a generic
        /// OnceCell<Result<Option<Box<...>>>> initialiser); rustc-demangle allows 500.
        static let maxDepth = 200
        /// Output bound: the longest demangled name in a std binary is about 1,700 bytes.
        static let maxOutput = 1 << 16

        init(_ s: [UInt8]) { self.s = s }

        func peek() -> UInt8? { pos < s.count ? s[pos] : nil }

        mutating func eat(_ c: Character) -> Bool {
            guard let a = c.asciiValue, peek() == a else { return false }
            pos += 1
            return true
        }

        mutating func next() throws -> UInt8 {
            guard let c = peek() else { throw Malformed() }
            pos += 1
            return c
        }

        mutating func print(_ text: String) throws { try print(Array(text.utf8)) }

        mutating func print<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
            guard printing else { return }
            guard out.count + bytes.count <= Self.maxOutput else { throw Malformed() }
            out.append(contentsOf: bytes)
        }

        mutating func enter() throws {
            depth += 1
            guard depth <= Self.maxDepth else { throw Malformed() }
        }

        // MARK: numbers and identifiers

        /// `_` is 0; otherwise base-62 digits then `_`, the value plus one.
        mutating func base62() throws -> UInt64 {
            if eat("_") { return 0 }
            var v: UInt64 = 0
            while !eat("_") {
                let c = try next()
                let d: UInt64
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt64(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): d = UInt64(c - UInt8(ascii: "a")) + 10
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): d = UInt64(c - UInt8(ascii: "A")) + 36
                default: throw Malformed()
                }
                let (m, o1) = v.multipliedReportingOverflow(by: 62)
                let (a, o2) = m.addingReportingOverflow(d)
                guard !o1, !o2 else { throw Malformed() }
                v = a
            }
            let (r, o) = v.addingReportingOverflow(1)
            guard !o else { throw Malformed() }
            return r
        }

        /// `tag` then a base-62 number, plus one; 0 when the tag is absent.
        mutating func optionalBase62(_ tag: Character) throws -> UInt64 {
            guard eat(tag) else { return 0 }
            let (r, o) = try base62().addingReportingOverflow(1)
            guard !o else { throw Malformed() }
            return r
        }

        mutating func disambiguator() throws -> UInt64 { try optionalBase62("s") }

        /// `[u] <decimal length> [_] <bytes>`; `u` marks Punycode (RFC 3492) with the ASCII
        /// part before the last `_`.
        mutating func identifier() throws -> String {
            let punycode = eat("u")
            guard let first = peek(), first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw Malformed() }
            pos += 1
            var length = Int(first - UInt8(ascii: "0"))
            if length != 0 {
                while let c = peek(), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                    pos += 1
                    let (m, o1) = length.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
                    guard !o1, !o2 else { throw Malformed() }
                    length = a
                }
            }
            _ = eat("_")
            guard length <= s.count - pos else { throw Malformed() }
            let bytes = s[pos..<(pos + length)]
            pos += length
            guard punycode else { return String(decoding: bytes, as: UTF8.self) }
            let split = bytes.lastIndex(of: UInt8(ascii: "_"))
            let ascii = split.map { bytes[bytes.startIndex..<$0] } ?? []
            let encoded = split.map { bytes[($0 + 1)...] } ?? bytes
            guard !encoded.isEmpty, let decoded = Punycode.decode(ascii: Array(ascii), encoded: Array(encoded))
            else { throw Malformed() }
            return decoded
        }

        // MARK: backreferences

        /// `B <base-62 position>`: the grammar item at that position (after `_R`), which must
        /// come before the reference itself. Not followed while not printing.
        mutating func backref(_ body: (inout Printer) throws -> Void) throws {
            let start = pos - 1
            let target = try base62()
            guard target < UInt64(start) else { throw Malformed() }
            guard printing else { return }
            try enter()
            let saved = pos
            pos = Int(target)
            try body(&self)
            pos = saved
            depth -= 1
        }

        // MARK: paths

        mutating func path(inValue: Bool) throws {
            try enter(); defer { depth -= 1 }
            let tag = try next()
            switch tag {
            case UInt8(ascii: "C"):
                _ = try disambiguator()
                try print(try identifier())
            case UInt8(ascii: "N"):
                let namespace = try next()
                guard RustV0Demangler.isUpper(namespace) || (namespace >= UInt8(ascii: "a") && namespace <= UInt8(ascii: "z"))
                else { throw Malformed() }
                try path(inValue: inValue)
                let dis = try disambiguator()
                let name = try identifier()
                if RustV0Demangler.isUpper(namespace) {
                    // Special namespaces: C closures, S shims; others print their letter.
                    let kind = namespace == UInt8(ascii: "C") ? "closure"
                        : namespace == UInt8(ascii: "S") ? "shim" : String(UnicodeScalar(namespace))
                    try print("::{" + kind + (name.isEmpty ? "" : ":" + name) + "#\(dis)}")
                } else if !name.isEmpty {
                    try print("::" + name)
                }
            case UInt8(ascii: "M"), UInt8(ascii: "X"), UInt8(ascii: "Y"):
                if tag != UInt8(ascii: "Y") {
                    // The impl's own path (the module it is written in) is not shown.
                    _ = try disambiguator()
                    let was = printing
                    printing = false
                    try path(inValue: false)
                    printing = was
                }
                try print("<")
                try type()
                if tag != UInt8(ascii: "M") {
                    try print(" as ")
                    try path(inValue: false)
                }
                try print(">")
            case UInt8(ascii: "I"):
                try path(inValue: inValue)
                if inValue { try print("::") }
                try print("<")
                try list(", ") { try $0.genericArg() }
                try print(">")
            case UInt8(ascii: "B"):
                try backref { try $0.path(inValue: inValue) }
            default:
                throw Malformed()
            }
        }

        /// Items until `E`, separated by `separator`; returns how many.
        @discardableResult
        mutating func list(_ separator: String, _ item: (inout Printer) throws -> Void) throws -> Int {
            var n = 0
            while !eat("E") {
                if n > 0 { try print(separator) }
                try item(&self)
                n += 1
            }
            return n
        }

        mutating func genericArg() throws {
            if eat("L") {
                try lifetime(try base62())
            } else if eat("K") {
                try constant(inValue: false)
            } else {
                try type()
            }
        }

        /// Lifetime `index` (0: erased `'_`), counted back from the innermost binder: 'a, 'b...
        mutating func lifetime(_ index: UInt64) throws {
            try print("'")
            if index == 0 { return try print("_") }
            guard index <= boundLifetimes else { throw Malformed() }
            let d = boundLifetimes - index
            if d < 26 {
                try print([UInt8(ascii: "a") + UInt8(d)])
            } else {
                try print("_\(d)")
            }
        }

        /// `[G <count>]` then `body`, with that many lifetimes bound: `for<'a, 'b> `.
        mutating func binder(_ body: (inout Printer) throws -> Void) throws {
            let count = try optionalBase62("G")
            guard count <= 1 << 16, boundLifetimes <= 1 << 16 else { throw Malformed() }
            if count > 0 {
                try print("for<")
                for i in 0..<count {
                    if i > 0 { try print(", ") }
                    boundLifetimes += 1
                    try lifetime(1)
                }
                try print("> ")
            }
            try body(&self)
            boundLifetimes -= count
        }

        // MARK: types

        static let basic: [UInt8: String] = [
            UInt8(ascii: "a"): "i8", UInt8(ascii: "b"): "bool", UInt8(ascii: "c"): "char", UInt8(ascii: "d"): "f64",
            UInt8(ascii: "e"): "str", UInt8(ascii: "f"): "f32", UInt8(ascii: "h"): "u8", UInt8(ascii: "i"): "isize",
            UInt8(ascii: "j"): "usize", UInt8(ascii: "l"): "i32", UInt8(ascii: "m"): "u32", UInt8(ascii: "n"): "i128",
            UInt8(ascii: "o"): "u128", UInt8(ascii: "s"): "i16", UInt8(ascii: "t"): "u16", UInt8(ascii: "u"): "()",
            UInt8(ascii: "v"): "...", UInt8(ascii: "x"): "i64", UInt8(ascii: "y"): "u64", UInt8(ascii: "z"): "!",
            UInt8(ascii: "p"): "_",
        ]

        mutating func type() throws {
            try enter(); defer { depth -= 1 }
            let tag = try next()
            if let b = Self.basic[tag] { return try print(b) }
            switch tag {
            case UInt8(ascii: "R"), UInt8(ascii: "Q"):
                try print("&")
                if eat("L") {
                    let lt = try base62()
                    if lt != 0 {
                        try lifetime(lt)
                        try print(" ")
                    }
                }
                if tag == UInt8(ascii: "Q") { try print("mut ") }
                try type()
            case UInt8(ascii: "P"), UInt8(ascii: "O"):
                try print(tag == UInt8(ascii: "P") ? "*const " : "*mut ")
                try type()
            case UInt8(ascii: "A"), UInt8(ascii: "S"):
                try print("[")
                try type()
                if tag == UInt8(ascii: "A") {
                    try print("; ")
                    try constant(inValue: true)
                }
                try print("]")
            case UInt8(ascii: "T"):
                try print("(")
                let n = try list(", ") { try $0.type() }
                try print(n == 1 ? ",)" : ")")
            case UInt8(ascii: "F"):
                try binder { p in
                    let isUnsafe = p.eat("U")
                    var abi: String?
                    if p.eat("K") {
                        if p.eat("C") {
                            abi = "C"
                        } else {
                            // Written with `_` for `-` ("system_unwind").
                            let name = try p.identifier()
                            guard !name.isEmpty else { throw Malformed() }
                            abi = name.split(separator: "_", omittingEmptySubsequences: false).joined(separator: "-")
                        }
                    }
                    if isUnsafe { try p.print("unsafe ") }
                    if let abi { try p.print("extern \"\(abi)\" ") }
                    try p.print("fn(")
                    try p.list(", ") { try $0.type() }
                    try p.print(")")
                    if !p.eat("u") {  // a `()` result is not shown
                        try p.print(" -> ")
                        try p.type()
                    }
                }
            case UInt8(ascii: "D"):
                try print("dyn ")
                try binder { try $0.list(" + ") { try $0.dynTrait() } }
                guard eat("L") else { throw Malformed() }
                let lt = try base62()
                if lt != 0 {
                    try print(" + ")
                    try lifetime(lt)
                }
            case UInt8(ascii: "B"):
                try backref { try $0.type() }
            default:
                pos -= 1
                try path(inValue: false)
            }
        }

        /// A trait of a `dyn` type with its associated-type bindings: `Iterator<Item = u8>`.
        mutating func dynTrait() throws {
            var open = try pathMaybeOpenGenerics()
            while eat("p") {
                try print(open ? ", " : "<")
                open = true
                try print(try identifier() + " = ")
                try type()
            }
            if open { try print(">") }
        }

        /// A path whose generic argument list is left open (for `dynTrait`'s bindings);
        /// returns whether it is.
        mutating func pathMaybeOpenGenerics() throws -> Bool {
            if eat("B") {
                var open = false
                try backref { open = try $0.pathMaybeOpenGenerics() }
                return open
            }
            if eat("I") {
                try path(inValue: false)
                try print("<")
                try list(", ") { try $0.genericArg() }
                return true
            }
            try path(inValue: false)
            return false
        }

        // MARK: constants

        /// Hex digits up to `_`.
        mutating func hexNibbles() throws -> ArraySlice<UInt8> {
            let start = pos
            while true {
                let c = try next()
                if c == UInt8(ascii: "_") { break }
                guard (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
                else { throw Malformed() }
            }
            return s[start..<(pos - 1)]
        }

        /// The value of hex digits when it fits 64 bits.
        static func uint(_ nibbles: ArraySlice<UInt8>) -> UInt64? {
            let digits = nibbles.drop { $0 == UInt8(ascii: "0") }
            guard digits.count <= 16 else { return nil }
            return UInt64(digits.isEmpty ? "0" : String(decoding: digits, as: UTF8.self), radix: 16)
        }

        mutating func constant(inValue: Bool) throws {
            try enter(); defer { depth -= 1 }
            let tag = try next()
            var braced = false
            // Aggregates and strings nested in a type are written `{...}`, as in Rust source.
            func openBrace(_ p: inout Printer) throws {
                guard !inValue else { return }
                braced = true
                try p.print("{")
            }
            switch tag {
            case UInt8(ascii: "p"):
                try print("_")
            case UInt8(ascii: "h"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "y"), UInt8(ascii: "o"), UInt8(ascii: "j"):
                try unsignedConstant()
            case UInt8(ascii: "a"), UInt8(ascii: "s"), UInt8(ascii: "l"), UInt8(ascii: "x"), UInt8(ascii: "n"), UInt8(ascii: "i"):
                if eat("n") { try print("-") }
                try unsignedConstant()
            case UInt8(ascii: "b"):
                switch Self.uint(try hexNibbles()) {
                case 0: try print("false")
                case 1: try print("true")
                default: throw Malformed()
                }
            case UInt8(ascii: "c"):
                guard let v = Self.uint(try hexNibbles()), v <= UInt64(UInt32.max),
                      let scalar = UnicodeScalar(UInt32(v)) else { throw Malformed() }
                try print(Self.quoted("'", String(Character(scalar))))
            case UInt8(ascii: "e"):
                // A string literal has type &str: `*"..."` gives back str.
                try openBrace(&self)
                try print("*")
                try stringLiteral()
            case UInt8(ascii: "R"), UInt8(ascii: "Q"):
                if tag == UInt8(ascii: "R") && eat("e") {
                    // `&str` constants print as the literal itself, unbraced.
                    try stringLiteral()
                } else {
                    try openBrace(&self)
                    try print(tag == UInt8(ascii: "R") ? "&" : "&mut ")
                    try constant(inValue: true)
                }
            case UInt8(ascii: "A"):
                try openBrace(&self)
                try print("[")
                try list(", ") { try $0.constant(inValue: true) }
                try print("]")
            case UInt8(ascii: "T"):
                try openBrace(&self)
                try print("(")
                let n = try list(", ") { try $0.constant(inValue: true) }
                try print(n == 1 ? ",)" : ")")
            case UInt8(ascii: "V"):
                try openBrace(&self)
                try path(inValue: true)
                switch try next() {
                case UInt8(ascii: "U"):
                    break
                case UInt8(ascii: "T"):
                    try print("(")
                    try list(", ") { try $0.constant(inValue: true) }
                    try print(")")
                case UInt8(ascii: "S"):
                    try print(" { ")
                    try list(", ") { p in
                        _ = try p.disambiguator()
                        try p.print(try p.identifier() + ": ")
                        try p.constant(inValue: true)
                    }
                    try print(" }")
                default:
                    throw Malformed()
                }
            case UInt8(ascii: "B"):
                try backref { try $0.constant(inValue: inValue) }
            default:
                throw Malformed()
            }
            if braced { try print("}") }
        }

        /// Hex digits: decimal when they fit 64 bits, else `0x` and the digits.
        mutating func unsignedConstant() throws {
            let nibbles = try hexNibbles()
            if let v = Self.uint(nibbles) {
                try print(String(v))
            } else {
                try print("0x")
                try print(nibbles)
            }
        }

        /// A `str` constant: its UTF-8 bytes as pairs of hex digits.
        mutating func stringLiteral() throws {
            let nibbles = Array(try hexNibbles())
            guard nibbles.count % 2 == 0 else { throw Malformed() }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(nibbles.count / 2)
            var i = 0
            while i < nibbles.count {
                guard let b = UInt8(String(decoding: nibbles[i..<(i + 2)], as: UTF8.self), radix: 16) else { throw Malformed() }
                bytes.append(b)
                i += 2
            }
            guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed() }
            try print(Self.quoted("\"", text))
        }

        /// `text` between `quote`s with Rust's escape_debug escapes (the other quote kind
        /// stays as it is).
        static func quoted(_ quote: Character, _ text: String) -> String {
            var r = String(quote)
            for u in text.unicodeScalars {
                switch u {
                case "\t": r += "\\t"
                case "\r": r += "\\r"
                case "\n": r += "\\n"
                case "\\": r += "\\\\"
                case "\0": r += "\\0"
                case "\"", "'": r += Character(u) == quote ? "\\" + String(u) : String(u)
                default:
                    if u.value < 0x20 || u.value == 0x7f || (u.properties.generalCategory == .control) {
                        r += "\\u{" + String(u.value, radix: 16) + "}"
                    } else {
                        r.unicodeScalars.append(u)
                    }
                }
            }
            return r + String(quote)
        }
    }
}

/// Punycode decoding (RFC 3492) for Rust identifiers outside ASCII (`u` identifiers): the
/// basic code points, then variable-length deltas that insert the others. Every step is
/// overflow-checked (RFC 3492 section 6.4).
enum Punycode {
    static func decode(ascii: [UInt8], encoded: [UInt8]) -> String? {
        let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
        var output: [UInt32] = ascii.map(UInt32.init)
        var n = 0x80, bias = 72, i = 0
        var pos = 0
        func digit(_ c: UInt8) -> Int? {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(c - UInt8(ascii: "a"))
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(c - UInt8(ascii: "0")) + 26
            default: return nil
            }
        }
        while pos < encoded.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard pos < encoded.count, let d = digit(encoded[pos]) else { return nil }
                pos += 1
                let (dw, o1) = d.multipliedReportingOverflow(by: w)
                let (ni, o2) = i.addingReportingOverflow(dw)
                guard !o1, !o2, ni <= Int(UInt32.max) else { return nil }
                i = ni
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if d < t { break }
                let (nw, o3) = w.multipliedReportingOverflow(by: base - t)
                guard !o3, nw <= Int(UInt32.max) else { return nil }
                w = nw
                k += base
            }
            let count = output.count + 1
            // Bias adaptation (RFC 3492 section 6.1).
            var delta = oldI == 0 ? (i - oldI) / damp : (i - oldI) / 2
            delta += delta / count
            var kk = 0
            while delta > ((base - tMin) * tMax) / 2 {
                delta /= base - tMin
                kk += base
            }
            bias = kk + (((base - tMin + 1) * delta) / (delta + skew))
            let (nn, o4) = n.addingReportingOverflow(i / count)
            guard !o4, nn <= 0x10FFFF else { return nil }
            n = nn
            i %= count
            output.insert(UInt32(n), at: i)
            i += 1
        }
        var r = ""
        for v in output {
            guard let u = UnicodeScalar(v) else { return nil }
            r.unicodeScalars.append(u)
        }
        return r
    }
}
