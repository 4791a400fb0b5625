// The breakpoints being debugged with, by kind (source lines, functions, instructions, data),
// their ids, their resolved addresses, and what is evaluated at each hit: a condition, a hit
// condition, a log message. The set outlives a replay: a restarted one gets the same
// breakpoints placed again (BreakpointResolver.swift).
import Foundation
import SwrrReplay

public final class UserBreakpoint {
    public let id: Int
    public let kind: BreakpointKind
    /// What the user asked for (for messages): "file.c:12", "main", "0x401126".
    public let spec: String
    public var addresses: [UInt64] = []
    public var condition: BreakpointCondition?
    /// N, ==N, >N, >=N, <N, <=N or %N (HitCondition.swift).
    public var hitCondition: String?
    /// A logpoint's message: `{expression}`s interpolated; printed instead of stopping.
    public var logMessage: String?
    public var hits = 0
    /// The recorded pid of the only process it stops in (nil: any process debugged), from its
    /// set's `process`.
    public internal(set) var process: Int?
    /// The request: a source file and line, a function name, or an instruction address.
    public var file: String?
    public var line: Int?
    public var function: String?
    public var instructionAddress: UInt64?
    /// What became of it at the last resolution.
    public var status: BreakpointStatus

    init(id: Int, kind: BreakpointKind, spec: String) {
        self.id = id
        self.kind = kind
        self.spec = spec
        status = BreakpointStatus()
    }

    /// "breakpoint 3 (file.c:12)", for messages.
    var what: String { "breakpoint \(id) (\(spec))" }
}

/// What resolving a breakpoint to addresses found.
public struct BreakpointStatus: Equatable, Sendable {
    public var verified = false
    /// The first address it is placed at.
    public var address: UInt64?
    /// The line it landed on, and its file from the line table (nil for a source breakpoint:
    /// its file is the one asked for).
    public var line: Int?
    public var file: String?
    /// Why it is not verified (or was not inserted).
    public var message: String?
    /// Not resolvable in the modules loaded now: tried again at each stop.
    public var pending = false

    public init() {}
}

/// A data breakpoint: a hardware watchpoint on `length` bytes at `address`.
public struct DataBreakpoint {
    public let id: Int
    public let address: UInt64
    public let length: Int
    public let kind: WatchKind
    /// The expression it watches (for the stop's description), and the C type to show values in.
    public let name: String
    public let typeName: String?
    public var lastValue: String?
    /// Evaluated at each trap, like a line breakpoint's.
    public var condition: BreakpointCondition?
    public var hitCondition: String?
    public var hits = 0

    var what: String { "data breakpoint \(id) (\(name))" }
}

/// Which signals stop a run.
public enum SignalStops: Equatable, Sendable {
    case none
    /// Signals that end a program unless it handles them.
    case fatal
    case all

    /// ILL ABRT BUS FPE SEGV SYS.
    public static let fatalSignals: Set<Int32> = [4, 6, 7, 8, 11, 31]

    public func stops(at signal: Int32) -> Bool {
        switch self {
        case .none: return false
        case .fatal: return Self.fatalSignals.contains(signal)
        case .all: return true
        }
    }
}

public final class BreakpointSet {
    private var nextID = 1
    /// Source breakpoints per file as the user named it.
    public var source: [String: [UserBreakpoint]] = [:]
    public var function: [UserBreakpoint] = []
    public var instruction: [UserBreakpoint] = []
    public internal(set) var data: [DataBreakpoint] = []
    /// The signals that stop a run (fatal ones until the user says).
    public var signals: SignalStops = .fatal
    /// The recorded pid of the process this set's breakpoints stop in (nil: any the debugger
    /// debugs). A process tree's sessions each have a set scoped to their process: the
    /// processes of a fork run the same code, so a breakpoint on a line of it would otherwise
    /// stop in every one of them.
    public var process: Int?
    /// The sets of the other sessions of a process tree (their processes' line, function and
    /// instruction breakpoints), by recorded pid: one replay places and evaluates them all, each
    /// stopping in its own process. Their processes are debugged (Debugger.inDebuggedProcess).
    /// A child session joins while the replay may be running (its run thread reads them).
    public var joined: [Int: BreakpointSet] {
        joinLock.lock()
        defer { joinLock.unlock() }
        return joinedSets
    }
    private var joinedSets: [Int: BreakpointSet] = [:]
    private let joinLock = NSLock()

    public init() {}

    /// Adds `set`, scoped to `process`, to the breakpoints placed and evaluated.
    public func join(_ set: BreakpointSet, process: Int) {
        set.scope(to: process)
        joinLock.lock()
        joinedSets[process] = set
        joinLock.unlock()
    }

    /// Scopes this set's breakpoints, those made from now on too, to `process`.
    public func scope(to process: Int) {
        self.process = process
        for bp in own { bp.process = process }
    }

    /// Removes the set of `process` (its session ended).
    public func leave(process: Int) {
        joinLock.lock()
        joinedSets[process] = nil
        joinLock.unlock()
    }

    /// A fresh id (shared by every kind, data breakpoints included).
    public func newID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    public func make(_ kind: BreakpointKind, _ spec: String) -> UserBreakpoint {
        let bp = UserBreakpoint(id: newID(), kind: kind, spec: spec)
        bp.process = process
        return bp
    }

    /// This set's breakpoints, then the joined sets' (in pid order).
    public var all: [UserBreakpoint] {
        let others = joined
        return own + others.keys.sorted().flatMap { others[$0]?.all ?? [] }
    }

    /// This set's breakpoints alone.
    public var own: [UserBreakpoint] { source.values.flatMap { $0 } + function + instruction }

    /// The user breakpoints placed at `address`.
    func at(_ address: UInt64) -> [UserBreakpoint] { all.filter { $0.addresses.contains(address) } }

    /// Every address a software breakpoint must be inserted at.
    var addresses: Set<UInt64> { Set(all.flatMap(\.addresses)) }

    /// Hit counts start again (a restarted replay).
    public func resetHits() {
        for bp in all { bp.hits = 0 }
    }
}
