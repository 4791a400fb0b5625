// The bodies of the events swrr-dap sends, with the schema's names and optionality
// (debugProtocol.json). Each type names its event, so a body cannot go out under another name.
// `initialized` and `terminated` go out without a body (Adapter.post(_:)).

public protocol EventBody: Encodable {
    /// The DAP event this is the body of.
    static var event: String { get }
}

public struct StoppedEventBody: EventBody {
    public static let event = "stopped"
    public var reason: String
    public var description: String?
    public var threadId: Int?
    public var text: String?
    public var allThreadsStopped: Bool?
    public var hitBreakpointIds: [Int]?
    /// Another process's stop shown in a session of a process tree: the editor keeps its focus.
    public var preserveFocusHint: Bool?
}

public struct ContinuedEventBody: EventBody {
    public static let event = "continued"
    public var threadId: Int
    public var allThreadsContinued: Bool?
}

public struct ExitedEventBody: EventBody {
    public static let event = "exited"
    public var exitCode: Int
}

public struct ThreadEventBody: EventBody {
    public static let event = "thread"
    public var reason: String
    public var threadId: Int
}

public struct OutputEventBody: EventBody {
    public static let event = "output"
    public var category: String?
    public var output: String
    public var group: String?
}

public struct BreakpointEventBody: EventBody {
    public static let event = "breakpoint"
    public var reason: String
    public var breakpoint: Breakpoint
}

public struct ModuleEventBody: EventBody {
    public static let event = "module"
    public var reason: String
    public var module: ModulesResponseBody.Module
}

public struct ProcessEventBody: EventBody {
    public static let event = "process"
    public var name: String
    public var systemProcessId: Int?
    public var isLocalProcess: Bool?
    public var startMethod: String?
}
