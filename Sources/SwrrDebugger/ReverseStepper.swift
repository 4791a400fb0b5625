// Running backwards (ReplayDebugger's reverse execution, by re-execution): reverseContinue to
// the previous breakpoint hit whose condition holds (logpoints do not print backwards, hit
// counts are not counted backwards) or data breakpoint trap, or to the start of the recording;
// stepBack by instruction, or by line: back one instruction at a time to the first instruction
// of the previous line, a call met backwards (the callee's `ret`) run back to its call
// instruction with a temporary breakpoint; reverseStepOut back to the call of the current
// function.
import SwrrDebugInfo
import SwrrReplay

struct ReverseStepper {
    let debugger: Debugger
    private let stops: StopClassifier

    init(_ debugger: Debugger) {
        self.debugger = debugger
        stops = StopClassifier(debugger)
    }

    func reverseContinue() throws -> Stop {
        // Conditions evaluated inside the scans: false hits cost neither a scan nor a jump.
        let evaluator = stops.evaluator
        try debugger.replay.setReverseHitFilter { evaluator.wantsReverseHit($0, tid: $1) }
        defer { try? debugger.replay.setReverseHitFilter(nil) }
        while true {
            guard let s = try debugger.engine.reverseContinue() else { return debugger.pausedStop() }
            switch s.reason {
            case .breakpoint(let a), .hardwareBreakpoint(let a):
                if let stop = stops.evaluator.reverseBreakpointHit(a, tid: s.tid) { return stop }
            case .signal:
                continue
            default:
                if let stop = try stops.classify(s, ignoring: nil, backward: true) { return stop }
            }
        }
    }

    /// One instruction back; the stop that ends the operation, or nil.
    private func backStep(_ tid: Int32) throws -> Stop? {
        guard let s = try debugger.engine.reverseStepInstruction(tid) else { return debugger.pausedStop() }
        switch s.reason {
        case .step, .breakpoint, .hardwareBreakpoint, .signal: return nil
        default: return try stops.classify(s, ignoring: nil, backward: true)
        }
    }

    func stepBack(_ tid: Int32, _ granularity: RunRequest.Granularity) throws -> Stop {
        if granularity == .instruction {
            return try backStep(tid) ?? .step(tid: tid, note: nil)
        }
        let space = try debugger.space(for: tid)
        var regs = try debugger.replay.registers(tid: tid)
        guard let start = space.module(containing: regs.rip)?.lines.location(of: regs.rip) else {
            return try stepBack(tid, .instruction)
        }
        var left = false
        for _ in 0..<100_000 {
            let after = regs
            if let stop = try backStep(tid) { return stop }
            regs = try debugger.replay.registers(tid: tid)
            if regs.rsp < after.rsp, let call = callSite(returningTo: after.rip, tid: tid) {
                // Back into a callee's `ret`: back to the call instruction in this frame.
                if let stop = try reverseTo(call, tid: tid, sp: after.rsp &- 8) { return stop }
                regs = try debugger.replay.registers(tid: tid)
            }
            guard let lines = space.module(containing: regs.rip)?.lines, let here = lines.location(of: regs.rip) else {
                return .step(tid: tid, note: nil)
            }
            // Line-0 code (compiler-generated) is passed through, as forward steps do.
            guard here.hasSourceLine else { continue }
            if here.line != start.line || here.file != start.file { left = true }
            if left, lines.lineRange(containing: regs.rip)?.lowerBound == regs.rip, !inPrologue(regs.rip, space: space) {
                return .step(tid: tid, note: nil)
            }
        }
        return .step(tid: tid, note: "Stopped after 100000 instructions backwards without reaching another line")
    }

    /// Between a function's entry and the end of its prologue (where stepIn and breakpoints
    /// stop): its line is the function's opening line, and its locals are not set up yet. A
    /// step back from the first line of the body goes on through it to the caller's line, as
    /// gdb's reverse-step does (rustc emits the opening line `fn scale(...) {` as its own row:
    /// the step back stopped there with garbage arguments).
    private func inPrologue(_ pc: UInt64, space: AddressSpace) -> Bool {
        guard let m = space.module(containing: pc), let s = m.symbols.lookup(pc), s.symbol.isFunction else { return false }
        let entry = pc &- s.offset
        return pc < m.lines.breakpointAddress(functionEntry: entry)
    }

    /// Back to the call of the current function (frame 0), in its caller: the last execution
    /// of that call instruction with the stack pointer at frame 0's CFA (the caller's stack
    /// pointer before the call pushed the return address), so a recursive call deeper down is
    /// not taken for it.
    func reverseStepOut(_ tid: Int32) throws -> Stop {
        let exit = try debugger.frameExit(tid, for: "reverseStepOut")
        let (stack, ret, cfa) = (exit.stack, exit.returnAddress, exit.cfa)
        guard let call = callSite(returningTo: ret, tid: tid) else {
            throw SessionError("reverseStepOut: no call instruction returns to 0x\(String(ret, radix: 16))")
        }
        if let stop = try reverseTo(call, tid: tid, sp: cfa) { return stop }
        return .step(tid: tid, note: "Back at the call of \(stack.frames.first?.function ?? "the function")")
    }

    /// The call instruction whose return address is `ret` (a 5-byte `call rel32`, or an
    /// indirect `call` of 2, 3, 6 or 7 bytes).
    private func callSite(returningTo ret: UInt64, tid: Int32) -> UInt64? {
        guard let code = try? debugger.replay.readMemory(ret &- 7, count: 7, tid: tid) else { return nil }
        if code[2] == 0xe8 { return ret &- 5 }
        for n in [2, 3, 6, 7] where code[7 - n] == 0xff && (code[8 - n] >> 3) & 7 == 2 { return ret &- UInt64(n) }
        return nil
    }

    /// Runs backwards to `address` reached by `tid` with its stack pointer `sp`.
    private func reverseTo(_ address: UInt64, tid: Int32, sp: UInt64) throws -> Stop? {
        try debugger.engine.withTemporaryBreakpoint(address, kept: debugger.breakpoints.addresses) {
            while true {
                guard let s = try debugger.engine.reverseContinue() else { return debugger.pausedStop() }
                if case .breakpoint(let a) = s.reason, a == address, s.tid == tid,
                   (try debugger.replay.registers(tid: tid).rsp) >= sp {
                    return nil
                }
                if case .breakpoint(let a) = s.reason, a != address, let stop = stops.evaluator.reverseBreakpointHit(a, tid: s.tid) {
                    return stop
                }
                if case .startOfRecording = s.reason { return .startOfRecording(tid: s.tid) }
                if case .watchpoint = s.reason, let stop = try stops.classify(s, ignoring: nil, backward: true) { return stop }
            }
        }
    }
}
