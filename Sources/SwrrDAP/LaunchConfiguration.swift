// The `launch` arguments swrr-dap accepts, as data: the VS Code manifest in adapter-manifest/
// declares exactly these (a test compares), and LaunchConfiguration.parse reads them.
import Foundation

public struct LaunchAttribute {
    public let name: String
    /// JSON schema type ("string", "array", "object", "boolean").
    public let type: String
    public let description: String
}

public struct LaunchConfiguration {
    public enum Mode: Equatable {
        /// Record `program` first, then debug the recording.
        case record(program: String, arguments: [String], workingDirectory: String, environment: [String])
        /// Debug an existing recording.
        case trace(String)
    }

    public var mode: Mode
    public var stopOnEntry: Bool
    /// The recorded pid of the process to debug (nil: the first).
    public var process: Int?
    /// Send `exited` at the end of the recording (the program is held there before its exit,
    /// and can still be debugged backwards: a client that ends the session at `exited` says no).
    public var exitedAtEnd = true

    init(mode: Mode, stopOnEntry: Bool, process: Int?) {
        self.mode = mode
        self.stopOnEntry = stopOnEntry
        self.process = process
    }

    public static let attributes: [LaunchAttribute] = [
        LaunchAttribute(name: "program", type: "string",
                        description: "The program to record and then debug (a path, or a name looked up in PATH)."),
        LaunchAttribute(name: "args", type: "array", description: "Arguments of the program."),
        LaunchAttribute(name: "cwd", type: "string",
                        description: "Working directory of the program (default: swrr-dap's)."),
        LaunchAttribute(name: "env", type: "object",
                        description: "Environment variables added to swrr-dap's for the program (null removes one)."),
        LaunchAttribute(name: "stopOnEntry", type: "boolean",
                        description: "Stop at the program's first instruction instead of replaying to the end."),
        LaunchAttribute(name: "trace", type: "string",
                        description: "Debug this existing recording (a trace directory made by swrr record) instead of recording 'program'."),
        LaunchAttribute(name: "record", type: "boolean",
                        description: "Must be true (the default) with 'program': swrr-dap debugs recordings only."),
        LaunchAttribute(name: "process", type: "integer",
                        description: "In a recording of several processes, the recorded pid of the one to debug: breakpoints and signals stop only in its threads (default: the first process, the program's own)."),
        LaunchAttribute(name: "exitedAtEnd", type: "boolean",
                        description: "Send the exited event when the replay reaches the end of the recording (default true). Clients that end the session at exited (Emacs dap-mode) set false to keep going back from the end; the exit code is then in the end-of-recording stop's description."),
    ]

    /// Attributes clients add to every configuration, accepted and ignored.
    public static let clientAttributes: Set<String> = ["name", "type", "request", "noDebug", "__restart",
                                                       "__sessionId", "__configurationTarget", "presentation",
                                                       "preLaunchTask", "postDebugTask", "internalConsoleOptions",
                                                       "debugServer", "suppressMultipleSessionWarning", "dap"]

    /// The configuration of `launch` arguments as the client sent them.
    public static func parse(_ object: JSONObject) throws -> LaunchConfiguration {
        try LaunchConfiguration(ArgumentDecoder.decode(LaunchRequestArguments.self, from: object, command: "launch"))
    }

    public init(_ a: LaunchRequestArguments) throws {
        let stopOnEntry = a.stopOnEntry ?? false
        let (record, program, args, cwd, env, process) = (a.record, a.program, a.args, a.cwd, a.env, a.process)
        let exitedAtEnd = a.exitedAtEnd ?? true
        if let trace = a.trace {
            if program != nil || args != nil || env != nil || cwd != nil || record == true {
                throw RequestError("launch: 'trace' debugs an existing recording; it cannot be combined with " +
                                   "'program', 'args', 'cwd', 'env' or 'record'")
            }
            guard !trace.isEmpty else { throw RequestError("launch: 'trace' must name a trace directory") }
            self.init(mode: .trace(trace), stopOnEntry: stopOnEntry, process: process)
            self.exitedAtEnd = exitedAtEnd
            return
        }
        guard let program = program, !program.isEmpty else {
            throw RequestError("launch: say what to debug: 'program' (recorded first, then debugged) " +
                               "or 'trace' (an existing recording)")
        }
        if record == false {
            throw RequestError("launch: swrr-dap debugs recordings, so 'program' is always recorded first; " +
                               "'record': false is not possible. Remove it, or record once with " +
                               "'swrr record \(program)' (or 'swrr-dap --record -- \(program)') and launch with " +
                               "'trace' set to the recording's directory")
        }
        let base = FileManager.default.currentDirectoryPath
        var dir = cwd ?? base
        if !dir.hasPrefix("/") { dir = base + "/" + dir }
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env ?? [:] {
            if let v = v { environment[k] = v } else { environment[k] = nil }
        }
        self.init(mode: .record(program: program, arguments: args ?? [], workingDirectory: dir,
                                environment: environment.map { "\($0.key)=\($0.value)" }.sorted()),
                  stopOnEntry: stopOnEntry, process: process)
        self.exitedAtEnd = exitedAtEnd
    }
}
