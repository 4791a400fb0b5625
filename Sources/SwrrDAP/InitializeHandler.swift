// `initialize`: remembers what the client supports and answers with swrr-dap's capabilities.
//
// Every advertised capability is answered by a working handler. `requiredCommands`
// ties each capability to the requests it makes a client send, and a test checks that each of
// them is in HandlerRegistry.

public struct InitializeHandler: TypedRequestHandler {
    public let command = "initialize"
    public var validStates: Set<SessionState> { [.uninitialized] }

    /// (capability, requests a client may send because of it).
    public static let capabilities: [(name: String, requiredCommands: [String])] = [
        ("supportsConfigurationDoneRequest", ["configurationDone"]),
        ("supportsStepBack", ["stepBack", "reverseContinue"]),
        ("supportsFunctionBreakpoints", ["setFunctionBreakpoints"]),
        ("supportsConditionalBreakpoints", ["setBreakpoints"]),
        ("supportsHitConditionalBreakpoints", ["setBreakpoints"]),
        ("supportsLogPoints", ["setBreakpoints"]),
        ("supportsDataBreakpoints", ["dataBreakpointInfo", "setDataBreakpoints"]),
        ("supportsReadMemoryRequest", ["readMemory"]),
        ("supportsDisassembleRequest", ["disassemble"]),
        ("supportsInstructionBreakpoints", ["setInstructionBreakpoints"]),
        ("supportsSteppingGranularity", ["next", "stepIn", "stepOut", "stepBack"]),
        ("supportsEvaluateForHovers", ["evaluate"]),
        ("supportsValueFormattingOptions", ["variables", "evaluate"]),
        ("supportsRestartRequest", ["restart"]),
        ("supportsTerminateRequest", ["terminate"]),
        ("supportsLoadedSourcesRequest", ["loadedSources"]),
        ("supportsModulesRequest", ["modules"]),
        ("supportsGotoTargetsRequest", ["gotoTargets", "goto"]),
        ("supportsBreakpointLocationsRequest", ["breakpointLocations"]),
        ("supportsExceptionInfoRequest", ["exceptionInfo"]),
        ("supportsStepInTargetsRequest", ["stepInTargets", "stepIn"]),
        ("supportsCompletionsRequest", ["completions"]),
        ("supportsCancelRequest", ["cancel"]),
    ]

    /// Signals as exception breakpoints (DAP's exceptionBreakpointFilters).
    public static let exceptionFilters: [ExceptionBreakpointsFilter] = [
        .init(filter: "fatal-signals", label: "Fatal signals",
              description: "Stop when a signal is about to end the program (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL…)",
              default: true),
        .init(filter: "all-signals", label: "All signals",
              description: "Stop at every signal delivered to the program", default: false),
    ]

    public static var capabilitiesValue: Capabilities {
        Capabilities(supported: capabilities.map(\.name), exceptionBreakpointFilters: exceptionFilters)
    }

    /// The capabilities as they go out (for tests).
    public static var capabilitiesBody: JSONObject { (try? BodyEncoder.object(capabilitiesValue)) ?? [:] }

    public func handle(_ arguments: InitializeRequestArguments, adapter: Adapter) throws -> Capabilities? {
        // The fields swrr-dap reads are checked by decoding; the others are informational.
        adapter.session.clientArguments = arguments.all
        adapter.initializeRequest = adapter.currentRequest?.raw
        try adapter.session.move(to: .initialized)
        return Self.capabilitiesValue
    }
}
