// Rust "v0" symbol mangling (RFC 2603): _R followed by a path grammar. This covers the common
// shapes (crate roots, nested paths, impls, generic arguments of basic types and paths) and
// returns nil for anything it does not understand, so the raw name is shown instead.
enum RustV0Demangler {
    static func demangle(_ name: String) -> String? {
        var p = Parser(Array(name.utf8))
        guard p.eat("_"), p.eat("R") else { return nil }
        // Optional encoding version (decimal) before the path.
        while let c = p.peek(), c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { _ = p.next() }
        return p.path()
    }

    private struct Parser {
        let s: [UInt8]
        var i = 0
        var depth = 0
        init(_ s: [UInt8]) { self.s = s }

        func peek() -> UInt8? { i < s.count ? s[i] : nil }
        mutating func eat(_ c: Character) -> Bool {
            if peek() == c.asciiValue { i += 1; return true }
            return false
        }
        mutating func next() -> UInt8? { defer { i += 1 }; return peek() }

        mutating func base62() -> Int? {
            if eat("_") { return 0 }
            var v = 0
            while let c = next() {
                if c == UInt8(ascii: "_") { return v + 1 }
                let d: Int
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = Int(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): d = Int(c - UInt8(ascii: "a")) + 10
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): d = Int(c - UInt8(ascii: "A")) + 36
                default: return nil
                }
                v = v * 62 + d
            }
            return nil
        }

        mutating func identifier() -> String? {
            _ = eat("u")  // punycode: shown undecoded
            var n = 0
            var any = false
            while let c = peek(), c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                n = n * 10 + Int(c - UInt8(ascii: "0")); i += 1; any = true
            }
            guard any else { return nil }
            _ = eat("_")
            guard i + n <= s.count else { return nil }
            defer { i += n }
            return String(decoding: s[i..<(i + n)], as: UTF8.self)
        }

        mutating func disambiguator() { if eat("s") { _ = base62() } }

        mutating func path() -> String? {
            depth += 1; defer { depth -= 1 }
            guard depth < 64, let c = next() else { return nil }
            switch c {
            case UInt8(ascii: "C"):
                disambiguator()
                return identifier()
            case UInt8(ascii: "N"):
                guard next() != nil, let parent = path() else { return nil }
                disambiguator()
                guard let id = identifier() else { return nil }
                return id.isEmpty ? "\(parent)::{closure}" : "\(parent)::\(id)"
            case UInt8(ascii: "M"):
                disambiguator()
                guard path() != nil, let t = type() else { return nil }
                return "<\(t)>"
            case UInt8(ascii: "X"):
                disambiguator()
                guard path() != nil, let t = type(), let tr = path() else { return nil }
                return "<\(t) as \(tr)>"
            case UInt8(ascii: "Y"):
                guard let t = type(), let tr = path() else { return nil }
                return "<\(t) as \(tr)>"
            case UInt8(ascii: "I"):
                guard let base = path() else { return nil }
                var args: [String] = []
                while !eat("E") {
                    guard let a = genericArg() else { return nil }
                    args.append(a)
                }
                return "\(base)::<\(args.joined(separator: ", "))>"
            default:
                return nil
            }
        }

        mutating func genericArg() -> String? {
            if eat("L") { _ = base62(); return "'_" }
            if eat("K") { return constant() }
            return type()
        }

        mutating func constant() -> String? {
            guard let t = peek() else { return nil }
            if t == UInt8(ascii: "p") { i += 1; return "_" }
            _ = type()
            let neg = eat("n")
            var hexDigits = ""
            while let c = next(), c != UInt8(ascii: "_") { hexDigits.append(Character(UnicodeScalar(c))) }
            guard let v = UInt64(hexDigits.isEmpty ? "0" : hexDigits, radix: 16) else { return nil }
            return (neg ? "-" : "") + String(v)
        }

        static let basic: [UInt8: String] = [
            UInt8(ascii: "a"): "i8", UInt8(ascii: "b"): "bool", UInt8(ascii: "c"): "char", UInt8(ascii: "d"): "f64",
            UInt8(ascii: "e"): "str", UInt8(ascii: "f"): "f32", UInt8(ascii: "h"): "u8", UInt8(ascii: "i"): "isize",
            UInt8(ascii: "j"): "usize", UInt8(ascii: "l"): "i32", UInt8(ascii: "m"): "u32", UInt8(ascii: "n"): "i128",
            UInt8(ascii: "o"): "u128", UInt8(ascii: "s"): "i16", UInt8(ascii: "t"): "u16", UInt8(ascii: "u"): "()",
            UInt8(ascii: "v"): "...", UInt8(ascii: "x"): "i64", UInt8(ascii: "y"): "u64", UInt8(ascii: "z"): "!",
            UInt8(ascii: "p"): "_",
        ]

        mutating func type() -> String? {
            depth += 1; defer { depth -= 1 }
            guard depth < 64, let c = peek() else { return nil }
            if let b = Self.basic[c] { i += 1; return b }
            switch c {
            case UInt8(ascii: "R"), UInt8(ascii: "Q"):
                i += 1
                if eat("L") { _ = base62() }
                guard let t = type() else { return nil }
                return (c == UInt8(ascii: "R") ? "&" : "&mut ") + t
            case UInt8(ascii: "P"), UInt8(ascii: "O"):
                i += 1
                guard let t = type() else { return nil }
                return (c == UInt8(ascii: "P") ? "*const " : "*mut ") + t
            case UInt8(ascii: "S"):
                i += 1
                return type().map { "[\($0)]" }
            case UInt8(ascii: "A"):
                i += 1
                guard let t = type(), let n = constant() else { return nil }
                return "[\(t); \(n)]"
            case UInt8(ascii: "T"):
                i += 1
                var ts: [String] = []
                while !eat("E") { guard let t = type() else { return nil }; ts.append(t) }
                return "(" + ts.joined(separator: ", ") + (ts.count == 1 ? ",)" : ")")
            default:
                return path()
            }
        }
    }
}
