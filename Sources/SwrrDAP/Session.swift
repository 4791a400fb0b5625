// The state of one debugging session and the transitions DAP allows:
//
//   uninitialized -initialize-> initialized -launch-> launched -configurationDone-> running | stopped
//   running <-> stopped (continue, pause, a stop of the replay; restart goes to stopped)
//   any state -terminate/disconnect/end of input-> terminated
//
// Each request handler names the states it is valid in; a request in another state is answered
// with success:false and `whyNot` as the message.
import SwrrDebugger

public enum SessionState: String, CaseIterable, Sendable {
    case uninitialized, initialized, launched, running, stopped, terminated

    /// Completes "… is not valid now: " for a request that arrived in this state.
    public var whyNot: String {
        switch self {
        case .uninitialized: return "the session is not initialized yet (send 'initialize' first)"
        case .initialized: return "nothing is being debugged yet (send 'launch' first)"
        case .launched: return "the debuggee is launched but not configured yet (send 'configurationDone' first)"
        case .running: return "the replay is running (send 'pause' first)"
        case .stopped: return "the replay is stopped"
        case .terminated: return "the session has ended"
        }
    }
}

public final class Session {
    public private(set) var state: SessionState = .uninitialized
    /// What is being debugged, from `launch` until the session ends.
    public var target: DebuggerTarget?
    public var configuration: LaunchConfiguration?
    /// The client's `initialize` arguments (linesStartAt1, supportsProgressReporting, …).
    public var clientArguments: JSONValue = .object([:])
    /// Whether the client announced `supportsProgressReporting` (progress events go only to it).
    public var reportsProgress: Bool {
        if case .object(let o) = clientArguments, case .bool(true)? = o["supportsProgressReporting"] { return true }
        return false
    }
    /// Whether the client announced `supportsStartDebuggingRequest`: each process of a recording
    /// gets a session of its own (ChildSessions.swift), and each session lists its own threads.
    public var startsDebugging: Bool {
        if case .object(let o) = clientArguments, case .bool(true)? = o["supportsStartDebuggingRequest"] { return true }
        return false
    }
    /// Breakpoints as requested, kept across restarts.
    public let breakpoints = BreakpointSet()
    /// The `source` object of each source breakpoint as the client sent it, by breakpoint id
    /// (DAP gives it back in the breakpoint's Breakpoint object).
    public var breakpointSources: [Int: JSONValue] = [:]
    /// The threads the client was told about (`thread` events).
    public var knownThreads: Set<Int> = []
    /// The modules the client was told about (`module` events), by id.
    public var knownModules: Set<String> = []
    /// Events that must be sent at most once per session.
    public var exitedSent = false
    public var terminatedSent = false

    public init() {}

    static let transitions: [SessionState: Set<SessionState>] = [
        .uninitialized: [.initialized, .terminated],
        .initialized: [.launched, .terminated],
        .launched: [.running, .stopped, .terminated],
        .running: [.stopped, .terminated],
        .stopped: [.running, .stopped, .terminated],
        .terminated: [],
    ]

    /// Moves to `next`; a transition the table does not allow is a bug in a handler, reported as
    /// a request error rather than a crash.
    public func move(to next: SessionState) throws {
        guard Self.transitions[state]?.contains(next) == true else {
            throw RequestError("internal error: swrr-dap cannot go from \(state.rawValue) to \(next.rawValue)")
        }
        state = next
    }

    /// Ends the session: every replayed task is killed.
    public func end() {
        target?.kill()
        target = nil
        state = .terminated
    }
}
