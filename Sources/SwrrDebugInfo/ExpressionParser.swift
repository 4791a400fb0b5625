// C-like expressions for watch/evaluate requests: names, literals, `.`, `->`, `[]`, unary
// `*` `&` `-` `!` `~`, arithmetic, comparisons, logical operators, casts to named types and
// `sizeof`. A precedence-climbing parser over a small tokenizer; the binary operator table is
// data (operator → precedence).
public indirect enum Expr: Equatable {
    case integer(UInt64)
    case floating(Double)
    case char(UInt8)
    case name(String)
    case member(Expr, String)
    case arrow(Expr, String)
    case index(Expr, Expr)
    case unary(String, Expr)
    case binary(String, Expr, Expr)
    case cast(TypeName, Expr)
    case sizeofExpr(Expr)
    case sizeofType(TypeName)
}

public struct TypeName: Equatable {
    public var base: String        // "int", "unsigned long", "struct point", "shape_t"
    public var pointerDepth: Int
    public init(base: String, pointerDepth: Int) { self.base = base; self.pointerDepth = pointerDepth }
    public var description: String { base + (pointerDepth > 0 ? " " + String(repeating: "*", count: pointerDepth) : "") }
}

public struct ExpressionParser {
    enum Token: Equatable {
        case number(String), identifier(String), char(UInt8), punct(String), end
    }

    private var tokens: [Token] = []
    private var pos = 0
    /// Whether an identifier names a type (typedef), for telling casts from parentheses.
    private let isTypeName: (String) -> Bool

    static let binaryPrecedence: [String: Int] = [
        "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
        "<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
    ]
    static let typeKeywords: Set<String> = ["int", "char", "short", "long", "unsigned", "signed", "float", "double",
                                            "void", "_Bool", "bool", "struct", "union", "enum", "const", "volatile"]

    public static func parse(_ text: String, isTypeName: @escaping (String) -> Bool = { _ in false }) throws -> Expr {
        var p = ExpressionParser(isTypeName: isTypeName)
        p.tokens = try tokenize(text)
        let e = try p.expression(0)
        guard p.peek() == .end else { throw DebugInfoError("unexpected \(p.describe(p.peek())) in expression") }
        return e
    }

    private init(isTypeName: @escaping (String) -> Bool) { self.isTypeName = isTypeName }

    static func tokenize(_ text: String) throws -> [Token] {
        let s = Array(text.utf8)
        var out: [Token] = []
        var i = 0
        let puncts = ["->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
                      "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "!", "~", "(", ")", "[", "]", ".", ","]
        func isIdent(_ c: UInt8, first: Bool) -> Bool {
            (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c == 36 || (!first && c >= 48 && c <= 57)
        }
        while i < s.count {
            let c = s[i]
            if c == 32 || c == 9 || c == 10 { i += 1; continue }
            if c >= 48 && c <= 57 || (c == 46 && i + 1 < s.count && s[i + 1] >= 48 && s[i + 1] <= 57) {
                var j = i
                while j < s.count && (isIdent(s[j], first: false) || s[j] == 46
                                      || ((s[j] == 43 || s[j] == 45) && (s[j - 1] == 101 || s[j - 1] == 69) && !String(decoding: s[i..<j], as: UTF8.self).hasPrefix("0x"))) { j += 1 }
                out.append(.number(String(decoding: s[i..<j], as: UTF8.self)))
                i = j
                continue
            }
            if isIdent(c, first: true) {
                var j = i
                while j < s.count && isIdent(s[j], first: false) { j += 1 }
                out.append(.identifier(String(decoding: s[i..<j], as: UTF8.self)))
                i = j
                continue
            }
            if c == 39 {  // 'x' or '\n'
                var j = i + 1
                var v: UInt8 = 0
                guard j < s.count else { throw DebugInfoError("unterminated character literal") }
                if s[j] == 92, j + 1 < s.count {
                    let escapes: [UInt8: UInt8] = [110: 10, 116: 9, 114: 13, 48: 0, 92: 92, 39: 39, 97: 7, 98: 8]
                    v = escapes[s[j + 1]] ?? s[j + 1]
                    j += 2
                } else { v = s[j]; j += 1 }
                guard j < s.count, s[j] == 39 else { throw DebugInfoError("unterminated character literal") }
                out.append(.char(v))
                i = j + 1
                continue
            }
            guard let p = puncts.first(where: { p in
                let u = Array(p.utf8)
                return i + u.count <= s.count && Array(s[i..<(i + u.count)]) == u
            }) else { throw DebugInfoError("unexpected character '\(Character(UnicodeScalar(c)))' in expression") }
            out.append(.punct(p))
            i += p.utf8.count
        }
        out.append(.end)
        return out
    }

    private func peek(_ k: Int = 0) -> Token { pos + k < tokens.count ? tokens[pos + k] : .end }
    private mutating func advance() -> Token { defer { pos += 1 }; return peek() }
    private mutating func expect(_ p: String) throws {
        guard peek() == .punct(p) else { throw DebugInfoError("expected '\(p)' but found \(describe(peek()))") }
        pos += 1
    }
    private func describe(_ t: Token) -> String {
        switch t {
        case .number(let n): return "'\(n)'"
        case .identifier(let n): return "'\(n)'"
        case .char: return "character literal"
        case .punct(let p): return "'\(p)'"
        case .end: return "end of expression"
        }
    }

    private mutating func expression(_ minPrecedence: Int) throws -> Expr {
        var lhs = try unary()
        while case .punct(let op) = peek(), let prec = Self.binaryPrecedence[op], prec > minPrecedence {
            pos += 1
            let rhs = try expression(prec)
            lhs = .binary(op, lhs, rhs)
        }
        return lhs
    }

    private func startsTypeName(at k: Int) -> Bool {
        guard case .identifier(let n) = peek(k) else { return false }
        return Self.typeKeywords.contains(n) || isTypeName(n)
    }

    private mutating func typeName() throws -> TypeName {
        var words: [String] = []
        while case .identifier(let n) = peek(), Self.typeKeywords.contains(n) || words.isEmpty || ["struct", "union", "enum"].contains(words.last!) {
            pos += 1
            if n == "const" || n == "volatile" { continue }
            words.append(n)
            if !Self.typeKeywords.contains(n) { break }  // a typedef or tag name ends the base
        }
        guard !words.isEmpty else { throw DebugInfoError("expected a type name") }
        var depth = 0
        while peek() == .punct("*") { pos += 1; depth += 1 }
        return TypeName(base: words.joined(separator: " "), pointerDepth: depth)
    }

    private mutating func unary() throws -> Expr {
        switch peek() {
        case .punct(let op) where ["-", "+", "!", "~", "*", "&"].contains(op):
            pos += 1
            let operand = try unary()
            return op == "+" ? operand : .unary(op, operand)
        case .identifier("sizeof"):
            pos += 1
            if peek() == .punct("("), startsTypeName(at: 1) {
                pos += 1
                let t = try typeName()
                try expect(")")
                return .sizeofType(t)
            }
            return .sizeofExpr(try unary())
        case .punct("(") where startsTypeName(at: 1):
            pos += 1
            let t = try typeName()
            try expect(")")
            return .cast(t, try unary())
        default:
            return try postfix()
        }
    }

    private mutating func postfix() throws -> Expr {
        var e = try primary()
        while true {
            switch peek() {
            case .punct("."):
                pos += 1
                guard case .identifier(let n) = advance() else { throw DebugInfoError("expected a member name after '.'") }
                e = .member(e, n)
            case .punct("->"):
                pos += 1
                guard case .identifier(let n) = advance() else { throw DebugInfoError("expected a member name after '->'") }
                e = .arrow(e, n)
            case .punct("["):
                pos += 1
                let i = try expression(0)
                try expect("]")
                e = .index(e, i)
            default:
                return e
            }
        }
    }

    private mutating func primary() throws -> Expr {
        switch advance() {
        case .number(let text):
            return try Self.number(text)
        case .char(let c):
            return .char(c)
        case .identifier(let n):
            if n == "true" { return .integer(1) }
            if n == "false" { return .integer(0) }
            return .name(n)
        case .punct("("):
            let e = try expression(0)
            try expect(")")
            return e
        case let t:
            throw DebugInfoError("unexpected \(describe(t)) in expression")
        }
    }

    static func number(_ text: String) throws -> Expr {
        var t = text.lowercased()
        if t.hasPrefix("0x") {
            while t.hasSuffix("u") || t.hasSuffix("l") { t.removeLast() }
            guard let v = UInt64(t.dropFirst(2), radix: 16) else { throw DebugInfoError("invalid number \(text)") }
            return .integer(v)
        }
        if t.contains(".") || t.contains("e") {
            if t.hasSuffix("f") { t.removeLast() }
            guard let d = Double(t) else { throw DebugInfoError("invalid number \(text)") }
            return .floating(d)
        }
        while t.hasSuffix("u") || t.hasSuffix("l") { t.removeLast() }
        if t.count > 1 && t.hasPrefix("0"), let v = UInt64(t.dropFirst(), radix: 8) { return .integer(v) }
        guard let v = UInt64(t) else { throw DebugInfoError("invalid number \(text)") }
        return .integer(v)
    }
}
