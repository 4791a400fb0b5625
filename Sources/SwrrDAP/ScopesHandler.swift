// `scopes`: a frame's Locals, Arguments, Registers and Globals (of its compilation unit), each a
// variablesReference for `variables`.

public struct ScopesHandler: RequestHandler {
    public let command = "scopes"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let frameId = try arguments.requiredInteger("frameId", in: Arguments.Range.any)
        guard let t = adapter.session.target as? DebuggerTarget else { throw RequestError("nothing is being debugged") }
        let (_, scope) = try t.frame(frameId)
        let locals = scope.locals().count, params = scope.parameters().count
        let scopes: [JSONObject] = [
            ["name": "Locals", "presentationHint": "locals", "namedVariables": locals, "expensive": false,
             "variablesReference": t.inspection.handle(.locals(frameId: frameId))],
            ["name": "Arguments", "presentationHint": "arguments", "namedVariables": params, "expensive": false,
             "variablesReference": t.inspection.handle(.arguments(frameId: frameId))],
            ["name": "Registers", "presentationHint": "registers", "expensive": false,
             "variablesReference": t.inspection.handle(.registers(frameId: frameId))],
            ["name": "Globals", "expensive": true,
             "variablesReference": t.inspection.handle(.globals(frameId: frameId))],
        ]
        return ["scopes": scopes]
    }
}
