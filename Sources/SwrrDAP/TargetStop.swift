// The values DebuggerTarget (DebuggerTarget.swift) and the adapter exchange about runs and stops:
// threads, and why the replay stopped in DAP's terms (its `stopped` reasons), made from the
// debugger core's Stop.
import SwrrDebugger
import SwrrKernel

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
    /// The replay reached the end of the recording. `exitCode` is the program's recorded exit
    /// status as a shell shows it (nil when the recording ends before the program did);
    /// `description` says which end.
    case endOfRecording(exitCode: Int?, description: String)
    /// Any other stop: a breakpoint, a step, a signal, a data breakpoint, a pause.
    case stopped(StopInfo)

    /// The DAP stop of a stop of the debugger core.
    init(_ stop: Stop) {
        switch stop {
        case .breakpoint(let tid, let ids, let kind):
            self = .stopped(StopInfo(reason: Self.reason(kind), threadId: Int(tid), hitBreakpointIds: ids))
        case .dataBreakpoint(let tid, let change):
            self = .stopped(StopInfo(reason: "data breakpoint", threadId: Int(tid), description: change.description,
                                     text: change.text, hitBreakpointIds: change.id.map { [$0] } ?? []))
        case .signal(let tid, let number):
            self = .stopped(StopInfo(reason: "exception", threadId: Int(tid), description: stop.description,
                                     text: SignalNames.name(number)))
        case .step(let tid, let note):
            self = .stopped(StopInfo(reason: "step", threadId: Int(tid), description: note))
        case .goto(let tid, _):
            self = .stopped(StopInfo(reason: "goto", threadId: Int(tid), description: stop.description))
        case .paused(let tid, _, _, _):
            self = .stopped(StopInfo(reason: "pause", threadId: Int(tid), description: stop.description))
        case .startOfRecording(let tid):
            self = .stopped(StopInfo(reason: "start of recording", threadId: Int(tid), description: stop.description))
        case .endOfRecording(let end):
            self = .endOfRecording(exitCode: end.exitCode, description: end.description)
        }
    }

    /// The `stopped` reason of a breakpoint hit.
    static func reason(_ kind: BreakpointKind) -> String {
        switch kind {
        case .source: return "breakpoint"
        case .function: return "function breakpoint"
        case .instruction: return "instruction breakpoint"
        }
    }
}
