// Signals while recording, without a tick counter (DESIGN.md §2):
// - synchronous faults recur at the same instruction on replay: recorded and delivered;
// - asynchronous signals are delivered only at a syscall boundary, where replay can deliver them
//   again exactly: one that arrives while the task runs user code is held back, raised again at
//   the task's next syscall entry, and delivered right after that syscall;
// - one held back longer than Scheduler.holdLimitMs (a task computing without syscalls) is
//   delivered where the task is interrupted, or a few instructions further at one replay can
//   patch (PatchablePoint.swift), and recorded with all registers so replay can find that point
//   again (SwrrReplay/PointSearch.swift).
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
        if buffers.syscallBuffering && regs.rip == SyscallBufferLayout.untracedSyscallEnd
            && SyscallBufferLayout.wasInterrupted(regs.syscallResult) {
            // A signal interrupted a buffered call (it blocked, or the program's signal came):
            // instead of the kernel's restart, the library makes it as an ordinary syscall, where
            // a signal of the program is then delivered (swrr_syscallbuf.h).
            regs.rax = UInt64(bitPattern: SyscallBufferLayout.interrupted)
            try task.setRegisters(regs)
        }
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
        // A few steps on to an instruction replay can find fast (PatchablePoint.swift).
        if t.state == .running { guard try stepToPatchableInstruction(t) else { return } }
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
        // An emulated tracee stops for its tracer here instead (EmulatedPtrace.swift).
        if t.ptrace != nil, try emulation.emulatedSignalStop(t, signal: sig, info: h.info, regs: regs, point: .arbitrary) { return }
        try buffers.flushBuffer(t)
        try writer.append(.signal(SignalEvent(tid: t.tid, signal: sig, code: Int32(bitPattern: h.info.loadU32(at: 8)),
                                                 registers: regs, siginfo: h.info, point: .arbitrary)))
        try task.resume(userMode(t), signal: sig)
        t.state = .running
        t.boundary = nil
    }

    /// Our PTRACE_INTERRUPT arrived: deliver signals held back too long here, or check whether
    /// the task is spinning and should give the slot away.
    func interrupted(_ t: RecordTask) throws {
        switch scheduler.interrupted(t) {
        case .deliverHeld:
            return try deliverHeldHere(t)
        case .checkSpin:
            switch try SpinDetector.check(t.task) {
            case .notSpinning: break
            case .interrupted(let stop): return try loop.handle(stop, of: t)
            case .spinning:
                try buffers.flushBuffer(t)
                try writer.append(.preempt(PreemptEvent(tid: t.tid, registers: try t.task.registers())))
                scheduler.yielded(t)
                return
            }
        case .resume:
            break
        }
        try loop.resumeUser(t)
    }
}

/// Whether a task stopped at an arbitrary instruction is spinning: it comes back to the same
/// instruction with identical registers within a short stretch of single steps, so taking the
/// CPU from it there loses nothing, and replay can stop it at the first such point.
enum SpinDetector {
    static let maxSteps = 2000

    enum Verdict: Equatable {
        case spinning
        case notSpinning
        /// A stop other than the step's SIGTRAP came first (a signal queued meanwhile, such as the
        /// desched event's SIGPWR, or the task's death): the caller handles it as any stop.
        case interrupted(Stop)
    }

    static func check(_ task: Task) throws -> Verdict {
        let start = try task.registers()
        let stackBefore = try? task.readMemory(start.rsp & ~4095, count: 4096)
        for _ in 0..<maxSteps {
            // Never single-step over a syscall (it would go unrecorded), another trap (rdtsc
            // faults with SIGSEGV, int3 with SIGTRAP) or pushf (it would push the step's trap
            // flag into the program's stack), nor over what cannot be decoded.
            let pc = try task.registers().rip
            guard let (insn, _) = RegisterMatchTrap.instruction(in: task, at: pc),
                  insn.effect != .trap && insn.effect != .pushesFlags else { return .notSpinning }
            try task.resume(.singleStep)
            let stop = try task.wait()
            guard case .signal(SIGTRAP) = stop else {
                // Not a pure spin, and the stop belongs to the recording: measured, a desched
                // SIGPWR queued while the task was held for the check arrived at the first step
                // (processes socketpair, about 1 run in 20 under load), and ending the recording
                // there lost it.
                return .interrupted(stop)
            }
            var now = try task.registers()
            now.eflags &= ~UInt64(0x100)   // the trap flag single-stepping leaves behind
            if now.rip == start.rip {
                var s = start
                s.eflags &= ~UInt64(0x100)
                if now == s, let before = stackBefore,
                   (try? task.readMemory(start.rsp & ~4095, count: 4096)) == before {
                    return .spinning
                }
                return .notSpinning
            }
        }
        return .notSpinning
    }
}
