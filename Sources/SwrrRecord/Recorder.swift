// The recorder: runs a program under ptrace and writes every nondeterministic input it receives
// into a trace (DESIGN.md §2). Syscalls are stopped at entry and exit (PTRACE_SYSCALL); what the
// kernel wrote is found through SyscallTable's output rules, never through per-syscall code here.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

public struct RecordOptions {
    public var program: String
    public var arguments: [String]
    /// `-o DIR`; nil for the default location under TraceStore.root().
    public var outputDirectory: String?
    public var environment: [String]
    public var workingDirectory: String
    /// Signals the program starts with ignored and blocked (default: what swrr itself inherited
    /// when this was created).
    public var signals: (ignored: UInt64, blocked: UInt64) = Spawner.inheritedSignals()
    /// Status lines ("recording to …") for the user; stderr by default.
    public var status: (String) -> Void
    /// Buffer syscalls inside the program (libswrrpreload.so and a seccomp filter; issue 7).
    public var syscallBuffer: Bool = PreloadLibrary.enabledByDefault
    /// The CPU the program is bound to (`--bind-cpu`; default SWRR_BIND_CPU, else a random one).
    public var cpu: CPUBinding.Choice = (try? CPUBinding.Choice.fromEnvironment()) ?? .any
    /// Chaos mode's seed (`--chaos`, `--chaos-seed N`; ChaosSchedule.swift); nil: chaos mode off.
    public var chaosSeed: UInt64?

    public init(program: String, arguments: [String], outputDirectory: String? = nil,
                environment: [String], workingDirectory: String,
                status: @escaping (String) -> Void = { _ in }) {
        self.program = program
        self.arguments = arguments
        self.outputDirectory = outputDirectory
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.status = status
    }
}

public struct RecordResult {
    public let traceDirectory: String
    /// The program's raw wait(2) status.
    public let waitStatus: Int32
    public let eventCount: Int
}

/// ptrace options every recorded task gets: tracees die with swrr (EXITKILL), syscall stops are
/// distinguishable from SIGTRAP (TRACESYSGOOD), new tasks are traced too, exec and exit are reported,
/// and the seccomp filter's SECCOMP_RET_TRACE stops the task (TRACESECCOMP; only with buffering).
let recordPtraceOptions: Int = 0x01 /* TRACESYSGOOD */ | 0x02 /* TRACEFORK */ | 0x04 /* TRACEVFORK */
    | 0x08 /* TRACECLONE */ | 0x10 /* TRACEEXEC */ | 0x40 /* TRACEEXIT */ | 0x80 /* TRACESECCOMP */
    | 0x10_0000 /* EXITKILL */

public final class Recorder: RecordLoop {
    let options: RecordOptions
    var writer: TraceWriter?
    var task: Task?
    /// The preload library in use (nil: syscalls are not buffered).
    let preloadLibrary: String?
    /// Syscalls are buffered (SyscallBuffers says how that changes resuming).
    var syscallBuffering: Bool { preloadLibrary != nil }

    public init(options: RecordOptions) {
        self.options = options
        preloadLibrary = options.syscallBuffer ? PreloadLibrary.find() : nil
        scheduler = Scheduler(chaos: options.chaosSeed.map { ChaosSchedule(seed: $0) })
    }

    /// Records until the program exits. On any error the tracee is killed and the trace is closed
    /// as aborted (it replays up to the point of the error).
    public func run() throws -> RecordResult {
        let env = Dictionary(options.environment.compactMap { kv -> (String, String)? in
            guard let eq = kv.firstIndex(of: "=") else { return nil }
            return (String(kv[..<eq]), String(kv[kv.index(after: eq)...]))
        }, uniquingKeysWith: { a, _ in a })
        let program = try ProgramResolver.resolve(options.program, path: env["PATH"],
                                                  cwd: options.workingDirectory)
        let name = String(program.split(separator: "/").last ?? "program")
        let dir = try options.outputDirectory ?? TraceStore.newTracePath(programName: name)
        let cpu: Int?
        do {
            cpu = try CPUBinding.choose(options.cpu)
        } catch {
            throw RecordError.tracee("\(error)")
        }
        let header = TraceHeader.recording(of: program, options: options, preloadLibrary: preloadLibrary, cpu: cpu)
        let writer = try TraceWriter(directory: dir, header: header)
        self.writer = writer
        if options.outputDirectory == nil { try? TraceStore.setLatest(dir) }
        options.status("recording to \(dir) (tick source: \(Self.tickSource.recordingDescription))")
        if options.syscallBuffer && preloadLibrary == nil {
            options.status("syscalls are not buffered: libswrrpreload.so is not next to swrr, nor where swift build puts it")
        }
        if let seed = options.chaosSeed {
            options.status("chaos mode, seed \(seed) (--chaos-seed \(seed) makes the same choices again)")
        }
        do {
            // On the program's CPU (CPUBinding.onCPU says why).
            let status = try CPUBinding.onCPU(cpu) { try record(program: program, header: header, writer: writer) }
            try writer.finish(.complete(waitStatus: status))
            return RecordResult(traceDirectory: dir, waitStatus: status, eventCount: writer.eventCount)
        } catch {
            task?.kill()
            try? writer.finish(.aborted(reason: (error as? RecordError)?.traceReason ?? "\(error)"))
            throw error
        }
    }

    // MARK: the loop

    /// The recorder's side of syscall buffering (SyscallBuffering.swift).
    lazy var buffers = SyscallBuffers(library: preloadLibrary, writer: writerRef)
    /// Syscall entries and exits, recorded through the table (SyscallRecording.swift).
    lazy var syscalls = SyscallRecorder(recorder: self)
    /// Which task runs user code, the task set and the slices (Scheduler.swift).
    let scheduler: Scheduler
    /// Every live task, by tid.
    var tasks: [Int32: RecordTask] { scheduler.tasks }
    /// Stops of tasks whose parent's clone event has not been seen yet.
    var earlyStops: Set<Int32> = []
    var mainTid: Int32 = 0
    var mainStatus: Int32?
    /// The files the trace keeps: executables, libraries, mapped files, SysV segments (RecordedFiles.swift).
    lazy var files = RecordedFiles(writer: writerRef)
    /// The program's own ptrace, emulated (EmulatedPtrace.swift), and its tracers' waits (EmulatedWaits.swift).
    lazy var emulation = PtraceEmulation(scheduler: scheduler, writer: writerRef, buffers: buffers, waits: waits,
                                         syscalls: syscalls, status: options.status)
    lazy var waits = EmulatedWaits(scheduler: scheduler)
    lazy var writerRef: TraceWriter = self.writer!
    /// The program's own seccomp filters, emulated (ProgramSeccompFilter.swift).
    lazy var programFilters = ProgramSeccompFilters(scheduler: scheduler, writer: writerRef, buffers: buffers)
    /// Signals, job control and PTRACE_INTERRUPT stops (SignalRecorder.swift).
    lazy var signals = SignalRecorder(scheduler: scheduler, writer: writerRef, buffers: buffers,
                                      emulation: emulation, loop: self)

    private func record(program: String, header: TraceHeader, writer: TraceWriter) throws -> Int32 {
        let pid: pid_t
        do {
            let env = preloadLibrary.map { PreloadEnvironment.adding($0, to: header.environment) } ?? header.environment
            pid = try Spawner.spawn(path: program, argv: header.argv, env: env,
                                    cwd: header.workingDirectory, flags: Spawner.recordFlags,
                                    stackLimit: nil, signals: options.signals,
                                    ptraceOptions: recordPtraceOptions, cpu: header.boundCPU)
        } catch {
            throw RecordError.execFailed(options.program, "\(error)")
        }
        let task = Task(tid: pid)
        self.task = task
        let regs: Registers
        do {
            regs = try Spawner.runToExec(task: task, path: program)
        } catch {
            throw RecordError.execFailed(options.program, "\(error)")
        }
        try writer.append(.exec(try recordExec(task: task, program: program, regs: regs)))
        if syscallBuffering {
            do {
                try SeccompFilter.install(in: task)
            } catch {
                throw RecordError.tracee("\(error)")
            }
        }
        let main = RecordTask(task: task, process: RecordProcess(fds: FdTable()), state: .runnable)
        scheduler.add(main)
        mainTid = pid
        defer { killAll() }

        while !scheduler.isEmpty {
            if let sig = StopSignals.received { throw RecordError.stopped(signal: sig) }
            if scheduler.current == nil, let next = scheduler.next() {
                try survivingVanishedTasks {
                    try resumeUser(next)
                    scheduler.granted(next)
                }
                // It stopped for its emulated tracer without running, or it re-entered a syscall
                // its tracer stopped it at and blocked there: another task may take the slot now
                // (waiting for a stop here could wait forever).
                if scheduler.current == nil { continue }
            }
            guard let (tid, stop) = try Task.waitAny(timeoutMs: scheduler.waitTimeoutMs()) else {
                try survivingVanishedTasks { try onTimeout() }
                continue
            }
            if Self.debug { Self.debugLog("stop \(tid): \(stop) state \(tasks[tid].map { "\($0.state)" } ?? "unknown") current \(scheduler.current?.tid ?? 0)") }
            guard let t = tasks[tid] else {
                // A new task's first stop can come before its parent's clone event.
                if !stop.isTermination { earlyStops.insert(tid) }
                continue
            }
            try survivingVanishedTasks { try handle(stop, of: t) }
        }
        return mainStatus ?? 0
    }

    /// Runs `body`, taking a ptrace request that failed with ESRCH as the news that its task is
    /// on its way out. Between the stop the recorder saw and its next request, another thread's
    /// exit_group or execve, or a SIGKILL, can end a task: it is then no longer stopped for us
    /// (measured: a Go program's exit_group failed half its recordings with "resuming task N: No
    /// such process" when the scheduler picked a thread the group exit was killing). Its end is
    /// still reported by waitpid and recorded as usual.
    private func survivingVanishedTasks(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as TraceeError {
            guard let tid = e.vanished, let t = tasks[tid] else { throw e }
            if Self.debug { Self.debugLog("task \(tid) vanished: \(e)") }
            t.state = .exiting
            t.interruptPending = false
            scheduler.release(t)
        }
    }

    static let debug = getenv("SWRR_DEBUG") != nil
    /// Probed once per process: the recorder always follows the no-PMU policy for now, and the
    /// header says "none" accordingly.
    static let tickSource = TickSource.detect()

    static func debugLog(_ s: String) {
        let line = Array("swrr-debug: \(s)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    private func killAll() {
        for t in scheduler.removeAll() { t.task.kill() }
        self.task = nil
    }

    /// Resumes a stopped task into user code (or into the syscall it is stopped at).
    func resumeUser(_ t: RecordTask) throws {
        if t.ptrace != nil || t.reenterSyscall, try emulation.ptraceBeforeResume(t) { return }
        scheduler.running(t)
        let sig = t.resumeSignal
        t.resumeSignal = 0
        try t.task.resume(emulation.ptraceResumeMode(t) ?? buffers.userMode(t), signal: sig)
    }

    /// The holder of the slot whose stall has been told (Scheduler.stalledHolder): once per turn.
    private var stallTold: (tid: Int32, since: UInt64)?

    /// The wait for a stop timed out: do what the scheduler decides.
    private func onTimeout() throws {
        scheduler.pollHeldWaits()
        if let (holder, waiting) = scheduler.stalledHolder(), stallTold.map({ $0 != (holder.tid, holder.slotSince) }) ?? true {
            // Never a silent hang: what the holder does, as /proc says.
            stallTold = (holder.tid, holder.slotSince)
            let doing = TaskActivity.read(tgid: holder.task.tgid, tid: holder.tid)?.description ?? "gone from /proc"
            options.status("task \(holder.tid) has held the recording's turn for \(Scheduler.stallNoteMs / 1000) s while "
                           + "\(waiting) other task(s) wait for it: it is \(doing) (swrr \(holder.state), "
                           + "\(holder.writableCodeRetries) position(s) given up in a row)")
        }
        let asleepInBufferedCall = { (t: RecordTask) in
            TaskActivity.sleepingSyscall(tgid: t.task.tgid, tid: t.task.tid)?.pc == SyscallBufferLayout.untracedSyscallEnd
        }
        for action in scheduler.timeout(asleepInBufferedCall: asleepInBufferedCall) {
            switch action {
            case .blocked(let c, let marker):
                if marker { try writerRef.append(.syscallEntry(SyscallEntryEvent(
                    tid: c.tid, number: Int32(truncatingIfNeeded: Int64(bitPattern: c.entry.origRax)),
                    registers: c.entry))) }
                scheduler.blocked(c)
            case .stopBuffering(let c):
                buffers.interruptBuffering(c)
            case .interrupt(let t):
                try t.task.interrupt()
                t.interruptPending = true
            }
        }
    }

    func handle(_ stop: Stop, of t: RecordTask) throws {
        if scheduler.endingGroups.contains(t.task.tgid) && !stop.isTermination && stop != .event(.exit) {
            // Its process is in exit_group: whatever this thread's stop says (the exit of a call
            // that was blocked, a signal) nobody can observe it, and replay, which runs the
            // exit_group for real, could not reproduce it. Let it die.
            t.state = .exiting
            try t.task.resume(.cont)
            return
        }
        switch stop {
        case .event(.seccomp) where t.state == .running:
            // With buffering, the seccomp filter's stop is the syscall's entry.
            t.awaitingArmedCall = false
            t.entry = try t.task.registers()
            let index = try t.task.eventMessage()
            if index != 0 && t.entry.rip == SyscallBufferLayout.untracedSyscallEnd {
                try programFilters.filteredBufferedCall(t)
                return
            }
            try syscalls.entry(t, filterIndex: index)
        case .syscall:
            switch t.state {
            case .running:
                t.entry = try t.task.registers()
                if syscallBuffering && t.entry.rip == SyscallBufferLayout.untracedSyscallEnd {
                    // Only a PTRACE_SYSCALL resume stops here (after a desched event fired early).
                    try buffers.untracedSyscallStop(t)
                    return
                }
                t.awaitingArmedCall = false
                try syscalls.entry(t)
            case .inSyscall, .blocked:
                try syscalls.restoreClearedFlags(t)
                if try waits.heldWaitExit(t) { return }
                let wasBlocked = t.state == .blocked
                var exitRegisters: Registers?
                if t.syscallRecorded {
                    t.syscallRecorded = false
                } else {
                    exitRegisters = try syscalls.exit(t)
                }
                if t.state == .exiting || tasks[t.tid] == nil { return }
                // The registers syscallExit already read (one PTRACE_GETREGS per stop, ≈ 2 µs).
                t.boundary = try exitRegisters ?? t.task.registers()
                if t.ptrace != nil || t.ptraceEntryRecorded, emulation.emulatedSyscallExitStop(t) { return }
                // A syscall is a switch point: the others may have a turn.
                if scheduler.syscallExited(t, wasBlocked: wasBlocked) { try resumeUser(t) }
            default:
                try resumeUser(t)
            }
        case .signal(let sig):
            try signals.signalStop(t, signal: sig)
        case .event(let e):
            try ptraceEvent(e, of: t)
        case .exited, .killed:
            let status: Int32
            if case .exited(let code) = stop { status = WaitStatus.exited(code) }
            else if case .killed(let sig, let core) = stop { status = WaitStatus.killed(sig, core: core) }
            else { status = 0 }
            buffers.releaseSharedBuffer(t)
            buffers.forgetDesched(t)
            if let execer = tasks.values.first(where: { $0 !== t && $0.task.tgid == t.task.tgid && $0.isInExec }) {
                // Ended by that exec (or beside it): its exit event goes after the exec's, which
                // is what ends it on replay (ExecTakeover.swift).
                execer.execVictims.append((t.tid, status))
            } else {
                try writerRef.append(.exit(ExitEvent(tid: t.tid, waitStatus: status)))
            }
            if t.tid == mainTid { mainStatus = status }
            if t.tid == t.task.tgid { scheduler.endingGroups.remove(t.tid) }
            scheduler.remove(t)
            emulation.ptraceTaskEnded(t, waitStatus: status)
        }
    }

    private func ptraceEvent(_ e: PtraceEvent, of t: RecordTask) throws {
        switch e {
        case .fork, .vfork, .clone:
            let child = Int32(truncatingIfNeeded: try t.task.eventMessage())
            let isClone = Syscall(number: Int64(bitPattern: t.entry.origRax)) == .clone
            let flags = isClone ? CloneFlags(rawValue: t.entry.syscallArgs[0]) : []
            let isThread = flags.contains(.thread)
            let sharesFiles = flags.contains(.files)
            let process = isThread || sharesFiles ? t.process : RecordProcess(fds: t.process.fds)
            let c = RecordTask(task: Task(tid: child, tgid: isThread ? t.task.tgid : child), process: process,
                               state: earlyStops.remove(child) != nil ? .runnable : .newborn)
            c.filters = t.filters   // seccomp filters and no_new_privs are inherited by every new task
            c.noNewPrivs = t.noNewPrivs
            // It started with the caller's registers, flags cleared at the entry included: given
            // back now if it is stopped already, else at its first stop.
            c.clearedArg = t.clearedArg
            if c.state == .runnable { try syscalls.restoreClearedFlags(c) }
            scheduler.add(c)
            // The event is complete now (its result is the child), and the child's events must
            // come after it: with CLONE_VFORK the parent only returns once the child has exec'd.
            let number = Int32(truncatingIfNeeded: Int64(bitPattern: t.entry.origRax))
            let (result, spawned) = spawnedIds(parent: t.tid, child: child)
            try writerRef.append(.syscall(SyscallEvent(
                tid: t.tid, number: number, args: t.entry.syscallArgs, registers: t.entry, result: result,
                spawned: spawned)))
            t.syscallRecorded = true
            if t.ptrace != nil { emulation.emulatedTraceeCreated(c, by: t, event: e, cloneFlags: isClone ? flags : nil) }
            // (After the emulated tracer took it: a child the program traces never buffers.)
            buffers.inheritBuffer(parent: t, child: c, sharesMemory: e == .vfork || flags.contains(.vm), newTLS: flags.contains(.setTLS),
                          vfork: e == .vfork || flags.contains(.vfork))
            if e == .vfork || flags.contains(.vfork) { scheduler.blocked(t) }
            try t.task.resume(.syscall)
        case .exec:
            let execer = try takeOverAfterExec(reportedBy: t,
                                               formerTid: Int32(truncatingIfNeeded: try t.task.eventMessage()))
            execer.task.addressSpaceChanged()
            buffers.releaseSharedBuffer(execer)   // (before the buffer goes: it may be borrowed)
            execer.buffer = nil
            buffers.forgetDesched(execer)
            try execer.task.resume(.syscall)
        case .exit:
            t.state = .exiting
            try buffers.borrowerExiting(t)
            // A thread's exit clears its CLONE_CHILD_CLEARTID word and wakes futex waiters
            // (pthread_join) from inside the kernel, after this stop. Nobody else may run user
            // code until that has happened, or the order of that write against theirs is
            // chance; replay waits for the same. A group leader's end is only reported once
            // all its threads are gone, so it gives up the CPU here.
            if t.task.tid == t.task.tgid { scheduler.release(t) }
            if t.ptrace != nil, try emulation.emulatedExitEventStop(t) { return }
            try t.task.resume(.cont)
        case .stop:
            if t.state == .newborn {
                t.state = .runnable
                try syscalls.restoreClearedFlags(t)
                return
            }
            if try signals.jobControlStop(t) { return }
            if t.interruptPending {
                t.interruptPending = false
                try signals.interrupted(t)
                return
            }
            // Another event stop (PTRACE_INTERRUPT's, or a SIGCONT's): keep going as before.
            if t.state == .running {
                try t.task.resume(buffers.userMode(t))
            } else if t.state == .inSyscall || t.state == .blocked {
                try t.task.resume(.syscall)
            }
        case .seccomp:
            // A seccomp stop of a task already inside its syscall: PTRACE_SYSCALL showed the
            // entry. Without buffering only the program's filters make these.
            let index = try t.task.eventMessage()
            if index != 0 && (t.state == .inSyscall || t.state == .blocked) && !t.syscallRecorded,
               try programFilters.applyProgramFilter(t, index: index) {
                return
            }
            try t.task.resume(.syscall)
        case .vforkDone:
            try t.task.resume(.syscall)
        }
    }

    /// The end of an execve: patch the vDSO into real syscalls, keep the executable and libraries,
    /// save the initial stack and the address-space layout.
    func recordExec(task: Task, program: String, regs: Registers, tid: Int32? = nil) throws -> ExecEvent {
        try VDSO.patch(task: task)
        try ScratchPage.map(in: task)
        try StubPage.map(in: task, replaying: false)
        try files.followed.publish(to: task)
        let maps = try task.mappings()
        let stack = try InitialStack.capture(task: task, rsp: regs.rsp, mappings: maps)
        let exe = try files.executable(program, of: task, mappings: maps)
        return ExecEvent(tid: tid ?? task.tid, originalPath: program, executable: exe, registers: regs, stack: stack,
                         mappings: maps.map {
                             Mapping(start: $0.start, end: $0.end, offset: $0.offset, permissions: $0.permissions,
                                     name: $0.name)
                         })
    }

}

func readLink(_ path: String) -> String? {
    var buf = [Int8](repeating: 0, count: 4097)
    let n = readlink(path, &buf, 4096)
    guard n > 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
