// `variables`: the children of a variablesReference (a scope, or an aggregate or pointer value:
// struct members, array elements, the pointed-to object), paged with start/count. Values print
// as gdb prints them; `format.hex` shows integers in hexadecimal.
import SwrrDebugInfo

public struct VariablesHandler: TypedRequestHandler {
    public let command = "variables"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: VariablesArguments, adapter: Adapter) throws -> VariablesResponseBody? {
        let ref = arguments.variablesReference
        let start = arguments.start ?? 0
        let count = arguments.count ?? 0
        let hexFormat = arguments.format?.hex ?? false
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        guard let container = t.inspection.handles[ref] else {
            throw RequestError("variables: unknown variablesReference \(ref) (references are valid until the replay resumes)")
        }
        var all: [VariablesResponseBody.Variable] = []
        switch container {
        case .locals(let f), .arguments(let f), .globals(let f):
            let (_, scope) = try t.frame(f)
            let vars: [Variable]
            if case .locals = container { vars = scope.locals() }
            else if case .arguments = container { vars = scope.parameters() }
            else { vars = scope.globals() }
            all = vars.map { ValueView.variable(name: $0.name, value: $0.value, path: $0.name, stack: scope.stack,
                                                target: t, hex: hexFormat) }
        case .registers(let f):
            let (_, scope) = try t.frame(f)
            all = scope.registers().map { r in
                VariablesResponseBody.Variable(name: r.name, value: "0x" + String(r.value, radix: 16), evaluateName: "$" + r.name,
                         variablesReference: 0)
            }
        case .value(let v, let stack, let path):
            all = ValueView.children(of: v, path: path, stack: stack, target: t, hex: hexFormat)
        case .rows(let rows):
            all = rows
        }
        let end = count > 0 ? min(all.count, start + count) : all.count
        return VariablesResponseBody(variables: start < end ? Array(all[start..<end]) : [])
    }
}

/// DAP Variable objects for values.
enum ValueView {
    static func text(_ v: Value, stack: CallStack, hex: Bool) -> String {
        if hex, v.type.isInteger, !v.isOptimizedOut {
            return "0x" + String(UInt64(bitPattern: v.integer) & (v.bytes.count >= 8 ? ~0 : (1 << (8 * UInt64(v.bytes.count))) - 1), radix: 16)
        }
        return stack.formatter.format(v)
    }

    /// A handle for the value's children when it has any (aggregates, non-null pointers).
    static func reference(_ v: Value, stack: CallStack, path: String?, target: DebuggerTarget) -> Int {
        if v.isOptimizedOut { return 0 }
        let t = v.type.resolved
        switch t.kind {
        case .structure, .union, .classType, .array:
            return target.inspection.handle(.value(v, stack: stack, path: path))
        case .pointer:
            if v.raw == 0 || t.target.resolved.kind == .function || t.target.kind == .void { return 0 }
            return target.inspection.handle(.value(v, stack: stack, path: path))
        default:
            return 0
        }
    }

    static func variable(name: String, value v: Value, path: String?, stack: CallStack, target: DebuggerTarget,
                         hex: Bool) -> VariablesResponseBody.Variable {
        VariablesResponseBody.Variable(name: name, value: text(v, stack: stack, hex: hex), type: v.type.name, evaluateName: path,
                 variablesReference: reference(v, stack: stack, path: path, target: target),
                 memoryReference: v.address.map { "0x" + String($0, radix: 16) })
    }

    /// A name followed by members and indexes ("s.corners[1]"), which needs no parentheses.
    static func isPlainPath(_ p: String) -> Bool {
        !p.isEmpty && p.allSatisfy { $0.isLetter || $0.isNumber || "_.[]".contains($0) }
    }

    static func children(of v: Value, path: String?, stack: CallStack, target: DebuggerTarget, hex: Bool) -> [VariablesResponseBody.Variable] {
        let isPointer = v.type.resolved.kind == .pointer
        return stack.formatter.children(v).map { c in
            var childPath: String?
            if let p = path {
                if isPointer { childPath = "*" + p }
                else if c.name.hasPrefix("[") { childPath = p + c.name }
                else { childPath = (Self.isPlainPath(p) ? p : "(" + p + ")") + "." + c.name }
            }
            return variable(name: c.name, value: c.value, path: childPath, stack: stack, target: target, hex: hex)
        }
    }
}
