// Running forward: continue until a breakpoint whose condition, hit condition and log message
// say to stop (logpoints print and go on), a data breakpoint, a signal the signal policy
// selects, or the end of the recording; step by line or instruction.
//
// Line steps are single steps checked against the line table: a step stops at the first
// instruction of another line. A call is stepped over (next, or a callee without line
// information) by a temporary breakpoint at its return address, reached with the stack pointer
// back where it was before the call (so recursion does not stop it early); stepIn stops after
// the callee's prologue. Returning into the middle of the caller's line keeps stepping to the
// start of the next line, as gdb does; so does landing in line-0 code (compiler-generated, no
// source line). stepOut runs to the return address of frame 0 (from the
// unwinder) with the stack pointer at that frame's CFA.
import SwrrDebugInfo
import SwrrReplay
import SwrrTracee

struct LineStepper {
    let debugger: Debugger
    private let stops: StopClassifier

    init(_ debugger: Debugger) {
        self.debugger = debugger
        stops = StopClassifier(debugger)
    }

    func continueForward(from tid: Int32) throws -> Stop {
        // A breakpoint under the thread's current pc does not stop it again (unless the thread
        // stopped there at that breakpoint, which the engine carries it over by itself).
        var ignore = try? debugger.replay.registers(tid: tid).rip
        if debugger.engine.stoppedAtBreakpoint(ignore, tid: tid) { ignore = nil }
        while true {
            guard let s = try debugger.engine.continueForward() else { return debugger.pausedStop() }
            if let stop = try stops.classify(s, ignoring: s.tid == tid ? ignore : nil) { return stop }
            ignore = nil
        }
    }

    /// One instruction of `tid`; a stop other than the step is reported if it is the user's.
    /// Returns the stop that ends the operation, or nil when the step completed.
    private func singleStep(_ tid: Int32, first: Bool, before: Registers) throws -> Stop? {
        while true {
            guard let s = try debugger.engine.stepInstruction(tid) else { return debugger.pausedStop() }
            switch s.reason {
            case .step:
                return nil
            case .breakpoint(let a) where a == before.rip && s.tid == tid:
                // The step met a breakpoint under the pc: counted unless the step starts there.
                if !first, let stop = try stops.evaluator.breakpointHit(a, tid: tid) { return stop }
                continue   // the next step carries over it
            default:
                if let stop = try stops.classify(s, ignoring: nil) { return stop }
                // Not the user's: another thread's temporary stop, so the step is still to do.
                if s.tid != tid { continue }
                return nil
            }
        }
    }

    func step(_ tid: Int32, _ granularity: RunRequest.Granularity, over: Bool) throws -> Stop {
        let space = try debugger.space(for: tid)
        var regs = try debugger.replay.registers(tid: tid)
        if granularity == .instruction {
            let before = regs
            if let stop = try singleStep(tid, first: true, before: before) { return stop }
            if over, let ret = callReturn(before, try debugger.replay.registers(tid: tid), tid: tid) {
                if let stop = try runToReturn(ret, sp: before.rsp, tid: tid) { return stop }
            }
            return .step(tid: tid, note: nil)
        }
        guard let start = space.module(containing: regs.rip)?.lines.location(of: regs.rip) else {
            // No line information here: finish the function, or step one instruction.
            if let stop = try? stepOut(tid) { return stop }
            return try step(tid, .instruction, over: over)
        }
        var steps = 0
        while true {
            let before = regs
            if let stop = try singleStep(tid, first: steps == 0, before: before) { return stop }
            steps += 1
            regs = try debugger.replay.registers(tid: tid)
            if let ret = callReturn(before, regs, tid: tid) {
                let lines = space.module(containing: regs.rip)?.lines
                if over || lines?.location(of: regs.rip) == nil {
                    if let stop = try runToReturn(ret, sp: before.rsp, tid: tid) { return stop }
                    regs = try debugger.replay.registers(tid: tid)
                } else {
                    // Into the callee, past its prologue.
                    let body = lines!.breakpointAddress(functionEntry: regs.rip)
                    if body != regs.rip, let stop = try runTo(body, tid: tid) { return stop }
                    return try onSourceLine(tid)
                }
            }
            guard let lines = (space.module(containing: regs.rip) ?? (try? debugger.space(for: tid))?.module(containing: regs.rip))?.lines,
                  let here = lines.location(of: regs.rip) else {
                // Returned into code without line information (main returning into libc):
                // nothing more to step through in source terms.
                return try continueForward(from: tid)
            }
            if here.hasSourceLine, here.line != start.line || here.file != start.file,
               lines.lineRange(containing: regs.rip)?.lowerBound == regs.rip {
                return .step(tid: tid, note: nil)
            }
            if steps >= 200_000 {
                return .step(tid: tid, note: "Stopped after 200000 instructions without reaching another line")
            }
        }
    }

    /// Into the call `target` names: run to its call instruction in the same activation (the
    /// frame's CFA), step the call, then past the callee's prologue as stepIn does. A callee
    /// without line information (a library function) is stepped over: the stop is back in the
    /// caller after the call.
    func stepIn(to target: StepInTarget) throws -> Stop {
        let tid = target.tid
        if try debugger.replay.registers(tid: tid).rip != target.call {
            let stop = try runTo(target.call, tid: tid) { [debugger] in
                guard let cfa = target.cfa else { return true }
                return try debugger.currentStack(tid).physical.first?.cfa == cfa
            }
            if let stop { return stop }
        }
        let before = try debugger.replay.registers(tid: tid)
        if let stop = try singleStep(tid, first: true, before: before) { return stop }
        let regs = try debugger.replay.registers(tid: tid)
        guard let ret = callReturn(before, regs, tid: tid) else { return .step(tid: tid, note: nil) }
        guard let lines = try debugger.space(for: tid).module(containing: regs.rip)?.lines,
              lines.location(of: regs.rip) != nil else {
            if let stop = try runToReturn(ret, sp: before.rsp, tid: tid) { return stop }
            return .step(tid: tid, note: nil)
        }
        let body = lines.breakpointAddress(functionEntry: regs.rip)
        if body != regs.rip, let stop = try runTo(body, tid: tid) { return stop }
        return try onSourceLine(tid)
    }

    /// The end of a step into a callee: here if it has a source line, else on to the first
    /// statement that has one (Swift's memberwise `Point.init` starts with line-0 code).
    private func onSourceLine(_ tid: Int32) throws -> Stop {
        let pc = try debugger.replay.registers(tid: tid).rip
        guard let here = try debugger.space(for: tid).module(containing: pc)?.lines.location(of: pc), !here.hasSourceLine
        else { return .step(tid: tid, note: nil) }
        return try step(tid, .line, over: false)
    }

    func stepOut(_ tid: Int32) throws -> Stop {
        let exit = try debugger.frameExit(tid, for: "stepOut")
        if let stop = try runToReturn(exit.returnAddress, sp: exit.cfa, tid: tid) { return stop }
        return .step(tid: tid, note: nil)
    }

    /// The return address when the instruction at `before.rip` was a call that `after` entered.
    private func callReturn(_ before: Registers, _ after: Registers, tid: Int32) -> UInt64? {
        guard after.rsp == before.rsp &- 8 else { return nil }
        guard let code = try? debugger.replay.readMemory(before.rip, count: 16, tid: tid),
              let stack = try? debugger.replay.readMemory(after.rsp, count: 8, tid: tid) else { return nil }
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
    private func runToReturn(_ ret: UInt64, sp: UInt64, tid: Int32) throws -> Stop? {
        try runTo(ret, tid: tid) { [debugger] in (try debugger.replay.registers(tid: tid).rsp) >= sp }
    }

    private func runTo(_ address: UInt64, tid: Int32, when arrived: () throws -> Bool = { true }) throws -> Stop? {
        try debugger.engine.withTemporaryBreakpoint(address, kept: debugger.breakpoints.addresses) {
            while true {
                guard let s = try debugger.engine.continueForward() else { return debugger.pausedStop() }
                if case .breakpoint(let a) = s.reason, a == address, s.tid == tid, try arrived() {
                    return nil
                }
                if let stop = try stops.classify(s, ignoring: nil) { return stop }
            }
        }
    }
}
