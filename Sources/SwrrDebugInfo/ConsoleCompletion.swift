// Completions of what is typed in a debug console, in a frame: the word before the cursor is
// completed as a variable in scope (locals innermost first, parameters, the unit's globals), as
// a member after `.` or `->` (the expression before it is evaluated in the frame and its struct,
// union or class type, or the one it points to, gives the names), as a register after `$`, or as
// a console command when the text starts with `-`. Positions are UTF-16 offsets from 0 (what
// DAP measures; front ends convert to their base), so text with non-ASCII characters before
// the word is counted as editors count it.

public struct CompletionCandidate: Equatable, Sendable {
    public enum Kind: String, Sendable { case variable, member, register, command }
    public var label: String
    public var kind: Kind
    /// The type name (variables and members).
    public var detail: String?
    /// The text the label replaces: from `start`, `length` UTF-16 code units (the word typed so far).
    public var start: Int
    public var length: Int
}

public enum ConsoleCompletion {
    /// Candidates for the word that ends at `cursor` (a UTF-16 offset into `text`, clamped to
    /// it), sorted by label.
    public static func complete(_ text: String, cursor: Int, in scope: FrameScope,
                                commands: [String] = []) -> [CompletionCandidate] {
        let units = Array(text.utf16.prefix(max(0, cursor)))
        var start = units.count
        while start > 0, isIdentifier(units[start - 1]) { start -= 1 }
        // The labels that begin with what is typed from `from` (a `$` or `-` included).
        func filtered(_ names: [(String, String?)], _ kind: CompletionCandidate.Kind, from: Int) -> [CompletionCandidate] {
            let typed = String(decoding: units[from...], as: UTF16.self)
            var seen = Set<String>()
            return names.filter { $0.0.hasPrefix(typed) && seen.insert($0.0).inserted }
                .map { CompletionCandidate(label: $0.0, kind: kind, detail: $0.1, start: from, length: units.count - from) }
                .sorted { $0.label < $1.label }
        }
        let before = start > 0 ? units[start - 1] : 0
        if before == ascii("$") {
            let names = scope.registers().map { ("$" + $0.name, String?.none) }
            return filtered(names, .register, from: start - 1)
        }
        if before == ascii("-"), start == 1 {
            return filtered(commands.map { ($0, nil) }, .command, from: 0)
        }
        var baseEnd: Int?
        if before == ascii(".") { baseEnd = start - 1 }
        if before == ascii(">"), start >= 2, units[start - 2] == ascii("-") { baseEnd = start - 2 }
        if let end = baseEnd {
            let base = String(decoding: units[baseStart(units, end)..<end], as: UTF16.self)
            guard !base.isEmpty, let type = memberType(of: base, in: scope) else { return [] }
            return filtered(type.members.compactMap { m in m.name.map { ($0, m.type.name) } }, .member, from: start)
        }
        let variables = (scope.variables() + scope.globals()).map { ($0.name, Optional($0.value.type.name)) }
        return filtered(variables, .variable, from: start)
    }

    /// The struct, union or class whose members follow `base.` or `base->`: the value's type, or
    /// the type it points to.
    static func memberType(of base: String, in scope: FrameScope) -> DWType? {
        guard let r = try? DebugExpression.evaluate(base, in: scope) else { return nil }
        var type: DWType
        switch r.value {
        case .object(let v): type = v.type.resolved
        case .pointer(_, let pointee, let depth) where depth == 1: type = pointee.resolved
        default: return nil
        }
        if type.kind == .pointer { type = type.target.resolved }
        return [.structure, .union, .classType].contains(type.kind) ? type : nil
    }

    /// Where the expression that ends at `end` starts: names, members, subscripts and calls,
    /// brackets balanced (`a.b[i + 1]->c`).
    static func baseStart(_ units: [UInt16], _ end: Int) -> Int {
        var i = end
        var depth = 0
        while i > 0 {
            let c = units[i - 1]
            if c == ascii("]") || c == ascii(")") { depth += 1 }
            else if c == ascii("[") || c == ascii("(") {
                if depth == 0 { break }
                depth -= 1
            } else if depth == 0 {
                if c == ascii(">"), i >= 2, units[i - 2] == ascii("-") { i -= 2; continue }
                guard isIdentifier(c) || c == ascii(".") || c == ascii("$") else { break }
            }
            i -= 1
        }
        return i
    }

    static func ascii(_ c: Unicode.Scalar) -> UInt16 { UInt16(c.value) }

    static func isIdentifier(_ u: UInt16) -> Bool {
        (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5A) || (u >= 0x61 && u <= 0x7A) || u == 0x5F
    }
}
