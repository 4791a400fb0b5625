// Breakpoint conditions as a protocol, so each front end can bring its own language: source
// expressions (ExpressionCondition, what DAP clients send), and later gdb's agent-expression
// bytecode evaluated in the gdb server. The core evaluates whichever it is given at each hit.
import Foundation
import SwrrDebugInfo
import SwrrTracee

/// A breakpoint condition evaluated where a breakpoint is hit (source expression, gdb bytecode…).
public protocol BreakpointCondition {
    /// Text for messages ("i == 7", "agent expression of 12 bytes").
    var text: String { get }
    /// Whether to stop; throwing means it cannot be evaluated (the core then stops and logs why).
    func holds(in context: ConditionContext) throws -> Bool
}

/// What a condition can read at the hit: the thread, its registers and memory, its top frame.
public protocol ConditionContext {
    var tid: Int32 { get }
    func registers() throws -> Registers
    func readMemory(_ address: UInt64, count: Int) throws -> [UInt8]
    func topFrame() throws -> FrameScope
}

/// A C expression over the variables in scope at the hit (DebugExpression); it holds when its
/// value is not zero (an integer, a floating-point value or a pointer).
public struct ExpressionCondition: BreakpointCondition {
    public let text: String

    /// nil for an empty (or blank) condition: none.
    public init?(_ text: String?) {
        guard let t = text, !t.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        self.text = t
    }

    public func holds(in context: ConditionContext) throws -> Bool {
        Self.truthy(try DebugExpression.evaluate(text, in: context.topFrame()))
    }

    static func truthy(_ r: EvaluationResult) -> Bool {
        switch r.value {
        case .integer(let v, _): return v != 0
        case .floating(let d): return d != 0
        case .pointer(let p, _, _): return p != 0
        case .object(let v): return v.type.isFloat ? v.double != 0 : v.raw != 0
        }
    }
}

/// A hit's context in the replay: the thread's state through the debugger; its top frame is
/// unwound once, when first asked for.
final class HitContext: ConditionContext {
    let tid: Int32
    private let debugger: Debugger
    private var frame: FrameScope?

    init(_ debugger: Debugger, tid: Int32) {
        self.debugger = debugger
        self.tid = tid
    }

    func registers() throws -> Registers { try debugger.replay.registers(tid: tid) }

    func readMemory(_ address: UInt64, count: Int) throws -> [UInt8] {
        try debugger.replay.readMemory(address, count: count, tid: tid)
    }

    func topFrame() throws -> FrameScope {
        if let f = frame { return f }
        let f = try debugger.space(for: tid).callStack(debugger.access(tid)).scope(0)
        frame = f
        return f
    }
}

/// Hit conditions: whether the hit count (already incremented) satisfies one. Accepted forms:
/// `N` (the N-th hit and every later one, like gdb's ignore count), `==N`, `>N`, `>=N`, `<N`,
/// `<=N`, `%N` (every N-th hit).
public enum HitCondition {
    public static func holds(_ text: String, hits: Int) throws -> Bool {
        let t = text.filter { !$0.isWhitespace }
        for (op, test) in [("==", { (h: Int, n: Int) in h == n }), (">=", { $0 >= $1 }), ("<=", { $0 <= $1 }),
                           (">", { $0 > $1 }), ("<", { $0 < $1 }), ("%", { $1 > 0 && $0 % $1 == 0 }),
                           ("=", { $0 == $1 }), ("", { $0 >= $1 })] as [(String, (Int, Int) -> Bool)] {
            guard t.hasPrefix(op), let n = Int(t.dropFirst(op.count)) else { continue }
            return test(hits, n)
        }
        throw SessionError("the hit condition '\(text)' is not understood (use N, ==N, >=N, >N, <=N, <N or %N)")
    }
}
