// `dataBreakpointInfo`: whether a variable (a child of a variablesReference, or a name or
// expression evaluated in a frame) can be watched, and its dataId "ADDRESS/LENGTH/TYPE": a
// hardware watchpoint covers 1, 2, 4 or 8 aligned bytes. With `asAddress`, `name` is an address.
import SwrrDebugInfo

public struct DataBreakpointInfoHandler: TypedRequestHandler {
    public let command = "dataBreakpointInfo"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: DataBreakpointInfoArguments, adapter: Adapter) throws -> DataBreakpointInfoResponseBody? {
        let name = arguments.name
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        func unavailable(_ why: String) -> DataBreakpointInfoResponseBody { .init(dataId: nil, description: why) }
        if arguments.asAddress ?? false {
            guard let a = parseAddress(name) else { return unavailable("'\(name)' is not an address") }
            let n = arguments.bytes ?? 8
            return info(address: a, length: n, type: nil, name: name)
        }
        // The expression to evaluate: a child's evaluateName, or the name itself.
        var expression = name
        if let ref = arguments.variablesReference, ref > 0 {
            guard let c = t.inspection.handles[ref] else { return unavailable("unknown variablesReference \(ref)") }
            if case .value(_, _, let path?) = c {
                expression = c.isPointer ? "(*\(path)).\(name)" : (name.hasPrefix("[") ? path + name : "(\(path)).\(name)")
                if c.isPointer && name == "*" { expression = "*" + path }
            }
        }
        let scope: FrameScope
        do {
            scope = try arguments.frameId.map { try t.frame($0).scope } ?? t.topScope(try t.liveThread(nil))
        } catch {
            return unavailable("\(error)")
        }
        guard let r = try? DebugExpression.evaluate(expression, in: scope), case .object(let v) = r.value,
              let a = v.address else {
            return unavailable("'\(expression)' is not an object in memory")
        }
        return info(address: a, length: v.bytes.count, type: r.typeName, name: expression)
    }

    private func info(address: UInt64, length: Int, type: String?, name: String) -> DataBreakpointInfoResponseBody {
        guard [1, 2, 4, 8].contains(length), address % UInt64(length) == 0 else {
            return .init(dataId: nil, description:
                "\(name) (\(length) bytes at \(hex(address))) cannot be watched: a hardware watchpoint covers 1, 2, 4 or 8 aligned bytes")
        }
        return .init(dataId: "\(hex(address))/\(length)/\(type ?? "")/\(name)",
                     description: "\(name) (\(length) bytes at \(hex(address)))",
                     accessTypes: ["write", "readWrite"], canPersist: false)
    }
}

import Foundation

extension Inspection.Container {
    var isPointer: Bool {
        if case .value(let v, _, _) = self { return v.type.resolved.kind == .pointer }
        return false
    }
}
