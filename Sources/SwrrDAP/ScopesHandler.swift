// `scopes`: a frame's Locals, Arguments, Registers and Globals (of its compilation unit), each a
// variablesReference for `variables`.

public struct ScopesHandler: TypedRequestHandler {
    public let command = "scopes"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: ScopesArguments, adapter: Adapter) throws -> ScopesResponseBody? {
        let frameId = arguments.frameId
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let (_, scope) = try t.frame(frameId)
        let locals = scope.locals().count, params = scope.parameters().count
        let scopes: [ScopesResponseBody.Scope] = [
            .init(name: "Locals", presentationHint: "locals",
                  variablesReference: t.inspection.handle(.locals(frameId: frameId)), namedVariables: locals, expensive: false),
            .init(name: "Arguments", presentationHint: "arguments",
                  variablesReference: t.inspection.handle(.arguments(frameId: frameId)), namedVariables: params, expensive: false),
            .init(name: "Registers", presentationHint: "registers",
                  variablesReference: t.inspection.handle(.registers(frameId: frameId)), expensive: false),
            .init(name: "Globals", variablesReference: t.inspection.handle(.globals(frameId: frameId)), expensive: true),
        ]
        return ScopesResponseBody(scopes: scopes)
    }
}
