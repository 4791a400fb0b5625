// What the adapter needs from the thing being debugged. Today ReplayTarget (a forward replay that
// runs to the end of the recording) implements it; the debugging engine (breakpoints, stacks,
// reverse execution: ReplayDebugger) will implement the same protocol with more of the optional
// operations, and the request handlers that say "not available yet" will call them.

/// A thread as DAP shows it.
public struct TargetThread: Equatable {
    public var id: Int
    public var name: String
    public init(id: Int, name: String) {
        self.id = id
        self.name = name
    }
}

/// Why the target stopped.
public enum TargetStop: Equatable {
    /// At the first instruction of the recording.
    case entry
    /// Stopped by a `pause` request, at this event.
    case paused(event: Int)
    /// The replay reached the end of the recording. `exitCode` is the program's recorded exit
    /// status as a shell shows it (nil when the recording ends before the program did);
    /// `description` says which end.
    case endOfRecording(exitCode: Int?, description: String)
}

public protocol DebugTarget: AnyObject {
    /// The recorded threads, with their recorded thread ids.
    func threads() -> [TargetThread]
    /// The thread a stop is reported on.
    var focusThread: Int { get }
    /// The recorded program's pid and path (for the `process` event).
    var processID: Int { get }
    var programPath: String { get }
    /// The event the replay is at.
    var eventNumber: Int { get }
    /// Runs forward a bounded amount of work (so the adapter can read `pause` or `disconnect`
    /// between calls). nil while not stopped yet.
    func advance() throws -> TargetStop?
    /// Whether the replay has reached the end of the recording.
    var atEnd: Bool { get }
    /// Ends every replayed task. Idempotent.
    func kill()
}
