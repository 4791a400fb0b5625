// One handler per DAP command, found through a table (knowledge as data): the adapter looks the
// command up, checks the session state against the handler's `validStates`, decodes nothing
// itself, and answers with the handler's body or its error.

public protocol RequestHandler {
    /// The DAP command this handler answers.
    var command: String { get }
    /// The session states in which the request is valid (answered with an error otherwise).
    var validStates: Set<SessionState> { get }
    /// Handles the request; returns the response body (nil for none). Throwing RequestError
    /// answers success:false with its message. Events that must follow the response are queued
    /// with `adapter.afterResponse`.
    func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject?
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
    ] + RefusedHandler.all

    public static let table: [String: RequestHandler] = Dictionary(
        handlers.map { ($0.command, $0) }, uniquingKeysWith: { first, _ in first })
}
