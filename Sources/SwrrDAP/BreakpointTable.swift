// The breakpoints the client asked for, by kind (source lines, functions, instructions, data,
// signals), with DAP ids, their resolved addresses, and what is evaluated at each hit: a
// condition, a hit condition, a log message. The table outlives a `restart`: the new replay
// gets the same breakpoints placed again.
import SwrrReplay

public final class UserBreakpoint {
    public enum Kind: String { case source, function, instruction }
    public let id: Int
    public let kind: Kind
    /// What the client asked for (for messages): "file.c:12", "main", "0x401126".
    public let spec: String
    public var addresses: [UInt64] = []
    public var condition: String?
    public var hitCondition: String?
    public var logMessage: String?
    public var hits = 0
    /// The request: a source file and line, a function name, or an instruction address.
    public var file: String?
    public var line: Int?
    public var source: JSONValue?
    public var function: String?
    public var instructionAddress: UInt64?
    /// The DAP Breakpoint object sent back (verified, line, message...).
    public var dap: Breakpoint

    init(id: Int, kind: Kind, spec: String) {
        self.id = id
        self.kind = kind
        self.spec = spec
        dap = Breakpoint(id: id, verified: false)
    }

    /// The reason of a `stopped` event caused by this breakpoint.
    var stopReason: String {
        switch kind {
        case .source: return "breakpoint"
        case .function: return "function breakpoint"
        case .instruction: return "instruction breakpoint"
        }
    }

    /// Whether the hit count (already incremented) satisfies the hit condition. Accepted forms:
    /// `N` (the N-th hit and every later one, like gdb's ignore count), `==N`, `>N`, `>=N`, `<N`,
    /// `<=N`, `%N` (every N-th hit).
    static func hitConditionHolds(_ text: String, hits: Int) throws -> Bool {
        let t = text.filter { !$0.isWhitespace }
        for (op, test) in [("==", { (h: Int, n: Int) in h == n }), (">=", { $0 >= $1 }), ("<=", { $0 <= $1 }),
                           (">", { $0 > $1 }), ("<", { $0 < $1 }), ("%", { $1 > 0 && $0 % $1 == 0 }),
                           ("=", { $0 == $1 }), ("", { $0 >= $1 })] as [(String, (Int, Int) -> Bool)] {
            guard t.hasPrefix(op), let n = Int(t.dropFirst(op.count)) else { continue }
            return test(hits, n)
        }
        throw RequestError("the hit condition '\(text)' is not understood (use N, ==N, >=N, >N, <=N, <N or %N)")
    }
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
    public var condition: String?
    public var hitCondition: String?
    public var hits = 0
}

public final class BreakpointTable {
    private var nextID = 1
    /// Source breakpoints per file path as the client named it.
    public var source: [String: [UserBreakpoint]] = [:]
    public var function: [UserBreakpoint] = []
    public var instruction: [UserBreakpoint] = []
    public var data: [DataBreakpoint] = []
    /// Exception filters (InitializeHandler.exceptionFilters); the defaults until the client says.
    public var exceptionFilters: Set<String> = ["fatal-signals"]

    public init() {}

    func newID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    func make(_ kind: UserBreakpoint.Kind, _ spec: String) -> UserBreakpoint {
        UserBreakpoint(id: newID(), kind: kind, spec: spec)
    }

    public var all: [UserBreakpoint] { source.values.flatMap { $0 } + function + instruction }

    /// The user breakpoints placed at `address`.
    func at(_ address: UInt64) -> [UserBreakpoint] { all.filter { $0.addresses.contains(address) } }

    /// Every address a software breakpoint must be inserted at.
    var addresses: Set<UInt64> { Set(all.flatMap(\.addresses)) }

    /// Signals that stop the replay under the current filters.
    func stops(at signal: Int32) -> Bool {
        if exceptionFilters.contains("all-signals") { return true }
        return exceptionFilters.contains("fatal-signals") && SignalStop.fatal.contains(signal)
    }
}

enum SignalStop {
    /// Signals that end a program unless it handles them: what "Fatal signals" means.
    static let fatal: Set<Int32> = [4, 6, 7, 8, 11, 31]   // ILL ABRT BUS FPE SEGV SYS
}
