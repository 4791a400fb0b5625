// The values DebuggerTarget (DebuggerTarget.swift) and the adapter exchange about runs and stops:
// threads, why the replay stopped, how to resume.

/// A thread as DAP shows it.
public struct TargetThread: Equatable {
    public var id: Int
    public var name: String
    public init(id: Int, name: String) {
        self.id = id
        self.name = name
    }
}

/// A stop with a DAP reason ("breakpoint", "step", "exception", "data breakpoint"...).
public struct StopInfo: Equatable {
    public var reason: String
    public var threadId: Int
    public var description: String?
    public var text: String?
    public var hitBreakpointIds: [Int] = []
    public init(reason: String, threadId: Int, description: String? = nil, text: String? = nil,
                hitBreakpointIds: [Int] = []) {
        self.reason = reason
        self.threadId = threadId
        self.description = description
        self.text = text
        self.hitBreakpointIds = hitBreakpointIds
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
    /// Any other stop: a breakpoint, a step, a signal, a data breakpoint.
    case stopped(StopInfo)
}

/// How to resume.
public enum RunRequest: Equatable {
    public enum Granularity: String { case statement, line, instruction }
    case `continue`
    case next(tid: Int32, Granularity)
    case stepIn(tid: Int32, Granularity)
    case stepOut(tid: Int32, Granularity)
    case reverseContinue
    case stepBack(tid: Int32, Granularity)
    /// Travel in time to the boundary before event N of the recording (custom `gotoEvent`).
    case gotoEvent(Int)
    /// Travel in time to a line's next or previous execution (`goto`).
    case gotoLine(GotoLine)
    /// Back to the call of the current function, in its caller (custom `reverseStepOut`).
    case reverseStepOut(tid: Int32)
}
