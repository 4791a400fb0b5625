// What a run of the debugger is asked to do: resume forward or backward, step, travel in time.

/// How to resume.
public enum RunRequest: Equatable, Sendable {
    public enum Granularity: String, Sendable { case statement, line, instruction }
    case `continue`
    case next(tid: Int32, Granularity)
    case stepIn(tid: Int32, Granularity)
    case stepOut(tid: Int32, Granularity)
    case reverseContinue
    case stepBack(tid: Int32, Granularity)
    /// Travel in time to the boundary before event N of the recording.
    case gotoEvent(Int)
    /// Travel in time to a line's next or previous execution.
    case gotoLine(GotoLine)
    /// Travel in time to a position the core handed out (a value history's write).
    case gotoPosition(TravelPosition)
    /// Back to the call of the current function, in its caller.
    case reverseStepOut(tid: Int32)
    /// Into one call of the current line (a target of Debugger.stepInTargets), past the
    /// callee's prologue.
    case stepInTarget(StepInTarget)

    /// Which way the run goes (for a pause's description).
    var direction: RunDirection {
        switch self {
        case .reverseContinue, .stepBack: return .backward
        case .gotoEvent, .gotoPosition: return .travel
        default: return .forward
        }
    }
}

/// A `goto` target: a line's next or previous execution.
public struct GotoLine: Hashable, Sendable {
    public enum Direction: String, CaseIterable, Sendable { case next, previous }
    public var addresses: [UInt64]
    /// The file's name and the line, for messages.
    public var file: String
    public var line: Int
    public var direction: Direction

    public init(addresses: [UInt64], file: String, line: Int, direction: Direction) {
        self.addresses = addresses
        self.file = file
        self.line = line
        self.direction = direction
    }

    /// "line 12 of file.c".
    public var place: String { "line \(line) of \(file)" }

    public var label: String {
        switch direction {
        case .next: return "Line \(line): next execution (forward in time)"
        case .previous: return "Line \(line): previous execution (backward in time)"
        }
    }
}
