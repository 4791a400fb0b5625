// Running a DebuggerTarget backwards (ReplayDebugger's reverse execution, by re-execution):
// reverseContinue to the previous breakpoint hit whose condition holds (logpoints do not print
// backwards, hit counts are not counted backwards) or data breakpoint trap, or to the start of
// the recording; stepBack by instruction, or by line: back one instruction at a time to the
// first instruction of the previous line, a call met backwards (the callee's `ret`) run back to
// its call instruction with a temporary breakpoint.
import SwrrDebugInfo
import SwrrReplay
import SwrrTracee

extension DebuggerTarget {
    func startStop(_ tid: Int) -> TargetStop {
        .stopped(StopInfo(reason: "start of recording", threadId: tid,
                          description: "The start of the recording was reached (the program's first instruction): " +
                              "nothing ran before it. Run forward from here."))
    }

    func reverseContinue() throws -> TargetStop {
        while true {
            let s = try engine { try $0.reverseContinue() }
            switch s.reason {
            case .breakpoint(let a), .hardwareBreakpoint(let a):
                if let stop = try reverseBreakpointHit(a, tid: s.tid) { return stop }
            case .signal:
                continue
            default:
                if let stop = try classify(s, ignoring: nil, backward: true) { return stop }
            }
        }
    }

    /// A breakpoint reached backwards: stops if one of the user's there has a true condition
    /// and is not a logpoint.
    private func reverseBreakpointHit(_ address: UInt64, tid: Int32) throws -> TargetStop? {
        if !inDebuggedProcess(tid) { return nil }
        var ids: [Int] = []
        var reason = "breakpoint"
        for bp in breakpoints.at(address) where bp.logMessage == nil {
            let scope = { try self.space(for: tid).callStack(self.access(tid)).scope(0) }
            guard conditionHolds(bp.condition, for: "breakpoint \(bp.id) (\(bp.spec))", in: scope) else { continue }
            ids.append(bp.id)
            reason = bp.stopReason
        }
        if ids.isEmpty { return nil }
        return .stopped(StopInfo(reason: reason, threadId: Int(tid), hitBreakpointIds: ids))
    }

    private func backStep(_ tid: Int32) throws -> TargetStop? {
        let s = try engine { try $0.reverseStepInstruction(tid: tid) }
        switch s.reason {
        case .step, .breakpoint, .hardwareBreakpoint, .signal: return nil
        default: return try classify(s, ignoring: nil, backward: true)
        }
    }

    func stepBack(_ tid: Int32, _ granularity: RunRequest.Granularity) throws -> TargetStop {
        if granularity == .instruction {
            if let stop = try backStep(tid) { return stop }
            return stepStop(tid)
        }
        let space = try self.space(for: tid)
        var regs = try debugger.registers(tid: tid)
        guard let start = space.module(containing: regs.rip)?.lines.location(of: regs.rip) else {
            return try stepBack(tid, .instruction)
        }
        var left = false
        for _ in 0..<100_000 {
            let after = regs
            if let stop = try backStep(tid) { return stop }
            regs = try debugger.registers(tid: tid)
            if regs.rsp < after.rsp, let call = try callSite(returningTo: after.rip, tid: tid) {
                // Back into a callee's `ret`: back to the call instruction in this frame.
                if let stop = try reverseTo(call, tid: tid, sp: after.rsp &- 8) { return stop }
                regs = try debugger.registers(tid: tid)
            }
            guard let lines = space.module(containing: regs.rip)?.lines, let here = lines.location(of: regs.rip) else {
                return stepStop(tid)
            }
            if here.line != start.line || here.file != start.file { left = true }
            if left, lines.lineRange(containing: regs.rip)?.lowerBound == regs.rip { return stepStop(tid) }
        }
        return stepStop(tid, "Stopped after 100000 instructions backwards without reaching another line")
    }

    /// Back to the call of the current function (frame 0), in its caller: the last execution
    /// of that call instruction with the stack pointer at frame 0's CFA (the caller's stack
    /// pointer before the call pushed the return address), so a recursive call deeper down is
    /// not taken for it.
    func reverseStepOut(_ tid: Int32) throws -> TargetStop {
        let stack = try space(for: tid).callStack(access(tid))
        guard stack.physical.count >= 2, let cfa = stack.physical[0].cfa else {
            throw RequestError("reverseStepOut: the caller of this frame is not known")
        }
        let ret = stack.physical[1].pc
        guard let call = try callSite(returningTo: ret, tid: tid) else {
            throw RequestError("reverseStepOut: no call instruction returns to \(hex(ret))")
        }
        if let stop = try reverseTo(call, tid: tid, sp: cfa) { return stop }
        return stepStop(tid, "Back at the call of \(stack.frames.first?.function ?? "the function")")
    }

    /// The call instruction whose return address is `ret` (a 5-byte `call rel32`, or an
    /// indirect `call` of 2, 3, 6 or 7 bytes).
    func callSite(returningTo ret: UInt64, tid: Int32) throws -> UInt64? {
        guard let code = try? debugger.readMemory(ret &- 7, count: 7, tid: tid) else { return nil }
        if code[2] == 0xe8 { return ret &- 5 }
        for n in [2, 3, 6, 7] where code[7 - n] == 0xff && (code[8 - n] >> 3) & 7 == 2 { return ret &- UInt64(n) }
        return nil
    }

    /// Runs backwards to `address` reached by `tid` with its stack pointer `sp`.
    private func reverseTo(_ address: UInt64, tid: Int32, sp: UInt64) throws -> TargetStop? {
        let temporary = !breakpoints.addresses.contains(address)
        if temporary { try debugger.setBreakpoint(address) }
        defer { if temporary { try? debugger.removeBreakpoint(address) } }
        while true {
            let s = try engine { try $0.reverseContinue() }
            if case .breakpoint(let a) = s.reason, a == address, s.tid == tid,
               (try debugger.registers(tid: tid).rsp) >= sp {
                return nil
            }
            if case .breakpoint(let a) = s.reason, a != address, let stop = try reverseBreakpointHit(a, tid: s.tid) {
                return stop
            }
            if case .startOfRecording = s.reason { return startStop(Int(s.tid)) }
            if case .watchpoint = s.reason, let stop = try classify(s, ignoring: nil, backward: true) { return stop }
        }
    }
}
