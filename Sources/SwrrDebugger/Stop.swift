// Why a run of the debugger stopped, as plain values: what happened and where, with a sentence
// for people (`description`). Front ends make their own messages from these (SwrrDAP its
// `stopped` reasons and bodies); the sentences are the ones swrr-dap has always shown.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrKernel
import SwrrTracee

/// The kind of breakpoint a hit came from.
public enum BreakpointKind: String, Equatable, Sendable { case source, function, instruction }

/// Which way a paused run was going, for the pause's description.
public enum RunDirection: Equatable, Sendable {
    case forward
    /// A reverse-continue or step back.
    case backward
    /// A travel in time to an event.
    case travel
}

/// A data breakpoint's trap.
public struct DataChange: Equatable, Sendable {
    /// nil: a watchpoint no data breakpoint of the set owns (the engine's own).
    public var id: Int?
    public var address: UInt64
    /// The watched expression.
    public var name: String
    /// The value before the trap (forward) and now, as its type prints.
    public var old: String?
    public var new: String?
    /// Found going backwards: the replay is just before the write (for a syscall's write, at
    /// the syscall's entry).
    public var backward: Bool
    /// The syscall whose output wrote the bytes ("read"), the replay standing at its exit
    /// (forward) or its entry (backward); nil for a store of the program's (a hardware trap).
    public var writer: String?

    public init(id: Int?, address: UInt64, name: String, old: String?, new: String?, backward: Bool,
                writer: String? = nil) {
        self.id = id
        self.address = address
        self.name = name
        self.old = old
        self.new = new
        self.backward = backward
        self.writer = writer
    }

    /// "written by read() (the kernel)".
    public var writtenBy: String? { writer.map { "written by \($0)() (the kernel)" } }

    public var description: String {
        guard id != nil else {
            return "Watchpoint at 0x\(String(address, radix: 16))" + (writtenBy.map { " \($0)" } ?? "")
        }
        if let by = writtenBy {
            if backward { return "\(name) is \(new ?? "?") here, just before \(writer ?? "")() (the kernel) writes it (found going backwards)" }
            if let old, let new { return "\(name) changed from \(old) to \(new), \(by)" }
            return "\(name) is now \(new ?? "?"), \(by)"
        }
        if backward { return "\(name) is \(new ?? "?") here, just before the write that changes it (found going backwards)" }
        if let old, let new { return "\(name) changed from \(old) to \(new)" }
        if let new { return "\(name) is now \(new)" }
        return "\(name) changed"
    }

    /// "name = value" (nil when the value cannot be read).
    public var text: String? { id == nil ? nil : new.map { "\(name) = \($0)" } }
}

/// Where a travel in time (`goto`) ended.
public enum GotoOutcome: Equatable, Sendable {
    /// At the boundary before this event (goto event).
    case atEvent(Int)
    /// At the line's next or previous execution, at this event.
    case arrived(GotoLine, event: Int)
    /// The line does not run again in that direction: the replay is where it was.
    case stayed(GotoLine)
    /// At a position the core handed out (its label: "write 3 of counter (= 30)"), at this event.
    case atPosition(String, event: Int)
}

/// How the recording ended.
public enum RecordingEnd: Equatable, Sendable {
    /// The program ended with this wait status, at this event.
    case completed(status: Int32, event: Int)
    /// The recording stopped (or was interrupted: no reason) at this event before the program ended.
    case endedEarly(event: Int, reason: String?)

    /// The program's exit status as a shell shows it (nil when the recording ends first).
    public var exitCode: Int? {
        if case .completed(let status, _) = self { return Int(WaitStatus.shellStatus(status)) }
        return nil
    }

    public var description: String {
        switch self {
        case .completed(let status, let event):
            return "The end of the recording was reached: the program \(WaitStatus.describe(status)) (event \(event))."
        case .endedEarly(let event, let reason):
            return "The end of the recording was reached at event \(event): the recording was " +
                (reason.map { "stopped (\($0))" } ?? "interrupted") + " before the program ended."
        }
    }
}

/// Why a run stopped.
public enum Stop: Equatable, Sendable, CustomStringConvertible {
    /// Breakpoints whose conditions held (ids in the set); `kind` is the last one's.
    case breakpoint(tid: Int32, ids: [Int], kind: BreakpointKind)
    case dataBreakpoint(tid: Int32, DataChange)
    /// A signal the signal policy stops at.
    case signal(tid: Int32, number: Int32)
    /// A step ended (`note`: why it ended other than by arriving, e.g. a step limit).
    case step(tid: Int32, note: String?)
    case goto(tid: Int32, GotoOutcome)
    /// A `pause` stopped the run: at this event, in the middle of a computation or at an event
    /// boundary, going this way.
    case paused(tid: Int32, event: Int, midComputation: Bool, direction: RunDirection)
    /// Going backwards reached the program's first instruction.
    case startOfRecording(tid: Int32)
    case endOfRecording(RecordingEnd)

    /// The thread that stopped (nil at the end of the recording).
    public var tid: Int32? {
        switch self {
        case .breakpoint(let t, _, _), .dataBreakpoint(let t, _), .signal(let t, _), .step(let t, _), .goto(let t, _),
             .paused(let t, _, _, _), .startOfRecording(let t):
            return t
        case .endOfRecording:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .breakpoint(let tid, let ids, _):
            return "Thread \(tid) hit breakpoint" + (ids.count == 1 ? " " : "s ") + ids.map(String.init).joined(separator: ", ")
        case .dataBreakpoint(_, let change):
            return change.description
        case .signal(let tid, let number):
            return "Thread \(tid) received signal \(SignalNames.name(number)) (\(String(cString: strsignal(number))))"
        case .step(let tid, let note):
            return note ?? "Thread \(tid) stepped"
        case .goto(let tid, let outcome):
            switch outcome {
            case .atEvent(let event):
                return "At event \(event) of the recording"
            case .arrived(let g, let event):
                return "At the \(g.direction.rawValue) execution of \(g.place) (thread \(tid), event \(event))"
            case .atPosition(let label, let event):
                return "At \(label) (thread \(tid), event \(event))"
            case .stayed(let g):
                let why = g.direction == .next ? "does not run again after this point (the end of the recording was reached)"
                                               : "did not run before this point (the start of the recording was reached)"
                return "The replay stayed where it was: \(g.place) \(why)"
            }
        case .paused(_, let event, let mid, let direction):
            var text = mid ? "Paused in the middle of a computation (event \(event) of the recording)"
                           : "Paused at event \(event) of the recording"
            switch direction {
            case .backward: text += ", where going back in time had got to"
            case .travel: text += ", where the travel in time had got to"
            case .forward: break
            }
            return text
        case .startOfRecording:
            return "The start of the recording was reached (the program's first instruction): " +
                "nothing ran before it. Run forward from here."
        case .endOfRecording(let end):
            return end.description
        }
    }
}
