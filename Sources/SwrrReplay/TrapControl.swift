// The debugger's traps in a replay, and how each task is resumed: the hook ReplaySession.resume
// asks (DebugHook.swift). It holds the software breakpoints (Breakpoints.swift), the watchpoints
// and execution breakpoints of the debug registers (Watchpoints.swift), the single step under
// way, and the carry-overs, and classifies every stop of a task; what a trap means (a stop for
// the client, a count for a silent replay) is the engine's business (ReplayDebugEngine.drive).
//
// Carrying over. A breakpoint hit is taken back (rip rewound onto the int3) and carried over on
// the next resume by lifting the int3 for one PTRACE_SYSEMU_SINGLESTEP (`stepOver`); a hardware
// execution breakpoint, by disabling its slot for that step. If that instruction is the syscall
// itself, the step ends in the syscall stop ReplaySession waits for.
import Glibc
import SwrrTracee

final class TrapControl: ReplayDebugHook {
    enum StepState: Equatable {
        case off
        /// The next resume of this task (recorded tid; nil: any task) single-steps.
        case armed(Int32?)
        /// This task (by replay tid) is single-stepping.
        case stepping(Int32)
        /// The step ran into an event (a syscall): it is over once that event is replayed.
        case consumed(Int32)
    }
    /// A stop point to carry a task over on its next resume.
    enum StepOver { case software(UInt64), hardware(slot: Int) }

    let breakpoints = SoftwareBreakpoints()
    let debugRegisters = DebugRegisters()
    /// A pause requested by the client (ReplayInterrupt.swift).
    let interruption = Interruption()
    var stepState: StepState = .off
    /// The carry-overs due, by replay tid.
    var stepOver: [Int32: StepOver] = [:]
    /// A position was just established (a stop, a boundary, a seek segment done): the next
    /// resume notes where the task starts, so an int3 trap right there is known to be the same
    /// arrival, not a new one (ReplayPosition's counting rules).
    var establishedPending = true
    private var resumeRip: (tid: Int32, rip: UInt64)?
    /// A silent replay is under way (ReverseExecution.swift): a pause waits for an event boundary.
    var silent = false
    /// Whether a running task is due for a stretch checkpoint (StretchCheckpoints.swift), asked
    /// by `waitForStop`; the tasks (replay tids) with such an interrupt under way.
    var stretchDue: ((ReplayTask) -> Bool)?
    var stretchInterrupts: Set<Int32> = []
    /// Which functions each stretch ran (StretchCoverage.swift); `coverageTrap` takes a coverage
    /// int3's trap back and notes an int3's trap at an entry (true: the trap was a coverage int3).
    let coverage = StretchCoverage()
    var coverageTrap: ((UInt64, ReplayTask) -> Bool)?
    /// Every int3 of the client's lifted (in memory; the set stays) while the stub counts the
    /// arrivals of a seek that notes no hits (CountedArrivals.swift): no code of the debugger's
    /// meanwhile. Coverage int3s are not lifted (`coverageArmed` below).
    var liftedAll = false
    /// The replay served.
    private(set) weak var session: ReplaySession?

    /// Serves `s` from now on, a new replay: nothing is carried over, nothing steps, and the
    /// breakpoints and debug registers are installed afresh.
    func attach(to s: ReplaySession) {
        s.debugHook = self
        session = s
        stepOver = [:]
        stepState = .off
        resumeRip = nil
        liftedAll = false
        establishedPending = true
        breakpoints.newReplay()
        debugRegisters.newReplay()
        coverage.newReplay()
    }

    /// No carry-over over the debug register `slot` any more (its watchpoint is gone).
    func forgetCarryOvers(slot: Int) {
        for (tid, over) in stepOver {
            if case .hardware(let s) = over, s == slot { stepOver[tid] = nil }
        }
    }

    /// How to resume `t` now: single-stepping to carry it over the breakpoint it stands on, or
    /// for a step, with the debug registers programmed.
    func resumeMode(for t: ReplayTask) throws -> ResumeMode {
        var step = false
        var skipSlot: Int?
        if establishedPending {
            // The first resume from an established position: where it starts (see resumeRip).
            establishedPending = false
            if stepOver[t.task.tid] == nil && !breakpoints.addresses.isEmpty, let r = try? t.task.registers() {
                resumeRip = (t.task.tid, r.rip)
            }
        }
        switch stepOver[t.task.tid] {
        case .software(let address)?:
            breakpoints.lift(address, in: t.task)
            step = true
        case .hardware(let slot)?:
            skipSlot = slot
            step = true
        case nil:
            break
        }
        if debugRegisters.needsPrepare(t.task.tid) || skipSlot != nil {
            try debugRegisters.prepare(t.task, disabling: skipSlot)
        }
        switch stepState {
        case .armed(let which) where which == nil || session?.tasks[which!] === t:
            stepState = .stepping(t.task.tid)
            step = true
        case .stepping(let tid) where tid == t.task.tid:
            step = true
        default:
            break
        }
        return step ? .sysemuSingleStep : .sysemu
    }

    /// What a stop of `t` is to the debugger: one of its traps, a carry-over done, or not its own.
    func classify(_ stop: Stop, of t: ReplayTask) throws -> HookVerdict {
        if stop == .event(.stop) { return try interruptStop(of: t) }
        let tid = t.task.tid
        let resumedAt = resumeRip
        resumeRip = nil
        var steppedOver = false
        if let over = stepOver.removeValue(forKey: tid) {
            steppedOver = true
            if case .software(let address) = over { breakpoints.reinsert(address, in: t.task) }
        }
        let stepping = stepState == .stepping(tid)
        guard case .signal(SIGTRAP) = stop else {
            // The step ran into an event (a syscall entry, a signal): it ends with that event.
            if stepping { stepState = .consumed(tid) }
            return .notMine
        }
        let info = try? t.task.siginfo()
        var regs = try t.task.registers()
        let siKernel: Int32 = 0x80
        if info?.code == siKernel, let noteEntry = coverageTrap, noteEntry(regs.rip &- 1, t) {
            // A coverage int3, taken out: the program goes on with the instruction under it.
            regs.rip -= 1
            try t.task.setRegisters(regs)
            return .resume
        }
        if info?.code == siKernel, breakpoints.contains(regs.rip &- 1) {
            // An int3 of ours: take the hit back so the instruction runs on resume.
            regs.rip -= 1
            try t.task.setRegisters(regs)
            stepOver[tid] = .software(regs.rip)
            let same = resumedAt?.tid == tid && resumedAt?.rip == regs.rip
            return .stop(DebugTrap(task: t, kind: .breakpoint(regs.rip), registers: regs, sameArrival: same))
        }
        let (slot, singleStep) = debugRegisters.status(t.task)
        if let slot = slot, let w = debugRegisters.slots[slot] {
            if w.kind == .execute {
                stepOver[tid] = .hardware(slot: slot)
                return .stop(DebugTrap(task: t, kind: .hardwareBreakpoint(w.address), registers: regs))
            }
            return .stop(DebugTrap(task: t, kind: .watchpoint(w), registers: regs, stepDone: stepping && singleStep))
        }
        // A step that delivers a signal to a handler ends at the handler's first instruction
        // with a SIGTRAP of code TRAP_UNK (5) and no DR6.BS: the kernel's report of a stepped
        // signal frame (measured on 6.x), not TRAP_TRACE.
        let trapTrace: Int32 = 2, trapUnknown: Int32 = 5
        let stepCodes: Set<Int32> = [0, trapTrace, trapUnknown]
        if (stepping || steppedOver) && (singleStep || info.map { stepCodes.contains($0.code) } ?? false) {
            if stepping { return .stop(DebugTrap(task: t, kind: .step, registers: regs, stepDone: true)) }
            return .resume   // only carried over a breakpoint: keep going
        }
        return .notMine      // not the debugger's: ReplaySession decides
    }
}

extension TrapControl: CodePatchPolicy {
    /// No breakpoints, watchpoints or steps: nothing can stop the task before the point, so the
    /// client never sees the patch or the stub (PointSearch.swift).
    /// Coverage int3s trap too (their traps are taken back here), so none may be armed.
    func allowsCodePatch(for task: ReplayTask) -> Bool {
        (breakpoints.addresses.isEmpty || liftedAll) && debugRegisters.isEmpty && stepState == .off && stepOver.isEmpty
            && !breakpoints.coverageArmed
    }

    /// One of the debugger's int3s (or a coverage int3) is in `range`.
    func hasCode(in range: Range<UInt64>) -> Bool {
        (!liftedAll && breakpoints.addresses.contains { range.contains($0) }) || breakpoints.hasCoverage(in: range)
    }
}

extension TrapControl: SearchBreakpointHost {
    func armSearchBreakpoint(at address: UInt64, in task: ReplayTask) throws -> Bool {
        try debugRegisters.armSearch(at: address, in: task.task)
    }

    func disarmSearchBreakpoint(in task: ReplayTask) {
        debugRegisters.disarmSearch(in: task.task)
    }
}
