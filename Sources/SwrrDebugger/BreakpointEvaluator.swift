// What is evaluated when a breakpoint is reached: its condition (a BreakpointCondition), its hit
// condition, its log message. Forward, a hit counts and a logpoint prints its message and goes
// on; backwards (reverse-continue), hit counts are not counted and logpoints neither print nor
// stop. A condition that cannot be evaluated stops there, and the user is told why.
import Foundation
import SwrrDebugInfo
import SwrrReplay

struct BreakpointEvaluator {
    let debugger: Debugger

    init(_ debugger: Debugger) {
        self.debugger = debugger
    }

    private var breakpoints: BreakpointSet { debugger.breakpoints }

    /// A software breakpoint at `address` was reached by `tid` going forward: evaluates the
    /// user breakpoints there. nil: none of them stops (or it was a temporary breakpoint of a step).
    func breakpointHit(_ address: UInt64, tid: Int32) throws -> Stop? {
        let bps = inProcess(breakpoints.at(address), tid: tid)
        if bps.isEmpty { return nil }
        let context = HitContext(debugger, tid: tid)
        var ids: [Int] = []
        var kind = BreakpointKind.source
        for bp in bps {
            guard conditionHolds(bp.condition, for: bp.what, in: context) else { continue }
            bp.hits += 1
            guard hitConditionHolds(bp.hitCondition, hits: bp.hits, for: bp.what) else { continue }
            if let m = bp.logMessage {
                debugger.log(.logpoint(interpolate(m, scope: try? context.topFrame())))
                continue
            }
            ids.append(bp.id)
            kind = bp.kind
        }
        if ids.isEmpty { return nil }
        return .breakpoint(tid: tid, ids: ids, kind: kind)
    }

    /// A breakpoint reached backwards: stops if one of the user's there has a true condition
    /// and is not a logpoint.
    func reverseBreakpointHit(_ address: UInt64, tid: Int32) -> Stop? {
        if !debugger.inDebuggedProcess(tid) { return nil }
        let context = HitContext(debugger, tid: tid)
        var ids: [Int] = []
        var kind = BreakpointKind.source
        for bp in inProcess(breakpoints.at(address), tid: tid) where bp.logMessage == nil {
            guard conditionHolds(bp.condition, for: bp.what, in: context) else { continue }
            ids.append(bp.id)
            kind = bp.kind
        }
        if ids.isEmpty { return nil }
        return .breakpoint(tid: tid, ids: ids, kind: kind)
    }

    /// The breakpoints of `bps` that stop in `tid`'s process (BreakpointSet.process).
    private func inProcess(_ bps: [UserBreakpoint], tid: Int32) -> [UserBreakpoint] {
        guard bps.contains(where: { $0.process != nil }) else { return bps }
        let pid = debugger.processOf(tid)
        return bps.filter { bp in bp.process.map { pid == nil || $0 == pid } ?? true }
    }

    /// Whether a condition holds at the hit (no condition: it does). One that cannot be
    /// evaluated stops the replay there, and the user is told why.
    private func conditionHolds(_ condition: BreakpointCondition?, for what: String, in context: ConditionContext) -> Bool {
        guard let c = condition else { return true }
        do {
            return try c.holds(in: context)
        } catch {
            debugger.log(.problem("\(what): the condition '\(c.text)' cannot be evaluated: \(error); stopping there"))
            return true
        }
    }

    /// Whether the hit count satisfies a hit condition (none: it does; a bad one stops).
    private func hitConditionHolds(_ condition: String?, hits: Int, for what: String) -> Bool {
        guard let h = condition, !h.trimmingCharacters(in: .whitespaces).isEmpty else { return true }
        do {
            return try HitCondition.holds(h, hits: hits)
        } catch {
            debugger.log(.problem("\(what): \(error)"))
            return true
        }
    }

    /// A log message with each `{expression}` replaced by its value (`{{` and `}}` are braces).
    func interpolate(_ message: String, scope: FrameScope?) -> String {
        var out = ""
        var i = message.startIndex
        while i < message.endIndex {
            let c = message[i]
            let next = message.index(after: i)
            if (c == "{" || c == "}") && next < message.endIndex && message[next] == c {
                out.append(c)
                i = message.index(after: next)
                continue
            }
            if c == "{", let close = message[next...].firstIndex(of: "}") {
                let expr = String(message[next..<close])
                if let s = scope, let r = try? DebugExpression.evaluate(expr, in: s) {
                    out += r.text
                } else {
                    out += "<cannot evaluate \(expr)>"
                }
                i = message.index(after: close)
                continue
            }
            out.append(c)
            i = next
        }
        return out
    }

    /// A data breakpoint's trap: a stop unless its condition (evaluated where the write is,
    /// after it going forward, before it going backwards) or its hit condition (forward only,
    /// as for line breakpoints) says to go on.
    func dataBreakpointHit(_ address: UInt64, tid: Int32, backward: Bool = false) -> Stop? {
        guard let i = breakpoints.data.firstIndex(where: { $0.address == address }) else {
            return .dataBreakpoint(tid: tid, DataChange(id: nil, address: address, name: "", old: nil, new: nil,
                                                        backward: backward))
        }
        let d = breakpoints.data[i]
        let now = debugger.dataValue(d, tid: tid)
        breakpoints.data[i].lastValue = now
        guard conditionHolds(d.condition, for: d.what, in: HitContext(debugger, tid: tid)) else { return nil }
        if !backward {
            breakpoints.data[i].hits += 1
            guard hitConditionHolds(d.hitCondition, hits: breakpoints.data[i].hits, for: d.what) else { return nil }
        }
        return .dataBreakpoint(tid: tid, DataChange(id: d.id, address: address, name: d.name, old: d.lastValue,
                                                    new: now, backward: backward))
    }
}
