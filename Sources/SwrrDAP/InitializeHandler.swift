// `initialize`: remembers what the client supports and answers with swrr-dap's capabilities.
//
// Every advertised capability is answered by a working handler. `requiredCommands`
// ties each capability to the requests it makes a client send, and a test checks that each of
// them is in HandlerRegistry.

public struct InitializeHandler: UntypedRequestHandler {
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
    ]

    /// Signals as exception breakpoints (DAP's exceptionBreakpointFilters).
    public static let exceptionFilters: [JSONObject] = [
        ["filter": "fatal-signals", "label": "Fatal signals",
         "description": "Stop when a signal is about to end the program (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL…)",
         "default": true],
        ["filter": "all-signals", "label": "All signals",
         "description": "Stop at every signal delivered to the program", "default": false],
    ]

    public static var capabilitiesBody: JSONObject {
        var body: JSONObject = [:]
        for c in capabilities { body[c.name] = true }
        body["exceptionBreakpointFilters"] = exceptionFilters
        body["supportsSetVariable"] = false
        return body
    }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        // Validate the fields swrr-dap reads; the others are informational.
        _ = try arguments.string("adapterID")
        _ = try arguments.bool("linesStartAt1")
        _ = try arguments.bool("columnsStartAt1")
        adapter.session.clientArguments = arguments.object
        try adapter.session.move(to: .initialized)
        return Self.capabilitiesBody
    }
}
