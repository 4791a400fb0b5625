// `evaluate`: a C expression (variables, members, indexing, pointers, casts, arithmetic) in a
// frame (the top frame of the focus thread when none is named), for hovers, watches and the
// debug console alike. Aggregates and pointers come with a variablesReference. In the debug
// console (context "repl"), `-history EXPR` and `-history 0xADDR,SIZE` answer the value history
// (ValueHistoryHandler.swift) with the entries as children.
import SwrrDebugInfo

public struct EvaluateHandler: TypedRequestHandler {
    public let command = "evaluate"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: EvaluateArguments, adapter: Adapter) throws -> EvaluateResponseBody? {
        let expression = arguments.expression
        let frameId = arguments.frameId
        let hexFormat = arguments.format?.hex ?? false
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        if arguments.context == "repl", let history = HistoryQuery.consoleArgument(expression) {
            try HistoryQuery.evaluate(history, frameId: frameId, adapter: adapter, target: t)
            return nil   // answered when the pass ends (ValueHistoryHandler.swift)
        }
        let scope = try frameId.map { try t.frame($0).scope } ?? t.topScope(try t.liveThread(nil))
        let r: EvaluationResult
        do {
            r = try DebugExpression.evaluate(expression, in: scope)
        } catch {
            throw RequestError("\(error)")
        }
        if case .object(let v) = r.value {
            return EvaluateResponseBody(result: ValueView.text(v, stack: scope.stack, hex: hexFormat), type: r.typeName,
                                        variablesReference: ValueView.reference(v, stack: scope.stack, path: expression, target: t),
                                        memoryReference: v.address.map(hex))
        }
        var text = r.text
        if hexFormat, case .integer(let n, _) = r.value { text = "0x" + String(UInt64(bitPattern: n), radix: 16) }
        var body = EvaluateResponseBody(result: text, type: r.typeName, variablesReference: 0)
        if case .pointer(let p, _, _) = r.value { body.memoryReference = hex(p) }
        return body
    }
}
