// Time-slice preemption while recording (issue 16, docs/POSITIONS.md). A task that runs user code
// for a slice (Scheduler.sliceMs) without a syscall while another task is runnable is stopped by
// PTRACE_INTERRUPT wherever it is; its position is taken as a state signature
// (ProgressWordFinder: a pass analysis from there, so the stub can find the same pass on replay),
// written as a PreemptEvent, and the slot goes to the next task. A signal held back for a task
// that computes is delivered at such a position too, within a slice.
//
// The position needs no loop: where no instruction the stub can patch is reached, or the pc is
// not in a loop short enough to come back within the pass timeout, the signature is the state
// where the task stands (registers, FP state, memory digest, no words) and replay searches it
// with a hardware breakpoint. Code in a writable mapping (a JIT's) cannot carry the stub on
// replay (the program may rewrite it under the jump: PointSearch searches it by breakpoint, one
// ptrace stop per arrival, ≈45 µs); a JIT's loop passes its instruction millions of times per
// slice (jit_loop: 5,000,000 passes of its `add` per 5-10 ms round), which would take minutes to
// replay. So a task interrupted in writable code first runs to the return address on its stack
// when that is fixed code (a leaf JIT function returning to its compiled caller), with a hardware
// breakpoint for at most `writableCodeReturnMs`; a position that still lands in writable code is
// given up, the task resumed and interrupted again about 1 ms later, up to
// `writableCodeRetries` times in a row; then it is taken there anyway (exact, slow to replay).
// The pass analysis asks where the position would be before it copies memory (`refusal`): a
// node position refused after the copies had cost 200-570 ms at load 8 (two 50 MB snapshots).
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

extension SignalRecorder {
    /// SWRR_PREEMPT_REPORT=1: the recorder says on stderr what each position cost (tests,
    /// benchmarks, docs/POSITIONS.md's measurements).
    static let reportPositions = getenv("SWRR_PREEMPT_REPORT").map { String(cString: $0) == "1" } ?? false
    /// Positions given up in a row in writable code before one is taken there.
    static let writableCodeRetries = 50
    static let writableCodeRetryMs: UInt64 = 1
    /// How long a task stopped in writable code may run to its return address.
    static let writableCodeReturnMs: Int32 = 20

    private func report(_ line: String) {
        guard Self.reportPositions else { return }
        _ = (line + "\n").withCString { write(2, $0, strlen($0)) }
    }

    /// Whether `address` is in a writable mapping of `t`'s process.
    private func inWritableCode(_ t: RecordTask, _ address: UInt64) throws -> Bool {
        try t.task.mappings().contains { $0.start <= address && address < $0.end && $0.permissions.dropFirst().first == "w" }
    }

    /// Clears the debug registers of `t`, stopped after a pass analysis or a run to a return
    /// address. Those clear their breakpoint themselves, but after a timeout they do it while the
    /// task still runs, and ptrace refuses to write the debug registers of a running task
    /// (ESRCH): the breakpoint stayed armed, and the program later died of it. Measured: cc1
    /// killed by SIGTRAP (si_code 4, TRAP_HWBKPT) at the instruction of a position taken after
    /// three timed-out passes, in 4 of 6 recordings of `make -j2` with --chaos (load average
    /// 4-6). (The fix belongs in ProgressWordFinder, SwrrTracee; this stops it here meanwhile.)
    private func disarmBreakpoint(_ t: RecordTask) {
        HardwareBreakpoint(task: t.task).clear()
    }

    /// Whether the instruction at `address` is a string instruction with a rep prefix (rep
    /// movs/stos/lods, repe/repne cmps/scas). Interrupted, such an instruction stops between two
    /// of its iterations with rip still on it and rcx partly counted down; a hardware breakpoint
    /// fires only before its first iteration, so replay could not reach that state. Measured:
    /// `make -j2` recorded with --chaos stopped cc1 inside glibc's memset (`rep stos`, 8 MiB),
    /// a position with no progress words, and its replay diverged at that event (3 of 6 replays
    /// of benchmarks/record-overhead's make row).
    private func atRepeatedStringInstruction(_ t: RecordTask, _ address: UInt64) throws -> Bool {
        guard let bytes = try? t.task.readMemory(address, count: X86Instruction.maximumLength),
              let ins = X86Instruction(decoding: bytes) else { return false }
        // String instructions have no ModRM nor immediate: the opcode is the last byte, the
        // prefixes (F2/F3 among them) come before it.
        return ins.map == .primary && Self.stringOpcodes.contains(ins.opcode)
            && bytes.prefix(ins.length - 1).contains { $0 == 0xF2 || $0 == 0xF3 }
    }

    /// Whether `address` is in the syscall buffering's code: the preload library or swrr's stub
    /// page. That code runs differently in recording and replay by design (replay copies each
    /// result from the buffer instead of calling the kernel, the stub page has `xor eax,eax`
    /// where the recording's has `syscall`, and the library's scratch registers and dead stack
    /// are made equal only when its trampoline returns to the program), and a flush at the
    /// position empties the buffer under a call in progress: no state there is reached again.
    /// Measured: `make -j2` recorded with --chaos took a position in the library's dead-stack
    /// wipe after a stretch of buffered readlinks; its replay stopped with swrr_buffer_mismatch
    /// there (1 of 2 diverging replays).
    private func inBufferingCode(_ t: RecordTask, _ address: UInt64) throws -> Bool {
        let stub = SyscallBufferLayout.stubPage
        if stub <= address && address < stub + 4096 { return true }
        guard let library = buffers.libraryPath else { return false }
        return try t.task.mappings().contains { $0.start <= address && address < $0.end && $0.name == library }
    }

    /// movs (A4, A5), cmps (A6, A7), stos (AA, AB), lods (AC, AD), scas (AE, AF): the
    /// instructions a rep prefix repeats (Intel SDM vol. 2B, "REP/REPE/REPZ/REPNE/REPNZ"); ins and
    /// outs (6C-6F) fault in user mode.
    static let stringOpcodes: Set<UInt8> = [0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF]

    /// The state signature where `t` (stopped by our interrupt in user code) stands after a pass
    /// analysis: the task is left stopped there. nil when another stop came first (a signal, a
    /// syscall the pass reached, the task's end): that stop has been handled as the main loop
    /// handles it, and the task is no longer stopped here; or when the position was in writable
    /// code and given up: the task runs on, to be interrupted again soon.
    func takePosition(_ t: RecordTask, why: String) throws -> StateSignature? {
        let started = monotonicMs()
        var signature: StateSignature
        var detail: String
        var left = ""
        let stoppedWith = try? t.task.registers()
        let interruptedAt = stoppedWith?.rip
        if let r = stoppedWith, r.awaitsSyscallRestart {
            // Interrupted at the exit of a call that a signal cut short (a futex wait after the
            // recorded SIGCHLD): resumed, the kernel first puts rip back on the `syscall`, so the
            // analysis's first single step would run the call with the trap flag set, and r11
            // would keep it. Measured: spawn2 (posix_spawn from two threads) --chaos, `registers
            // differ at the entry of futex: r11 0x246 (recorded 0x346)`, 1 of 10. The restarted
            // call is the task's next event anyway.
            return try giveUp(t, at: r.rip, "at a syscall about to restart")
        }
        if let rip = interruptedAt, try inBufferingCode(t, rip) {
            // Never a position there (inBufferingCode), and the task leaves it within a call.
            return try giveUp(t, at: rip, "in the syscall buffering code")
        }
        // Every trap of the analysis (single steps, hardware breakpoints) is a forced SIGTRAP,
        // and the kernel unblocks a forced signal the thread blocks (force_sig_info_to_task):
        // the program would find SIGTRAP unblocked where it ran natively with it blocked. Its
        // mask is put back after the analysis. Measured: a thread that blocks every signal and
        // computes 300 ms beside another read SIGTRAP unblocked after its preemptions; a
        // posix_spawn child (glibc blocks all signals around the clone and resets the handler
        // of each signal still blocked in the child) then skipped rt_sigaction(SIGTRAP) in the
        // recording but not in replay: "registers differ at syscall rt_sigaction: r14 0x5
        // (recorded 0x6)" whenever the analysis was cut short by a syscall (no position, so
        // no trap on replay).
        let mask = try? t.task.signalMask()
        func restoreMask() {
            if let mask { _ = try? t.task.setSignalMask(mask) }
        }
        if let rip = interruptedAt, try inWritableCode(t, rip) {
            // Out of the page first, when it returns to fixed code within the time (jit_loop's
            // rounds take 5-10 ms): its caller's loop is where the position can carry the stub.
            let maps = try t.task.mappings()
            let fixed = { (a: UInt64) in
                maps.contains { $0.start <= a && a < $0.end && $0.permissions.hasPrefix("r-x") }
            }
            let departure = try ProgressWordFinder.runToReturnAddress(t.task, mode: buffers.userMode(t),
                                                                      timeoutMs: Self.writableCodeReturnMs, isFixedCode: fixed)
            disarmBreakpoint(t)
            restoreMask()
            switch departure {
            case .returned: left = ", after returning from writable code"
            case .stayed: break
            case .interrupted(let stop):
                try loop.handle(stop, of: t)
                return nil
            }
        }
        // The pass runs as the task's user code does: under PTRACE_SYSCALL when every syscall
        // must stop (SWRR_SYSCALLBUF=0), so one the pass reaches is recorded, not run blindly.
        // Back from writable code, the caller's next arrival at its instruction is the JIT's next
        // call's return: the pass may last as long as a call.
        // A pc where no position may be taken is refused before the analysis copies memory.
        let passMs = left.isEmpty ? ProgressWordFinder.passTimeoutMs : Self.writableCodeReturnMs
        let outcome = try ProgressWordFinder.analyze(t.task, excluding: buffers.positionExclusions,
                                                     otherStacks: otherStacks(of: t), passTimeoutMs: passMs,
                                                     mode: buffers.userMode(t)) { try refusal(t, at: $0) }
        disarmBreakpoint(t)
        restoreMask()
        switch outcome {
        case .position(let a):
            signature = a.signature
            detail = "\(a.signature.words.count) word(s), \(a.attempts) attempt(s), \(a.snapshotBytes / 1024) KiB"
                + (a.isFixedPoint ? ", a fixed point" : "")
        case .noLoop(let s):
            signature = s
            detail = "no loop: registers and digest only"
        case .interrupted(let stop):
            try loop.handle(stop, of: t)
            return nil
        case .refused(let pc, let reason):
            return try giveUp(t, at: pc, reason + left, note: " before the analysis copied memory (\(monotonicMs() &- started) ms)")
        }
        if try recordFinishedCalls(beside: t) {
            // The digest is of memory as replay has it at the position, with those calls' outputs
            // written at their events (now before this one); taken again until no call finished
            // meanwhile, each loop finding one at least (the task stands where it was).
            repeat {
                signature.memory = try MemoryDigest.of(t.task, excluding: buffers.positionExclusions,
                                                       deadBelow: signature.registers.rsp, otherStacks: otherStacks(of: t))
            } while try recordFinishedCalls(beside: t)
            detail += ", digest taken again after a blocked call finished"
        }
        let at = "swrr: position of task \(t.tid) (\(why)) at 0x\(String(signature.registers.rip, radix: 16))"
        let rip = signature.registers.rip
        if let place = try poorPlace(t, at: rip) {
            // Taken there after `writableCodeRetries` refusals (refusal).
            detail += ", \(place) after \(t.writableCodeRetries) retries (replay: breakpoint only)"
        }
        t.writableCodeRetries = 0
        let held = t.held.isEmpty ? "" : ", signal held \(monotonicMs() &- t.heldSince) ms"
        report(at + ": " + detail + left + ", \(monotonicMs() &- started) ms" + held)
        return signature
    }

    /// Why no position of `t` may be taken at `rip` now (nil: it may): never in the syscall
    /// buffering code (no replay reaches a state there, inBufferingCode); in writable code or
    /// inside a rep string instruction only after `writableCodeRetries` refusals in a row.
    private func refusal(_ t: RecordTask, at rip: UInt64) throws -> String? {
        if try inBufferingCode(t, rip) { return "in the syscall buffering code" }
        guard t.writableCodeRetries < Self.writableCodeRetries else { return nil }
        return try poorPlace(t, at: rip)
    }

    /// Where replay would reach a position at `rip` slowly or not at all: writable code (searched
    /// by hardware breakpoint only, one stop per arrival), a rep string instruction (interrupted
    /// between two iterations; the breakpoint fires only before the first). nil elsewhere.
    private func poorPlace(_ t: RecordTask, at rip: UInt64) throws -> String? {
        if try inWritableCode(t, rip) { return "in writable code" }
        if try atRepeatedStringInstruction(t, rip) { return "in a rep string instruction" }
        return nil
    }

    /// Records the end of every blocked syscall of another thread of `t`'s process whose stop is
    /// already waiting (the kernel wrote its outputs and left the call), as the main loop would
    /// have, before `t`'s position: whether any was. Such a call may have written into memory the
    /// position's digest covers while `t` ran or was analysed, and its event, recorded after the
    /// position, made replay write those bytes only after reaching it: the digest differed at the
    /// right pass. Measured: blocked_write.c (a timerfd read completing into a global while two
    /// threads spin), the replay diverged or searched for minutes in 5 of 5 recordings; the
    /// Swift async/await tasks test once under load 10 (an epoll_wait of the runtime's event
    /// thread completing into its stack, at the next event). A call ending after the digest was
    /// taken is recorded after the position, as before: replay writes it there too.
    private func recordFinishedCalls(beside t: RecordTask) throws -> Bool {
        var any = false
        for o in scheduler.tasks.values where o !== t && o.task.tgid == t.task.tgid && o.state == .blocked {
            guard let stop = try? o.task.poll() else { continue }
            try loop.handle(stop, of: o)
            any = true
        }
        return any
    }

    /// The stack pointers of the other threads of `t`'s process, whose dead stacks the position's
    /// digest leaves out as `t`'s (MemoryDigest.swift): none of them runs user code while `t`
    /// holds the slot. A thread blocked in a syscall is inside the kernel, not stopped: its rsp
    /// is the one at the call's entry (a syscall does not move it), which replay, parked at that
    /// entry, has too. One the tracer cannot read (not stopped yet after its clone) is left out.
    func otherStacks(of t: RecordTask) -> [UInt64] {
        scheduler.tasks.values.compactMap { o in
            guard o !== t, o.task.tgid == t.task.tgid, o.state != .exiting else { return nil }
            if o.state == .blocked { return o.entry.rsp }
            return (try? o.task.registers())?.rsp
        }
    }

    /// No position where `t` stands (at `rip`, `place`): it runs on, to be interrupted again
    /// about 1 ms later.
    private func giveUp(_ t: RecordTask, at rip: UInt64, _ place: String, note: String = "") throws -> StateSignature? {
        t.writableCodeRetries += 1
        report("swrr: position of task \(t.tid) at 0x\(String(rip, radix: 16)): \(place), given up " +
               "(\(t.writableCodeRetries) in a row)\(note), again in \(Self.writableCodeRetryMs) ms")
        try loop.resumeUser(t)
        scheduler.retrySoon(t, retryMs: Self.writableCodeRetryMs)
        return nil
    }

    /// `t` ran its slice while others are runnable: record its position and give the slot away.
    func preempt(_ t: RecordTask) throws {
        guard let sig = try takePosition(t, why: "end of its slice") else { return }
        try buffers.flushBuffer(t)
        try writer.append(.preempt(PreemptEvent(tid: t.tid, registers: sig.registers, signature: sig)))
        scheduler.yielded(t)
    }
}
