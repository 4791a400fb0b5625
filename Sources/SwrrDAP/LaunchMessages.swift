// Arguments and bodies of the requests that start a session (`initialize`, `launch`), with the
// schema's names and optionality (debugProtocol.json); `launch`'s own attributes are swrr-dap's
// (LaunchConfiguration.attributes, which the VS Code manifest declares).

public struct InitializeRequestArguments: Decodable {
    public let adapterID: String?
    public let linesStartAt1: Bool?
    public let columnsStartAt1: Bool?
    /// The whole object: what the client supports, kept for the session.
    public let all: JSONValue

    enum CodingKeys: String, CodingKey { case adapterID, linesStartAt1, columnsStartAt1 }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        adapterID = try c.decodeIfPresent(String.self, forKey: .adapterID)
        linesStartAt1 = try c.decodeIfPresent(Bool.self, forKey: .linesStartAt1)
        columnsStartAt1 = try c.decodeIfPresent(Bool.self, forKey: .columnsStartAt1)
        all = try JSONValue(from: decoder)
    }
}

/// DAP's ExceptionBreakpointsFilter.
public struct ExceptionBreakpointsFilter: Encodable {
    public var filter: String
    public var label: String
    public var description: String?
    public var `default`: Bool?
}

/// DAP's Capabilities: every capability of InitializeHandler.capabilities (a table, so a test can
/// check each is answered) true, the exception filters, and setVariable refused.
public struct Capabilities: Encodable {
    public var supported: [String]
    public var exceptionBreakpointFilters: [ExceptionBreakpointsFilter]
    public var supportsSetVariable = false
    /// What makes an editor ask for completions as it is typed: members after `.` and `->`,
    /// registers after `$` (CompletionsHandler).
    public var completionTriggerCharacters = [".", ">", "$"]

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: ArgumentKey.self)
        for name in supported { try c.encode(true, forKey: ArgumentKey(stringValue: name)) }
        try c.encode(exceptionBreakpointFilters, forKey: ArgumentKey(stringValue: "exceptionBreakpointFilters"))
        try c.encode(supportsSetVariable, forKey: ArgumentKey(stringValue: "supportsSetVariable"))
        try c.encode(completionTriggerCharacters, forKey: ArgumentKey(stringValue: "completionTriggerCharacters"))
    }
}

/// `launch`: the attributes of LaunchConfiguration.attributes; the ones clients add to every
/// configuration (LaunchConfiguration.clientAttributes) are not read.
public struct LaunchRequestArguments: Decodable {
    public let stopOnEntry: Bool?
    public let record: Bool?
    public let program: String?
    public let args: [String]?
    public let cwd: String?
    /// Variables to set, or (null) to remove.
    public let env: [String: String?]?
    public let trace: String?
    /// A recorded pid (a pid_t).
    public let process: Int?
    public let exitedAtEnd: Bool?

    /// Exactly LaunchConfiguration.attributes (RegistryTests compares).
    enum CodingKeys: String, CodingKey, CaseIterable {
        case stopOnEntry, record, program, args, cwd, env, trace, process, exitedAtEnd
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stopOnEntry = try c.decodeIfPresent(Bool.self, forKey: .stopOnEntry)
        record = try c.decodeIfPresent(Bool.self, forKey: .record)
        program = try c.decodeIfPresent(String.self, forKey: .program)
        args = try c.decodeIfPresent([String].self, forKey: .args)
        cwd = try c.decodeIfPresent(String.self, forKey: .cwd)
        env = try c.decodeIfPresent(Environment.self, forKey: .env)?.variables
        trace = try c.decodeIfPresent(String.self, forKey: .trace)
        process = try c.decodeIfPresent(.process, in: ArgumentRange.threadID)
        exitedAtEnd = try c.decodeIfPresent(Bool.self, forKey: .exitedAtEnd)
    }

    /// An object whose values are strings or null (DAP's way to unset a variable).
    struct Environment: Decodable {
        let variables: [String: String?]

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: ArgumentKey.self)
            var out: [String: String?] = [:]
            for key in c.allKeys {
                if try c.decodeNil(forKey: key) { out[key.stringValue] = .some(nil); continue }
                guard let s = try? c.decode(String.self, forKey: key) else {
                    throw ArgumentError(path: decoder.codingPath, problem: .wrong("an object of strings"))
                }
                out[key.stringValue] = s
            }
            variables = out
        }
    }
}
