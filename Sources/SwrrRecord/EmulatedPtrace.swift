// ptrace called by the recorded program, emulated (issue 14; rr does the same). swrr is already
// the real tracer of every task and Linux allows one, so the program's ptrace never reaches the
// kernel: the recorder answers each request (PtraceRequests.swift says what each writes and
// changes) and keeps, per traced task, the stop its emulated tracer sees.
//
// - A tracee's stops become emulated stops: the task stays stopped for real (state
//   .ptraceStopped, out of the scheduler) until its tracer resumes it. Signal-delivery stops come
//   from the recorder's signal path (a signal it would deliver is held instead, and delivered with
//   the tracer's choice when the tracer resumes it), syscall stops from PTRACE_SYSCALL (the entry
//   is recorded as a SyscallEntryEvent, so replay parks the tracee at the same entry), a single
//   step's SIGTRAP, and PTRACE_INTERRUPT of a seized tracee.
// - A stop away from a syscall boundary (a fault, a single step) is written as a PreemptEvent with
//   the tracee's registers: replay runs the tracee to that exact point (breakpoint plus register
//   comparison, PointSearch.swift), so a single step is reproduced there and checked, and a
//   POKE/SETREGS replayed later finds the tracee where it was.
// - The tracer's wait4/waitid sees those stops as wait statuses (EmulatedWaits.swift).
// - Requests, results and outputs are recorded as the ptrace syscall's own event; replay writes
//   the outputs back and repeats POKE*, SETREGS and SETFPREGS on the replayed tracee.
//
// Not emulated (refused with EIO, named on stderr): the requests PtraceRequests marks so;
// PTRACE_O_* other than TRACESYSGOOD and EXITKILL (EINVAL); the debug registers through POKEUSER
// (EIO: replay uses DR0-DR3 itself). A tracer that is not its tracee's parent is not told of the
// tracee's exit, and a PTRACE_INTERRUPT of a tracee blocked in a syscall stops it at that call's
// end.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// A stop of an emulated tracee, as its tracer sees it.
enum EmulatedStop {
    /// Signal-delivery stop; the signal, its siginfo and where it landed, for delivering it later.
    case signal(Int32, info: [UInt8], point: SignalDeliveryPoint)
    case syscallEntry
    case syscallExit
    /// PTRACE_INTERRUPT of a seized tracee (PTRACE_EVENT_STOP).
    case interrupt
    /// PTRACE_EVENT_EXEC or PTRACE_EVENT_EXIT, with its GETEVENTMSG message.
    case event(Int32, message: UInt64)
}

/// A task traced by the program (emulated).
final class EmulatedTracee {
    /// The tracing process (tgid): any of its threads may wait for the tracee and use ptrace on it.
    let tracer: Int32
    let seized: Bool
    /// The tracee is a process the tracer forked (its leader): the kernel reports its end to the
    /// tracer as its parent. Any other tracee's end is reported by the emulation.
    let isChildProcess: Bool
    var options: UInt64 = 0
    var stop: EmulatedStop?
    /// The tracer's wait has reported the current stop.
    var reported = false
    /// How the tracer resumed it last: stop at syscall entries and exits, or after one instruction.
    var syscallStops = false
    var stepping = false
    /// The step is over a syscall instruction: the call is made as any other, and its exit is
    /// the step's stop.
    var steppingOverSyscall = false
    /// PTRACE_INTERRUPT came while the task could not stop at once (inside a syscall).
    var interruptRequested = false
    /// Its scheduler state when PTRACE_INTERRUPT stopped it, restored when it is resumed.
    var stateBeforeInterrupt: RecordTask.State = .runnable
    /// After its PTRACE_EVENT_EXEC stop: the syscall-exit stop, if it is resumed with PTRACE_SYSCALL.
    var exitStopAfterEvent = false
    /// After its exec's syscall-exit stop: the SIGTRAP stop of an exec without TRACEEXEC.
    var execTrapAfterExitStop = false
    /// PTRACE_EVENT_FORK/VFORK/CLONE of its fork, vfork or clone, with the new task's id: shown
    /// at the call's exit (natively it comes before; the new task is traced either way).
    var creationEvent: (event: Int32, child: Int32)?
    /// The stop a task created under TRACEFORK/VFORK/CLONE starts with (SIGSTOP, or
    /// PTRACE_EVENT_STOP when its tracer seized its parent).
    var initialStop: EmulatedStop?

    init(tracer: Int32, seized: Bool, options: UInt64, isChildProcess: Bool, initialStop: EmulatedStop? = nil) {
        self.initialStop = initialStop
        self.tracer = tracer
        self.seized = seized
        self.options = options
        self.isChildProcess = isChildProcess
    }

    /// The wait status the tracer sees for the current stop.
    var waitStatus: Int32? {
        guard let stop = stop else { return nil }
        switch stop {
        case .signal(let s, _, _): return s << 8 | 0x7f
        case .syscallEntry, .syscallExit: return syscallTrap << 8 | 0x7f
        case .interrupt: return (SIGTRAP | PtraceRequests.eventStop << 8) << 8 | 0x7f
        case .event(let e, _): return (SIGTRAP | e << 8) << 8 | 0x7f
        }
    }

    /// SIGTRAP, or SIGTRAP|0x80 under PTRACE_O_TRACESYSGOOD.
    var syscallTrap: Int32 { options & PtraceRequests.traceSysGood != 0 ? SIGTRAP | 0x80 : SIGTRAP }
}

private let EIO: Int64 = 5, ESRCH: Int64 = 3, EPERM: Int64 = 1, EFAULT: Int64 = 14, EINVAL: Int64 = 22

/// The program's ptrace, emulated, with what it works with: the scheduler's task set, the trace,
/// the syscall buffers (flushed before its events), the tracers' waits, and the syscall path a
/// tracee resumed at a syscall-entry stop goes on with.
final class PtraceEmulation {
    private let scheduler: Scheduler
    private let writer: TraceWriter
    private unowned let buffers: SyscallBuffers
    private unowned let waits: EmulatedWaits
    private unowned let syscalls: SyscallRecorder
    /// Status lines for the user (requests that are not emulated).
    private let status: (String) -> Void

    init(scheduler: Scheduler, writer: TraceWriter, buffers: SyscallBuffers, waits: EmulatedWaits,
         syscalls: SyscallRecorder, status: @escaping (String) -> Void) {
        self.scheduler = scheduler
        self.writer = writer
        self.buffers = buffers
        self.waits = waits
        self.syscalls = syscalls
        self.status = status
    }

    private var tasks: [Int32: RecordTask] { scheduler.tasks }

    // MARK: the tracer's requests

    /// The result of the program's ptrace call (made by `t`), emulated at its entry; outputs are
    /// written into `t`'s memory, where the syscall's output rules find them at its exit.
    func emulatePtrace(_ t: RecordTask, args: [UInt64]) throws -> Int64 {
        let request = args[0], addr = args[2], data = args[3]
        let pid = Int32(truncatingIfNeeded: args[1])
        guard let req = PtraceRequests.request(request), req.emulated else {
            status("ptrace request \(PtraceRequests.name(request)) by task \(t.tid) is not emulated: refused with EIO")
            return -EIO
        }
        switch request {
        case PtraceRequests.traceMe:
            // The tracer is the parent process, which must be recorded too (swrr itself is the
            // recorded program's parent).
            guard t.ptrace == nil, let parent = t.task.parentPid(),
                  tasks.values.contains(where: { $0.task.tgid == parent }) else {
                status("PTRACE_TRACEME by task \(t.tid): its parent is not recorded; refused with EPERM")
                return -EPERM
            }
            startTracing(t, tracer: parent, seized: false, options: 0)
            return 0
        case PtraceRequests.attach, PtraceRequests.seize:
            guard let target = tasks[pid], target.state != .exiting else { return -ESRCH }
            guard target.task.tgid != t.task.tgid, target.ptrace == nil else { return -EPERM }
            if request == PtraceRequests.seize {
                guard addr == 0 else { return -EIO }
                if let refused = refusedOptions(data, by: t) { return refused }
            }
            startTracing(target, tracer: t.task.tgid, seized: request == PtraceRequests.seize,
                         options: request == PtraceRequests.seize ? data : 0)
            // PTRACE_ATTACH sends SIGSTOP; its delivery becomes the first emulated stop.
            if request == PtraceRequests.attach { target.task.sendSignal(SIGSTOP) }
            return 0
        default:
            break
        }
        guard let target = tasks[pid], let p = target.ptrace, p.tracer == t.task.tgid else { return -ESRCH }
        switch request {
        case PtraceRequests.kill:
            target.task.sendSignal(SIGKILL)
            if p.stop != nil { leaveStop(target, p) }
            return 0
        case PtraceRequests.interrupt:
            guard p.seized else { return -EIO }
            interruptTracee(target, p)
            return 0
        default:
            break
        }
        // Every other request needs the tracee in a stop, as natively (ESRCH otherwise).
        guard p.stop != nil else { return -ESRCH }
        let task = target.task
        func output(_ bytes: [UInt8]) -> Int64 {
            guard data != 0, (try? t.task.writeMemory(data, bytes)) != nil else { return -EFAULT }
            return 0
        }
        switch request {
        case PtraceRequests.peekText, PtraceRequests.peekData, PtraceRequests.peekUser:
            errno = 0
            let word = swrr_ptrace(Int32(request), task.tid, UInt(addr), 0)
            if word == -1 && errno != 0 { return -Int64(errno) }
            return output(withUnsafeBytes(of: UInt64(bitPattern: Int64(word)).littleEndian) { Array($0) })
        case PtraceRequests.pokeText, PtraceRequests.pokeData, PtraceRequests.pokeUser:
            if request == PtraceRequests.pokeUser && addr >= PtraceRequests.debugRegistersOffset {
                status("PTRACE_POKEUSER of a debug register (offset \(addr)) by task \(t.tid): refused with EIO (replay uses them)")
                return -EIO
            }
            return swrr_ptrace(Int32(request), task.tid, UInt(addr), UInt(data)) == -1 ? -Int64(errno) : 0
        case PtraceRequests.getRegs:
            return output(try task.registers().bytes)
        case PtraceRequests.setRegs:
            guard let bytes = try? t.task.readMemory(data, count: PtraceRequests.userRegsSize) else { return -EFAULT }
            guard (try? task.setRegisters(Registers(bytes: bytes))) != nil else { return -EIO }
            return 0
        case PtraceRequests.getFPRegs:
            guard let area = task.fxsaveArea() else { return -Int64(errno) }
            return output(area)
        case PtraceRequests.setFPRegs:
            guard let bytes = try? t.task.readMemory(data, count: PtraceRequests.fpRegsSize) else { return -EFAULT }
            return task.setFxsaveArea(bytes) ? 0 : -Int64(errno)
        case PtraceRequests.getRegSet, PtraceRequests.setRegSet:
            guard let iov = try? t.task.readMemory(data, count: 16) else { return -EFAULT }
            let base = iov.loadU64(at: 0), length = Int(min(iov.loadU64(at: 8), UInt64(PtraceRequests.regSetLimit)))
            if request == PtraceRequests.setRegSet {
                guard let bytes = try? t.task.readMemory(base, count: length) else { return -EFAULT }
                return task.setRegisterSet(addr, bytes) ? 0 : -Int64(errno)
            }
            guard let set = task.registerSet(addr, capacity: length) else { return -Int64(errno) }
            guard (try? t.task.writeMemory(base, set)) != nil,
                  (try? t.task.writeMemory(data + 8, withUnsafeBytes(of: UInt64(set.count).littleEndian) { Array($0) })) != nil
            else { return -EFAULT }
            return 0
        case PtraceRequests.getSiginfo:
            return output(siginfo(of: target, p))
        case PtraceRequests.getEventMsg:
            // PTRACE_EVENT_STOP's message is 0.
            var message: UInt64 = 0
            if case .event(_, let m)? = p.stop { message = m }
            return output(withUnsafeBytes(of: message.littleEndian) { Array($0) })
        case PtraceRequests.setOptions:
            if let refused = refusedOptions(data, by: t) { return refused }
            p.options = data
            return 0
        case PtraceRequests.cont, PtraceRequests.syscall, PtraceRequests.singleStep, PtraceRequests.detach:
            guard data < 65 else { return -EIO }
            p.syscallStops = request == PtraceRequests.syscall
            p.stepping = request == PtraceRequests.singleStep
            if request == PtraceRequests.detach { target.ptrace = nil }
            leaveStop(target, p, signal: Int32(data))
            return 0
        default:
            return -EIO
        }
    }

    /// nil when every option asked for is emulated; else -EINVAL, named on stderr.
    private func refusedOptions(_ asked: UInt64, by t: RecordTask) -> Int64? {
        let unsupported = asked & ~PtraceRequests.supportedOptions
        guard unsupported != 0 else { return nil }
        status("ptrace options \(PtraceRequests.optionList(unsupported)) by task \(t.tid) are not emulated: refused with EINVAL")
        return -EINVAL
    }

    private func startTracing(_ t: RecordTask, tracer: Int32, seized: Bool, options: UInt64,
                              initialStop: EmulatedStop? = nil) {
        t.ptrace = EmulatedTracee(tracer: tracer, seized: seized, options: options,
                                  isChildProcess: t.tid == t.task.tgid && t.task.parentPid() == tracer,
                                  initialStop: initialStop)
        // A buffered syscall runs from the stub page without any stop (the seccomp filter lets
        // it through), so neither PTRACE_SYSCALL's stops nor a signal's delivery at it could be
        // shown to the tracer: an emulated tracee makes only ordinary syscalls.
        t.buffer?.disabled = true
        buffers.interruptBuffering(t)
    }

    /// The siginfo of the current stop: the signal's own, or the one the kernel makes for a
    /// ptrace trap (si_code = the stop's exit code, si_pid the tracee).
    private func siginfo(of t: RecordTask, _ p: EmulatedTracee) -> [UInt8] {
        if case .signal(_, let info, _)? = p.stop { return info }
        var info = [UInt8](repeating: 0, count: 128)
        let code: Int32
        switch p.stop {
        case .interrupt?: code = SIGTRAP | PtraceRequests.eventStop << 8
        case .event(let e, _)?: code = SIGTRAP | e << 8
        default: code = p.syscallTrap
        }
        info.storeU32(UInt32(SIGTRAP), at: 0)
        info.storeU32(UInt32(bitPattern: code), at: 8)
        info.storeU32(UInt32(bitPattern: t.task.tgid), at: 16)
        info.storeU32(getuid(), at: 20)
        return info
    }

    // MARK: the tracee's stops

    /// Enters an emulated stop: the task stays stopped until its tracer resumes it.
    func enterEmulatedStop(_ t: RecordTask, _ stop: EmulatedStop) {
        guard let p = t.ptrace else { return }
        if Recorder.debug { Recorder.debugLog("emulated stop of \(t.tid): \(stop)") }
        p.stop = stop
        p.reported = false
        p.interruptRequested = false
        t.state = .ptraceStopped
        scheduler.release(t)
        // The kernel tells the tracer of every ptrace stop with SIGCHLD (SA_NOCLDSTOP does not
        // apply to tracers); gdb waits for it in sigsuspend before it calls waitpid again. It is
        // an ordinary signal to the tracer, recorded where it is delivered.
        kill(p.tracer, SIGCHLD)
        scheduler.wakeHeldWaits()
        waits.kickKernelWaits(of: p.tracer)
    }

    /// A signal the recorder would deliver to an emulated tracee: a signal-delivery stop instead.
    /// Away from a syscall boundary the point is recorded (PreemptEvent) so replay stands there too.
    /// `signature`: the position where it stands, when taken (a held signal delivered at a
    /// state signature, SlicePreemption.swift).
    func emulatedSignalStop(_ t: RecordTask, signal: Int32, info: [UInt8], regs: Registers,
                            point: SignalDeliveryPoint, signature: StateSignature? = nil) throws -> Bool {
        guard t.ptrace != nil, signal != SIGKILL else { return false }
        if point != .syscallBoundary {
            try buffers.flushBuffer(t)
            try writer.append(.preempt(PreemptEvent(tid: t.tid, registers: regs, signature: signature)))
        }
        t.boundary = nil
        // The PreemptEvent (with the signature when one was taken) puts the replayed tracee at
        // this point; the delivery after its tracer resumes it needs only the registers there.
        enterEmulatedStop(t, .signal(signal, info: info, point: point == .position ? .arbitrary : point))
        return true
    }

    /// A single step of an emulated tracee ended (its SIGTRAP).
    func emulatedStepStop(_ t: RecordTask, signal: Int32, regs: Registers) throws -> Bool {
        guard let p = t.ptrace, p.stepping, signal == SIGTRAP else { return false }
        p.stepping = false
        return try emulatedSignalStop(t, signal: signal, info: try t.task.rawSiginfo(), regs: regs, point: .synchronous)
    }

    /// At a syscall entry of an emulated tracee resumed with PTRACE_SYSCALL: the entry stop.
    func emulatedSyscallEntryStop(_ t: RecordTask) throws -> Bool {
        guard let p = t.ptrace, p.syscallStops, !t.ptraceEntryRecorded,
              !Self.isSwrrCall(t.entry) else { return false }
        try buffers.flushBuffer(t)
        // Replay parks the tracee at this entry, where a later SETREGS of the tracer applies.
        try writer.append(.syscallEntry(SyscallEntryEvent(
            tid: t.tid, number: Int32(truncatingIfNeeded: Int64(bitPattern: t.entry.origRax)), registers: t.entry)))
        t.ptraceEntryRecorded = true
        enterEmulatedStop(t, .syscallEntry)
        return true
    }

    /// At a syscall exit of an emulated tracee (the call recorded): the exit stop, or the stop a
    /// PTRACE_INTERRUPT asked for meanwhile.
    func emulatedSyscallExitStop(_ t: RecordTask) -> Bool {
        t.ptraceEntryRecorded = false
        guard let p = t.ptrace else { return false }
        if let c = p.creationEvent {
            p.creationEvent = nil
            p.exitStopAfterEvent = true
            enterEmulatedStop(t, .event(c.event, message: UInt64(UInt32(bitPattern: c.child))))
            return true
        }
        if p.steppingOverSyscall {
            // Natively the step's SIGTRAP comes right after the call (rip advanced by 2; the
            // kernel sends it as TRAP_BRKPT at the syscall's exit).
            p.steppingOverSyscall = false
            p.stepping = false
            var info = [UInt8](repeating: 0, count: 128)
            info.storeU32(UInt32(SIGTRAP), at: 0)
            info.storeU32(1, at: 8)   // TRAP_BRKPT
            enterEmulatedStop(t, .signal(SIGTRAP, info: info, point: .syscallBoundary))
            return true
        }
        if p.interruptRequested {
            p.stateBeforeInterrupt = .runnable
            enterEmulatedStop(t, .interrupt)
            return true
        }
        if t.boundary?.rax == 0, SyscallTable.spec(Int(Int64(bitPattern: t.entry.origRax)))?.replay == .exec {
            // A successful execve: PTRACE_EVENT_EXEC under PTRACE_O_TRACEEXEC (natively before
            // the syscall-exit stop, whose turn comes if the tracer resumes with PTRACE_SYSCALL);
            // else, for a tracee not seized, a SIGTRAP (SI_USER) delivered right after the call:
            // how a debugger that forks, TRACEMEs and execs finds its program stopped at the start.
            if p.options & PtraceRequests.traceExec != 0 {
                p.exitStopAfterEvent = true
                enterEmulatedStop(t, .event(PtraceRequests.eventExec, message: UInt64(UInt32(bitPattern: t.tid))))
                return true
            }
            if !p.seized {
                if p.syscallStops {
                    p.execTrapAfterExitStop = true
                    enterEmulatedStop(t, .syscallExit)
                } else {
                    enterEmulatedStop(t, execTrap)
                }
                return true
            }
        }
        guard p.syscallStops, !Self.isSwrrCall(t.entry) else { return false }
        enterEmulatedStop(t, .syscallExit)
        return true
    }

    /// A task a tracee created (fork, vfork, clone at their PTRACE_EVENT): traced by the same
    /// tracer when its options say so (TRACEVFORK for vfork and CLONE_VFORK, TRACEFORK for fork and
    /// a clone whose exit signal is SIGCHLD, TRACECLONE for the others, as the kernel decides).
    /// A clone with CLONE_UNTRACED (the program's flags: the recorder hid the bit from the kernel)
    /// makes no event and no tracee, as natively.
    func emulatedTraceeCreated(_ c: RecordTask, by parent: RecordTask, event: PtraceEvent, cloneFlags: CloneFlags?) {
        guard let p = parent.ptrace, cloneFlags?.contains(.untraced) != true else { return }
        let (option, number): (UInt64, Int32)
        if event == .vfork || cloneFlags?.contains(.vfork) == true {
            (option, number) = (PtraceRequests.traceVfork, PtraceRequests.eventVfork)
        } else if cloneFlags.map({ $0.rawValue & CloneFlags.exitSignalMask == UInt64(SIGCHLD) }) ?? true {
            (option, number) = (PtraceRequests.traceFork, PtraceRequests.eventFork)
        } else {
            (option, number) = (PtraceRequests.traceClone, PtraceRequests.eventClone)
        }
        guard p.options & option != 0 else { return }
        var info = [UInt8](repeating: 0, count: 128)
        info.storeU32(UInt32(SIGSTOP), at: 0)
        startTracing(c, tracer: p.tracer, seized: p.seized, options: p.options,
                     initialStop: p.seized ? .interrupt : .signal(SIGSTOP, info: info, point: .syscallBoundary))
        p.creationEvent = (number, c.tid)
    }

    /// The SIGTRAP an exec sends a tracee without PTRACE_O_TRACEEXEC (send_sig: SI_USER, no sender).
    private var execTrap: EmulatedStop {
        var info = [UInt8](repeating: 0, count: 128)
        info.storeU32(UInt32(SIGTRAP), at: 0)
        return .signal(SIGTRAP, info: info, point: .syscallBoundary)
    }

    /// At the PTRACE_EVENT_EXIT of a tracee under PTRACE_O_TRACEEXIT: its exit stop, where the
    /// tracer may still read it (the message is its wait status).
    func emulatedExitEventStop(_ t: RecordTask) throws -> Bool {
        guard let p = t.ptrace, p.options & PtraceRequests.traceExit != 0 else { return false }
        let status = try t.task.eventMessage()
        enterEmulatedStop(t, .event(PtraceRequests.eventExit, message: status))
        return true
    }

    /// One of swrr's own calls (the preload library's registrations, SyscallBufferLayout): a
    /// native run makes none, so its tracer must not see them (strace showed
    /// `syscall_0x3e8(...) = -1 ENOSYS` before every traced program's first write).
    static func isSwrrCall(_ entry: Registers) -> Bool {
        SyscallBufferLayout.isOwnCall(Int(truncatingIfNeeded: Int64(bitPattern: entry.origRax)), rip: entry.rip)
    }

    private func interruptTracee(_ t: RecordTask, _ p: EmulatedTracee) {
        guard p.stop == nil else { return }
        if t.state == .runnable {
            // Stopped by the scheduler at a point replay reaches too (a syscall exit, a
            // recorded switch, its creation): the tracer sees it stop there.
            p.stateBeforeInterrupt = .runnable
            enterEmulatedStop(t, .interrupt)
        } else if t.state != .exiting && t.state != .jobStopped {
            p.interruptRequested = true
        }
    }

    /// The tracer resumed (or killed, or detached) a stopped tracee, with `signal` to deliver.
    private func leaveStop(_ t: RecordTask, _ p: EmulatedTracee, signal: Int32 = 0) {
        guard let stop = p.stop else { return }
        p.stop = nil
        p.reported = false
        switch stop {
        case .signal(let s, let info, let point):
            if signal != 0 {
                // A signal other than the stop's reaches the tracee as the tracer's (SI_USER),
                // which is what the kernel makes of it.
                var i = info
                if signal != s {
                    i = [UInt8](repeating: 0, count: 128)
                    i.storeU32(UInt32(signal), at: 0)
                    i.storeU32(UInt32(bitPattern: p.tracer), at: 16)
                    i.storeU32(getuid(), at: 20)
                }
                t.ptraceDelivery = (signal, i, point)
            }
            t.state = .runnable
        case .syscallEntry:
            // The call is made when the scheduler next picks the task (with the registers the
            // tracer may have changed).
            t.reenterSyscall = true
            t.state = .runnable
        case .syscallExit:
            if p.execTrapAfterExitStop {
                p.execTrapAfterExitStop = false
                enterEmulatedStop(t, execTrap)
                return
            }
            if signal != 0 { t.task.sendSignal(signal) }
            t.state = .runnable
        case .event(let e, _):
            if e == PtraceRequests.eventExit {
                // On its way out: nothing it does from here is the program's.
                t.state = .exiting
                try? t.task.resume(.cont)
                return
            }
            if p.exitStopAfterEvent {
                p.exitStopAfterEvent = false
                if p.syscallStops {
                    enterEmulatedStop(t, .syscallExit)
                    return
                }
            }
            if signal != 0 { t.task.sendSignal(signal) }
            t.state = .runnable
        case .interrupt:
            if signal != 0 { t.task.sendSignal(signal) }
            t.state = p.stateBeforeInterrupt
        }
    }

    /// Before the scheduler resumes `t`: a syscall it stopped at the entry of is made now, an
    /// interrupt asked for while it could not stop takes effect, and a signal its tracer passed
    /// on is recorded and delivered. True when `t` was not resumed into user code.
    func ptraceBeforeResume(_ t: RecordTask) throws -> Bool {
        if t.reenterSyscall {
            t.reenterSyscall = false
            t.state = .running
            t.entry = try t.task.registers()
            try syscalls.entry(t)
            return true
        }
        if let p = t.ptrace, let first = p.initialStop, t.state == .runnable {
            p.initialStop = nil
            p.stateBeforeInterrupt = .runnable
            enterEmulatedStop(t, first)
            return true
        }
        if let p = t.ptrace, p.interruptRequested, t.state == .runnable {
            p.stateBeforeInterrupt = .runnable
            enterEmulatedStop(t, .interrupt)
            return true
        }
        if let d = t.ptraceDelivery {
            t.ptraceDelivery = nil
            try buffers.flushBuffer(t)
            try t.task.setRawSiginfo(d.info)
            try writer.append(.signal(SignalEvent(tid: t.tid, signal: d.signal,
                                                     code: Int32(bitPattern: d.info.loadU32(at: 8)),
                                                     registers: try t.task.registers(), siginfo: d.info,
                                                     point: d.point)))
            t.resumeSignal = d.signal
        }
        return false
    }

    /// The resume mode a traced task's tracer asked for, when it is not the recorder's own.
    func ptraceResumeMode(_ t: RecordTask) -> ResumeMode? {
        guard let p = t.ptrace, p.stepping else { return nil }
        // PTRACE_SINGLESTEP over a syscall instruction makes the call with no syscall stop (so
        // unrecorded, without buffering's seccomp stop): the task is resumed as usual instead, to
        // the call's entry, and the step ends at its exit.
        if let rip = try? t.task.registers().rip, let insn = try? t.task.readMemory(rip, count: 2),
           insn == [0x0f, 0x05] {
            p.steppingOverSyscall = true
            return nil
        }
        return .singleStep
    }

    /// A task ended: its tracer's held wait may now see it, and a tracer's end ends (EXITKILL) or
    /// releases its tracees.
    func ptraceTaskEnded(_ t: RecordTask, waitStatus: Int32) {
        waits.taskEnded(t, waitStatus: waitStatus)
        guard t.tid == t.task.tgid else { return }
        for x in tasks.values {
            guard let p = x.ptrace, p.tracer == t.tid else { continue }
            if p.options & PtraceRequests.exitKill != 0 { x.task.sendSignal(SIGKILL) }
            x.ptrace = nil
            if p.stop != nil { leaveStop(x, p) }
        }
    }
}
