// One handler per DAP command, found through a table (knowledge as data): the adapter looks the
// command up, checks the session state against the handler's `validStates`, and answers
// with the handler's body or its error. Handlers take typed arguments and return typed bodies
// (DAP's names: NextArguments, StackTraceResponseBody), decoded and encoded in one place each.

public protocol RequestHandler {
    /// The DAP command this handler answers.
    var command: String { get }
    /// The session states in which the request is valid (answered with an error otherwise).
    var validStates: Set<SessionState> { get }
    /// Decodes the request's arguments, handles it and returns the encoded response body (nil
    /// for none). Throwing RequestError answers success:false with its message.
    func respond(to request: Request, adapter: Adapter) throws -> JSONObject?
}

/// A handler of typed arguments and body: `Args` decoded by ArgumentDecoder (a wrong field is an
/// error response naming it), `Body` encoded by BodyEncoder, so neither is done twice.
/// Events that must follow the response are queued with `adapter.afterResponse`.
public protocol TypedRequestHandler: RequestHandler {
    associatedtype Args: Decodable
    associatedtype Body: Encodable
    func handle(_ arguments: Args, adapter: Adapter) throws -> Body?
}

extension TypedRequestHandler {
    public func respond(to request: Request, adapter: Adapter) throws -> JSONObject? {
        let arguments = try ArgumentDecoder.decode(Args.self, from: request.arguments, command: command)
        return try handle(arguments, adapter: adapter).map(BodyEncoder.object)
    }
}

extension SessionState {
    /// States with something being debugged.
    public static let debugging: Set<SessionState> = [.launched, .running, .stopped]
    /// Every state but the end.
    public static let live: Set<SessionState> = [.uninitialized, .initialized, .launched, .running, .stopped]
    public static let configured: Set<SessionState> = [.initialized, .launched, .running, .stopped]
}

public enum HandlerRegistry {
    /// Every request swrr-dap answers.
    public static let handlers: [RequestHandler] = [
        InitializeHandler(),
        LaunchHandler(),
        ConfigurationDoneHandler(),
        ThreadsHandler(),
        ContinueHandler(),
        PauseHandler(),
        CancelHandler(),
        RestartHandler(),
        TerminateHandler(),
        DisconnectHandler(),
        SetBreakpointsHandler(),
        SetFunctionBreakpointsHandler(),
        SetInstructionBreakpointsHandler(),
        SetExceptionBreakpointsHandler(),
        CurrentEventHandler(),
        GotoEventHandler(),
        StackTraceHandler(),
        ScopesHandler(),
        VariablesHandler(),
        EvaluateHandler(),
        NextHandler(),
        StepInHandler(),
        StepOutHandler(),
        DataBreakpointInfoHandler(),
        SetDataBreakpointsHandler(),
        ReadMemoryHandler(),
        DisassembleHandler(),
        SourceHandler(),
        LoadedSourcesHandler(),
        ModulesHandler(),
        ReverseContinueHandler(),
        StepBackHandler(),
        ReverseStepOutHandler(),
        GotoTargetsHandler(),
        GotoHandler(),
        BreakpointLocationsHandler(),
        ExceptionInfoHandler(),
        StepInTargetsHandler(),
        CompletionsHandler(),
        ValueHistoryHandler(),
        GotoHistoryEntryHandler(),
    ] + RefusedHandler.all

    public static let table: [String: RequestHandler] = Dictionary(
        handlers.map { ($0.command, $0) }, uniquingKeysWith: { first, _ in first })
}
