// Signals while recording, without a tick counter (DESIGN.md §2):
// - synchronous faults recur at the same instruction on replay: recorded and delivered;
// - asynchronous signals are delivered only at a syscall boundary, where replay can deliver them
//   again exactly: one that arrives while the task runs user code is held back, raised again at
//   the task's next syscall entry, and delivered right after that syscall;
// - one held back longer than Scheduler.holdLimitMs (a task computing without syscalls: one
//   slice) is delivered where the task is interrupted, at a state signature taken there
//   (SlicePreemption.swift, docs/POSITIONS.md), which replay reaches exactly
//   (SwrrReplay/PointSearch.swift). A task not in user code (rare: an emulated tracee's stop)
//   gets it where it stands, recorded with its registers only.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// What the recorder's parts call back into: the main loop's handling of a stop (one that ended
/// single-stepping belongs to the recording like any other) and its resume into user code.
protocol RecordLoop: AnyObject {
    func handle(_ stop: Stop, of t: RecordTask) throws
    func resumeUser(_ t: RecordTask) throws
}

/// Signals, job control and the recorder's PTRACE_INTERRUPT stops: held-back asynchronous
/// signals, their delivery at syscall boundaries or (held too long) where the task stands, deaths
/// by signal, rdtsc's SIGSEGV, group-stops until SIGCONT (JobControl.swift). It works with the
/// scheduler, the trace, the buffers (flushed before its events), the program's ptrace (whose
/// tracees stop for their tracers instead) and the loop it calls back into.
final class SignalRecorder {
    let scheduler: Scheduler
    let writer: TraceWriter
    unowned let buffers: SyscallBuffers
    unowned let emulation: PtraceEmulation
    unowned let loop: RecordLoop

    init(scheduler: Scheduler, writer: TraceWriter, buffers: SyscallBuffers, emulation: PtraceEmulation,
         loop: RecordLoop) {
        self.scheduler = scheduler
        self.writer = writer
        self.buffers = buffers
        self.emulation = emulation
        self.loop = loop
    }

    private func userMode(_ t: RecordTask) -> ResumeMode { buffers.userMode(t) }

    func signalStop(_ t: RecordTask, signal: Int32) throws {
        let task = t.task
        var regs = try task.registers()
        // A signal interrupted a buffered call (it blocked, or the program's signal came): a
        // signal of the program is then delivered at the ordinary syscall.
        try buffers.makeInterruptedCallOrdinary(t, regs: &regs)
        if signal == SyscallBufferLayout.deschedSignal, try buffers.isDesched(t) {
            // The library's own signal: never the program's.
            try buffers.deschedStop(t, regs: regs)
            return
        }
        if signal == SIGSEGV, let code = try? task.readMemory(regs.rip, count: 3),
           let insn = TrappedInstruction(bytes: code) {
            var aux: UInt32 = 0
            let value = insn == .rdtscp ? swrr_rdtscp(&aux) : swrr_rdtsc()
            try buffers.flushBuffer(t)
            try writer.append(.rdtsc(RdtscEvent(tid: task.tid, registers: regs, value: value, aux: aux,
                                                   isRdtscp: insn == .rdtscp)))
            RdtscEmulation.apply(insn, value: value, aux: aux, to: &regs)
            try task.setRegisters(regs)
            t.boundary = nil
            try task.resume(userMode(t))
            return
        }
        // The single step an emulated tracer asked for ended (EmulatedPtrace.swift).
        if t.ptrace != nil, try emulation.emulatedStepStop(t, signal: signal, regs: regs) { return }
        var info = try task.rawSiginfo()
        let code = Int32(bitPattern: info.loadU32(at: 8))
        if SignalNames.synchronous.contains(signal) && code > 0 {
            try deliver(t, signal: signal, info: info, regs: regs, point: .synchronous)
            return
        }
        // A signal we raised again at a syscall entry: give it back its original siginfo.
        if let i = t.reraised.firstIndex(where: { $0.signal == signal }) {
            info = t.reraised.remove(at: i).info
            try task.setRawSiginfo(info)
        }
        let atBoundary = t.boundary == regs || (t.ptrace != nil && t.stopBoundary == regs)
        if atBoundary {
            try deliver(t, signal: signal, info: info, regs: regs, point: .syscallBoundary)
            return
        }
        switch SignalPolicy.disposition(of: signal, tid: task.tid) {
        case .ignored where t.ptrace == nil, .stops where t.ptrace == nil:
            // Away from a syscall an ignored signal changes nothing: let the kernel drop it.
            try task.resume(userMode(t), signal: signal)
        case .fatal:
            // It ends the process wherever it lands; replay does not need the exact instruction.
            try deliver(t, signal: signal, info: info, regs: regs, point: .arbitrary)
        case .caught, .ignored, .stops:
            // (Also what an emulated tracee's tracer must see stop it: held to its next syscall.)
            if t.held.isEmpty { t.heldSince = scheduler.now() }
            t.held.append((signal, info))
            // A buffered call makes no stop: the library's next call makes an ordinary one.
            buffers.interruptBuffering(t)
            try task.resume(userMode(t))
        }
    }

    /// Records a signal and delivers it as the task resumes.
    func deliver(_ t: RecordTask, signal: Int32, info: [UInt8], regs: Registers,
                         point: SignalDeliveryPoint) throws {
        // An emulated tracee stops for its tracer instead (EmulatedPtrace.swift).
        if t.ptrace != nil, try emulation.emulatedSignalStop(t, signal: signal, info: info, regs: regs, point: point) { return }
        let code = Int32(bitPattern: info.loadU32(at: 8))
        try buffers.flushBuffer(t)
        try writer.append(.signal(SignalEvent(tid: t.tid, signal: signal, code: code, registers: regs,
                                                 siginfo: info, point: point)))
        // A stop signal's delivery leaves the task where it was: a signal that ends its
        // group-stop (SIGCONT) is still at that boundary for an emulated tracer (EmulatedPtrace).
        t.stopBoundary = point == .syscallBoundary && SignalPolicy.disposition(of: signal, tid: t.tid) == .stops ? regs : nil
        t.boundary = nil
        try t.task.resume(userMode(t), signal: signal)
    }

    /// The task was interrupted with signals held back too long: deliver the oldest where it
    /// stands. The others stay held for its next syscall: once the first handler's frame is set
    /// up the task is somewhere else, and raising them all now would deliver them twice.
    func deliverHeldHere(_ t: RecordTask) throws {
        let task = t.task
        guard !t.held.isEmpty else { return try loop.resumeUser(t) }
        var signature: StateSignature?
        if t.state == .running {
            // Where it computes: a position replay reaches exactly (SlicePreemption.swift).
            guard let sig = try takePosition(t, why: "a held \(SignalNames.name(t.held[0].signal))") else { return }
            signature = sig
        }
        let h = t.held.removeFirst()
        if !t.held.isEmpty { t.heldSince = scheduler.now() }
        let regs = try task.registers()
        task.sendSignal(h.signal)
        // The kernel stops the task for it before the task runs another instruction.
        try task.resume(userMode(t))
        let stop = try task.wait()
        guard case .signal(let sig) = stop, sig == h.signal else {
            throw RecordError.tracee("delivering a held \(SignalNames.name(h.signal)) to \(t.tid): unexpected \(stop)")
        }
        try task.setRawSiginfo(h.info)
        guard try task.registers() == regs else {
            throw RecordError.tracee("delivering a held \(SignalNames.name(h.signal)) to \(t.tid): the task moved")
        }
        let point: SignalDeliveryPoint = signature == nil ? .arbitrary : .position
        // An emulated tracee stops for its tracer here instead (EmulatedPtrace.swift).
        if t.ptrace != nil, try emulation.emulatedSignalStop(t, signal: sig, info: h.info, regs: regs, point: point,
                                                             signature: signature) { return }
        try buffers.flushBuffer(t)
        try writer.append(.signal(SignalEvent(tid: t.tid, signal: sig, code: Int32(bitPattern: h.info.loadU32(at: 8)),
                                                 registers: regs, siginfo: h.info, point: point, signature: signature)))
        try task.resume(userMode(t), signal: sig)
        t.state = .running
        t.boundary = nil
    }

    /// Our PTRACE_INTERRUPT arrived: deliver signals held back too long here, or end the task's
    /// slice (it gives the slot to the runnable others at a recorded position).
    func interrupted(_ t: RecordTask) throws {
        var regs = try t.task.registers()
        if try buffers.makeInterruptedCallOrdinary(t, regs: &regs) {
            // It was asleep in a buffered call (Scheduler.timeout): no position can be taken
            // there (takePosition gives up at a syscall about to restart, and the task, resumed,
            // went back to sleep in the call: recording stood still, interrupting it every 2 ms).
            // Its ordinary syscall comes at once and is a switch point, where held signals are
            // delivered too.
            return try loop.resumeUser(t)
        }
        switch scheduler.interrupted(t) {
        case .deliverHeld:
            return try deliverHeldHere(t)
        case .preempt:
            return try preempt(t)
        case .resume:
            break
        }
        try loop.resumeUser(t)
    }
}
