// Running a DebuggerTarget forward: continue until a breakpoint whose condition, hit condition
// and log message say to stop (logpoints print and go on), a data breakpoint, a signal the
// exception filters select, or the end of the recording; step by line or instruction.
//
// Line steps are single steps checked against the line table: a step stops at the first
// instruction of another line. A call is stepped over (next, or a callee without line
// information) by a temporary breakpoint at its return address, reached with the stack pointer
// back where it was before the call (so recursion does not stop it early); stepIn stops after
// the callee's prologue. Returning into the middle of the caller's line keeps stepping to the
// start of the next line, as gdb does. stepOut runs to the return address of frame 0 (from the
// unwinder) with the stack pointer at that frame's CFA.
import Foundation
import SwrrDebugInfo
import SwrrKernel
import SwrrReplay
import SwrrTracee

extension DebuggerTarget {
    /// Runs one request to its stop (on the run thread).
    func run(_ request: RunRequest) throws -> TargetStop {
        do {
            return try runUnpaused(request)
        } catch is Paused {
            return pausedStop(request)
        }
    }

    private func runUnpaused(_ request: RunRequest) throws -> TargetStop {
        switch request {
        case .continue:
            return try continueForward(from: focusTid)
        case .next(let tid, let g):
            return try step(tid, g, over: true)
        case .stepIn(let tid, let g):
            return try step(tid, g, over: false)
        case .stepOut(let tid, let g):
            return try stepOut(tid, g)
        case .reverseContinue:
            return try reverseContinue()
        case .stepBack(let tid, let g):
            return try stepBack(tid, g)
        case .gotoEvent(let n):
            let s = try engine { try $0.goToEvent(n) }
            if case .end(let outcome) = s.reason { return endStop(outcome) }
            return .stopped(StopInfo(reason: "goto", threadId: Int(s.tid),
                                     description: "At event \(s.event) of the recording"))
        case .gotoLine(let g):
            return try gotoLine(g, from: focusTid)
        case .reverseStepOut(let tid):
            return try reverseStepOut(tid)
        }
    }

    /// One operation of the engine, remembering its stop. A pause (asked for before it, or
    /// interrupting it) ends the whole request: Paused is thrown to `run`.
    func engine(_ operation: (ReplayDebugger) throws -> DebugStop) throws -> DebugStop {
        if pauseRequested { throw Paused() }
        let s = try operation(debugger)
        lastEngineStop = s
        if s.reason == .interrupted { throw Paused() }
        return s
    }

    /// The engine's continue and step.
    func engineContinue() throws -> DebugStop {
        try engine { try $0.continueForward(stopAtTaskEvents: false) }
    }

    func engineStep(_ tid: Int32) throws -> DebugStop {
        try engine { try $0.stepInstruction(tid: tid) }
    }

    func continueForward(from tid: Int32) throws -> TargetStop {
        // A breakpoint under the thread's current pc does not stop it again (unless the thread
        // stopped there at that breakpoint, which the engine carries it over by itself).
        var ignore = try? debugger.registers(tid: tid).rip
        if let last = lastEngineStop, last.tid == tid, case .breakpoint(let a) = last.reason, a == ignore { ignore = nil }
        while true {
            let s = try engineContinue()
            if let stop = try classify(s, ignoring: s.tid == tid ? ignore : nil) { return stop }
            ignore = nil
        }
    }

    /// The stop a replay stop is for the user, or nil to keep going. `backward`: the engine
    /// found it going backwards (a data breakpoint stops before its write).
    func classify(_ s: DebugStop, ignoring ignored: UInt64?, backward: Bool = false) throws -> TargetStop? {
        switch s.reason {
        case .breakpoint, .hardwareBreakpoint, .watchpoint, .signal:
            if !inDebuggedProcess(s.tid) { return nil }   // another process of the recording
        default:
            break
        }
        switch s.reason {
        case .breakpoint(let a), .hardwareBreakpoint(let a):
            if a == ignored { return nil }
            return try breakpointHit(a, tid: s.tid)
        case .watchpoint(let address, _):
            return dataBreakpointHit(address, tid: s.tid, backward: backward)
        case .signal(let sig):
            guard breakpoints.stops(at: sig) else { return nil }
            let name = SignalNames.name(sig)
            return .stopped(StopInfo(reason: "exception", threadId: Int(s.tid),
                                     description: "Thread \(s.tid) received signal \(name) (\(String(cString: strsignal(sig))))",
                                     text: name))
        case .end(let outcome):
            return endStop(outcome)
        case .step:
            return .stopped(StopInfo(reason: "step", threadId: Int(s.tid)))
        case .taskCreated, .taskExited, .exec:
            return nil
        case .startOfRecording:
            return startStop(Int(s.tid))
        case .jumped, .interrupted:
            return .stopped(StopInfo(reason: "step", threadId: Int(s.tid)))
        }
    }

    func endStop(_ outcome: ReplayOutcome) -> TargetStop {
        switch outcome {
        case .completed(let status):
            return .endOfRecording(
                exitCode: Int(WaitStatus.shellStatus(status)),
                description: "The end of the recording was reached: the program \(WaitStatus.describe(status)) " +
                    "(event \((try? debugger.eventNumber()) ?? 0)).")
        case .endedEarly(let event, let reason):
            return .endOfRecording(
                exitCode: nil,
                description: "The end of the recording was reached at event \(event): the recording was " +
                    (reason.map { "stopped (\($0))" } ?? "interrupted") + " before the program ended.")
        }
    }

    // MARK: breakpoints

    /// A software breakpoint at `address` was reached by `tid`: evaluates the user breakpoints
    /// there. nil: none of them stops (or it was a temporary breakpoint of a step).
    func breakpointHit(_ address: UInt64, tid: Int32) throws -> TargetStop? {
        let bps = breakpoints.at(address)
        if bps.isEmpty { return nil }
        var scope: FrameScope?
        func frameScope() throws -> FrameScope {
            if let s = scope { return s }
            let s = try space(for: tid).callStack(access(tid)).scope(0)
            scope = s
            return s
        }
        var ids: [Int] = []
        var reason = "breakpoint"
        for bp in bps {
            let what = "breakpoint \(bp.id) (\(bp.spec))"
            guard conditionHolds(bp.condition, for: what, in: frameScope) else { continue }
            bp.hits += 1
            guard hitConditionHolds(bp.hitCondition, hits: bp.hits, for: what) else { continue }
            if let m = bp.logMessage {
                log(interpolate(m, scope: try? frameScope()))
                continue
            }
            ids.append(bp.id)
            reason = bp.stopReason
        }
        if ids.isEmpty { return nil }
        return .stopped(StopInfo(reason: reason, threadId: Int(tid), hitBreakpointIds: ids))
    }

    /// Whether a breakpoint's condition holds in the scope (no condition: it does). One that
    /// cannot be evaluated stops the replay there, and the debug console says why.
    func conditionHolds(_ condition: String?, for what: String, in scope: () throws -> FrameScope) -> Bool {
        guard let c = condition, !c.trimmingCharacters(in: .whitespaces).isEmpty else { return true }
        do {
            return try Self.truthy(DebugExpression.evaluate(c, in: scope()))
        } catch {
            log("swrr-dap: \(what): the condition '\(c)' cannot be evaluated: \(error); stopping there")
            return true
        }
    }

    /// Whether the hit count satisfies a hit condition (none: it does; a bad one stops).
    func hitConditionHolds(_ condition: String?, hits: Int, for what: String) -> Bool {
        guard let h = condition, !h.trimmingCharacters(in: .whitespaces).isEmpty else { return true }
        do {
            return try UserBreakpoint.hitConditionHolds(h, hits: hits)
        } catch {
            log("swrr-dap: \(what): \(error)")
            return true
        }
    }

    static func truthy(_ r: EvaluationResult) -> Bool {
        switch r.value {
        case .integer(let v, _): return v != 0
        case .floating(let d): return d != 0
        case .pointer(let p, _, _): return p != 0
        case .object(let v): return v.type.isFloat ? v.double != 0 : v.raw != 0
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
    func dataBreakpointHit(_ address: UInt64, tid: Int32, backward: Bool = false) -> TargetStop? {
        guard let i = breakpoints.data.firstIndex(where: { $0.address == address }) else {
            return .stopped(StopInfo(reason: "data breakpoint", threadId: Int(tid),
                                     description: "Watchpoint at 0x\(String(address, radix: 16))"))
        }
        let d = breakpoints.data[i]
        let now = dataValue(d, tid: tid)
        breakpoints.data[i].lastValue = now
        let what = "data breakpoint \(d.id) (\(d.name))"
        guard conditionHolds(d.condition, for: what, in: { try self.space(for: tid).callStack(self.access(tid)).scope(0) }) else {
            return nil
        }
        if !backward {
            breakpoints.data[i].hits += 1
            guard hitConditionHolds(d.hitCondition, hits: breakpoints.data[i].hits, for: what) else { return nil }
        }
        var description = "\(d.name) changed"
        if backward { description = "\(d.name) is \(now ?? "?") here, just before the write that changes it (found going backwards)" }
        else if let old = d.lastValue, let new = now { description = "\(d.name) changed from \(old) to \(new)" }
        else if let new = now { description = "\(d.name) is now \(new)" }
        return .stopped(StopInfo(reason: "data breakpoint", threadId: Int(tid), description: description,
                                 text: now.map { "\(d.name) = \($0)" }, hitBreakpointIds: [d.id]))
    }

    /// The watched value now, as its type prints.
    func dataValue(_ d: DataBreakpoint, tid: Int32) -> String? {
        if let t = d.typeName, let scope = try? space(for: tid).callStack(access(tid)).scope(0),
           let r = try? DebugExpression.evaluate("*(\(t) *)0x\(String(d.address, radix: 16))", in: scope) {
            return r.text
        }
        guard let bytes = try? debugger.readMemory(d.address, count: d.length, tid: tid) else { return nil }
        return "0x" + bytes.reversed().map { String(format: "%02x", $0) }.joined()
    }

    // MARK: steps

    func stepStop(_ tid: Int32, _ description: String? = nil) -> TargetStop {
        .stopped(StopInfo(reason: "step", threadId: Int(tid), description: description))
    }

    /// One instruction of `tid`; a stop other than the step is reported if it is the user's.
    /// Returns the stop that ends the operation, or nil when the step completed.
    private func singleStep(_ tid: Int32, first: Bool, before: Registers) throws -> TargetStop? {
        while true {
            let s = try engineStep(tid)
            switch s.reason {
            case .step:
                return nil
            case .breakpoint(let a) where a == before.rip && s.tid == tid:
                // The step met a breakpoint under the pc: counted unless the step starts there.
                if !first, let stop = try breakpointHit(a, tid: tid) { return stop }
                continue   // the next step carries over it
            default:
                if let stop = try classify(s, ignoring: nil) { return stop }
                // Not the user's: another thread's temporary stop, so the step is still to do.
                if s.tid != tid { continue }
                return nil
            }
        }
    }

    func step(_ tid: Int32, _ granularity: RunRequest.Granularity, over: Bool) throws -> TargetStop {
        let space = try self.space(for: tid)
        var regs = try debugger.registers(tid: tid)
        if granularity == .instruction {
            let before = regs
            if let stop = try singleStep(tid, first: true, before: before) { return stop }
            if over, let ret = try callReturn(before, try debugger.registers(tid: tid), tid: tid) {
                if let stop = try runToReturn(ret, sp: before.rsp, tid: tid) { return stop }
            }
            return stepStop(tid)
        }
        guard let start = space.module(containing: regs.rip)?.lines.location(of: regs.rip) else {
            // No line information here: finish the function, or step one instruction.
            if let stop = try? stepOut(tid, granularity) { return stop }
            return try step(tid, .instruction, over: over)
        }
        var steps = 0
        while true {
            let before = regs
            if let stop = try singleStep(tid, first: steps == 0, before: before) { return stop }
            steps += 1
            regs = try debugger.registers(tid: tid)
            if let ret = try callReturn(before, regs, tid: tid) {
                let lines = space.module(containing: regs.rip)?.lines
                if over || lines?.location(of: regs.rip) == nil {
                    if let stop = try runToReturn(ret, sp: before.rsp, tid: tid) { return stop }
                    regs = try debugger.registers(tid: tid)
                } else {
                    // Into the callee, past its prologue.
                    let body = lines!.breakpointAddress(functionEntry: regs.rip)
                    if body != regs.rip, let stop = try runTo(body, tid: tid) { return stop }
                    return stepStop(tid)
                }
            }
            guard let lines = (space.module(containing: regs.rip) ?? (try? self.space(for: tid))?.module(containing: regs.rip))?.lines,
                  let here = lines.location(of: regs.rip) else {
                // Returned into code without line information (main returning into libc):
                // nothing more to step through in source terms.
                return try continueForward(from: tid)
            }
            if (here.line != start.line || here.file != start.file),
               lines.lineRange(containing: regs.rip)?.lowerBound == regs.rip {
                return stepStop(tid)
            }
            if steps >= 200_000 {
                return stepStop(tid, "Stopped after 200000 instructions without reaching another line")
            }
        }
    }

    func stepOut(_ tid: Int32, _ granularity: RunRequest.Granularity) throws -> TargetStop {
        let stack = try space(for: tid).callStack(access(tid))
        guard stack.physical.count >= 2, let cfa = stack.physical[0].cfa else {
            throw RequestError("stepOut: the caller of this frame is not known")
        }
        let ret = stack.physical[1].pc
        if let stop = try runToReturn(ret, sp: cfa, tid: tid) { return stop }
        return stepStop(tid)
    }

    /// The return address when the instruction at `before.rip` was a call that `after` entered.
    func callReturn(_ before: Registers, _ after: Registers, tid: Int32) throws -> UInt64? {
        guard after.rsp == before.rsp &- 8 else { return nil }
        guard let code = try? debugger.readMemory(before.rip, count: 16, tid: tid),
              let stack = try? debugger.readMemory(after.rsp, count: 8, tid: tid) else { return nil }
        let ret = stack.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        guard ret > before.rip, ret <= before.rip + 15, after.rip < before.rip || after.rip >= ret else { return nil }
        var i = 0
        while i < 4, [0x66, 0x67, 0xf2, 0x2e, 0x3e].contains(code[i]) || (code[i] & 0xf0) == 0x40 { i += 1 }
        if code[i] == 0xe8 { return ret }
        if code[i] == 0xff, i + 1 < code.count, [2, 3].contains((code[i + 1] >> 3) & 7) { return ret }
        return nil
    }

    /// Runs until `tid` reaches `ret` with its stack pointer at or above `sp`. A stop of the
    /// user's on the way (a breakpoint in the callee, a signal, the end) ends the operation.
    func runToReturn(_ ret: UInt64, sp: UInt64, tid: Int32) throws -> TargetStop? {
        try runTo(ret, tid: tid) { [debugger] in (try debugger.registers(tid: tid).rsp) >= sp }
    }

    func runTo(_ address: UInt64, tid: Int32, when arrived: () throws -> Bool = { true }) throws -> TargetStop? {
        let temporary = !breakpoints.addresses.contains(address)
        if temporary { try debugger.setBreakpoint(address) }
        defer { if temporary { try? debugger.removeBreakpoint(address) } }
        while true {
            let s = try engineContinue()
            if case .breakpoint(let a) = s.reason, a == address, s.tid == tid, try arrived() {
                return nil
            }
            if let stop = try classify(s, ignoring: nil) { return stop }
        }
    }
}
