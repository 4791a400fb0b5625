// Data breakpoints: hardware watchpoints (at most four, the x86 debug registers) on a variable's
// bytes, with a condition and a hit condition as line breakpoints have. The set is replaced
// as a whole (every request names all of them).
import Foundation
import SwrrDebugInfo
import SwrrReplay

/// A data breakpoint asked for: `length` bytes at `address`, shown as `name` (of C type
/// `typeName` when known).
public struct DataBreakpointRequest {
    public var address: UInt64
    public var length: Int
    public var kind: WatchKind
    public var name: String
    public var typeName: String?
    public var condition: BreakpointCondition?
    public var hitCondition: String?

    public init(address: UInt64, length: Int, kind: WatchKind, name: String, typeName: String?,
                condition: BreakpointCondition?, hitCondition: String?) {
        self.address = address
        self.length = length
        self.kind = kind
        self.name = name
        self.typeName = typeName
        self.condition = condition
        self.hitCondition = hitCondition
    }
}

extension Debugger {
    /// Takes every data breakpoint out of the replay and the set.
    public func clearDataBreakpoints() {
        for d in breakpoints.data {
            try? replay.removeWatchpoint(address: d.address, length: d.length, kind: d.kind)
        }
        breakpoints.data = []
    }

    /// Adds a data breakpoint with a new id: the id, and the error when the replay cannot
    /// watch it (then it is not in the set).
    public func addDataBreakpoint(_ r: DataBreakpointRequest) -> (id: Int, error: Error?) {
        let id = breakpoints.newID()
        do {
            try replay.setWatchpoint(address: r.address, length: r.length, kind: r.kind)
        } catch {
            return (id, error)
        }
        var d = DataBreakpoint(id: id, address: r.address, length: r.length, kind: r.kind, name: r.name,
                               typeName: r.typeName)
        d.lastValue = dataValue(d, tid: liveThreadOrFocus)
        d.condition = r.condition
        d.hitCondition = r.hitCondition
        breakpoints.data.append(d)
        return (id, nil)
    }

    /// The watched value now, as its type prints (else its bytes in hexadecimal).
    func dataValue(_ d: DataBreakpoint, tid: Int32) -> String? {
        if let t = d.typeName, let scope = try? currentStack(tid).scope(0),
           let r = try? DebugExpression.evaluate("*(\(t) *)0x\(String(d.address, radix: 16))", in: scope) {
            return r.text
        }
        guard let bytes = try? replay.readMemory(d.address, count: d.length, tid: tid) else { return nil }
        return "0x" + bytes.reversed().map { String(format: "%02x", $0) }.joined()
    }

    /// The focus thread if it lives, else the first live thread of the replay, else the focus thread.
    var liveThreadOrFocus: Int32 {
        if isLive(focusThread) { return focusThread }
        return tasks().first { $0.state != .ended }?.tid ?? focusThread
    }
}
