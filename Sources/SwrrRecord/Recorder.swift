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

public final class Recorder {
    let options: RecordOptions
    var writer: TraceWriter?
    var task: Task?
    /// The preload library in use (nil: syscalls are not buffered).
    let preloadLibrary: String?
    /// Syscalls are buffered: the seccomp filter stops only unbuffered ones, so user code is
    /// resumed with PTRACE_CONT (PTRACE_SYSCALL would stop at the library's syscalls too).
    var syscallBuffering: Bool { preloadLibrary != nil }
    var userResume: ResumeMode { syscallBuffering ? .cont : .syscall }
    /// How to resume `t` into user code: with PTRACE_SYSCALL while its next buffered call must be
    /// caught at its entry (see SyscallBuffering.swift, deschedStop).
    func userMode(_ t: RecordTask) -> ResumeMode { t.awaitingArmedCall ? .syscall : userResume }

    public init(options: RecordOptions) {
        self.options = options
        preloadLibrary = options.syscallBuffer ? PreloadLibrary.find() : nil
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
        let header = makeHeader(program: program, cpu: cpu)
        let writer = try TraceWriter(directory: dir, header: header)
        self.writer = writer
        if options.outputDirectory == nil { try? TraceStore.setLatest(dir) }
        options.status("recording to \(dir) (tick source: \(Self.tickSource.recordingDescription))")
        if options.syscallBuffer && preloadLibrary == nil {
            options.status("syscalls are not buffered: libswrrpreload.so is not next to swrr, nor where swift build puts it")
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

    private func makeHeader(program: String, cpu: Int?) -> TraceHeader {
        let sig = CPUProbe.signature
        let k = CPUProbe.kernel()
        var rl = rlimit()
        getrlimit(Int32(RLIMIT_STACK.rawValue), &rl)
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return TraceHeader(
            formatVersion: TraceFormat.version, swrrVersion: TraceFormat.swrrVersion,
            createdAt: Double(t.tv_sec) + Double(t.tv_nsec) / 1e9, program: program,
            argv: [options.program] + options.arguments, environment: options.environment,
            workingDirectory: options.workingDirectory, tickSource: "none",
            cpu: CPUDescription(vendor: CPUProbe.vendor, brand: CPUProbe.brand, family: sig.family,
                                model: sig.model, stepping: sig.stepping,
                                cpuid: CPUProbe.snapshot(onCPU: cpu).map {
                                    CPUIDLeaf(leaf: $0.leaf, subleaf: $0.subleaf, eax: $0.eax, ebx: $0.ebx,
                                              ecx: $0.ecx, edx: $0.edx)
                                }),
            kernel: KernelDescription(sysname: k.sysname, release: k.release, version: k.version,
                                      machine: k.machine),
            stackLimit: [UInt64(rl.rlim_cur), UInt64(rl.rlim_max)],
            ignoredSignals: options.signals.ignored, blockedSignals: options.signals.blocked,
            preloadLibrary: preloadLibrary, boundCPU: cpu)
    }

    // MARK: the loop

    /// Which task runs user code, the task set and the slices (Scheduler.swift).
    let scheduler = Scheduler()
    /// Every live task, by tid.
    var tasks: [Int32: RecordTask] { scheduler.tasks }
    /// Stops of tasks whose parent's clone event has not been seen yet.
    var earlyStops: Set<Int32> = []
    var mainTid: Int32 = 0
    var mainStatus: Int32?
    /// The trace's copy of each SysV shared memory segment attached so far, by segment id.
    var sysvSegments: [UInt64: MappedFile] = [:]
    /// Files mapped in the recording whose changes by later calls replay must see.
    var mappedFiles = MappedFileUpdates()
    /// Processes (by tgid) whose exit_group has been recorded: nothing more of theirs is recorded
    /// but their tasks' ends.
    var endingGroups: Set<Int32> = []
    /// Ends of the program's own tracees that only their tracers' waits report (EmulatedPtrace.swift).
    var ptraceZombies: [EmulatedZombie] = []
    lazy var writerRef: TraceWriter = self.writer!
    /// The original actions of every filter the program installed (ProgramSeccompFilter.swift).
    var seccompRewriter = SeccompFilterRewriter()

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
        try writer.append(.exec(try recordExec(task: task, program: program, regs: regs, writer: writer)))
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
            if Self.debug { debugLog("stop \(tid): \(stop) state \(tasks[tid].map { "\($0.state)" } ?? "unknown") current \(scheduler.current?.tid ?? 0)") }
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
            if Self.debug { debugLog("task \(tid) vanished: \(e)") }
            t.state = .exiting
            t.interruptPending = false
            scheduler.release(t)
        }
    }

    static let debug = getenv("SWRR_DEBUG") != nil
    /// Probed once per process: the recorder always follows the no-PMU policy for now, and the
    /// header says "none" accordingly.
    static let tickSource = TickSource.detect()

    func debugLog(_ s: String) {
        let line = Array("swrr-debug: \(s)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    private func killAll() {
        for t in scheduler.removeAll() { t.task.kill() }
        self.task = nil
    }

    /// Resumes a stopped task into user code (or into the syscall it is stopped at).
    func resumeUser(_ t: RecordTask) throws {
        if t.ptrace != nil || t.reenterSyscall, try ptraceBeforeResume(t) { return }
        scheduler.running(t)
        let sig = t.resumeSignal
        t.resumeSignal = 0
        try t.task.resume(ptraceResumeMode(t) ?? userMode(t), signal: sig)
    }

    /// The wait for a stop timed out: do what the scheduler decides.
    private func onTimeout() throws {
        scheduler.pollHeldWaits()
        for action in scheduler.timeout() {
            switch action {
            case .blocked(let c, let marker):
                if marker { try writerRef.append(.syscallEntry(SyscallEntryEvent(
                    tid: c.tid, number: Int32(truncatingIfNeeded: Int64(bitPattern: c.entry.origRax)),
                    registers: c.entry))) }
                scheduler.blocked(c)
            case .stopBuffering(let c):
                interruptBuffering(c)
            case .interrupt(let t):
                try t.task.interrupt()
                t.interruptPending = true
            }
        }
    }

    func handle(_ stop: Stop, of t: RecordTask) throws {
        if endingGroups.contains(t.task.tgid) && !stop.isTermination && stop != .event(.exit) {
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
                try filteredBufferedCall(t)
                return
            }
            try syscallEntry(t, filterIndex: index)
        case .syscall:
            switch t.state {
            case .running:
                t.entry = try t.task.registers()
                if syscallBuffering && t.entry.rip == SyscallBufferLayout.untracedSyscallEnd {
                    // Only a PTRACE_SYSCALL resume stops here (after a desched event fired early).
                    try untracedSyscallStop(t)
                    return
                }
                t.awaitingArmedCall = false
                try syscallEntry(t)
            case .inSyscall, .blocked:
                if try heldWaitExit(t) { return }
                let wasBlocked = t.state == .blocked
                var exitRegisters: Registers?
                if t.syscallRecorded {
                    t.syscallRecorded = false
                } else {
                    exitRegisters = try syscallExit(t)
                }
                if t.state == .exiting || tasks[t.tid] == nil { return }
                // The registers syscallExit already read (one PTRACE_GETREGS per stop, ≈ 2 µs).
                t.boundary = try exitRegisters ?? t.task.registers()
                if t.ptrace != nil || t.ptraceEntryRecorded, emulatedSyscallExitStop(t) { return }
                // A syscall is a switch point: the others may have a turn.
                if scheduler.syscallExited(t, wasBlocked: wasBlocked) { try resumeUser(t) }
            default:
                try resumeUser(t)
            }
        case .signal(let sig):
            try signalStop(t, signal: sig)
        case .event(let e):
            try ptraceEvent(e, of: t)
        case .exited, .killed:
            let status: Int32
            if case .exited(let code) = stop { status = WaitStatus.exited(code) }
            else if case .killed(let sig, let core) = stop { status = WaitStatus.killed(sig, core: core) }
            else { status = 0 }
            releaseSharedBuffer(t)
            forgetDesched(t)
            if let execer = tasks.values.first(where: { $0 !== t && $0.task.tgid == t.task.tgid && $0.isInExec }) {
                // Ended by that exec (or beside it): its exit event goes after the exec's, which
                // is what ends it on replay (ExecTakeover.swift).
                execer.execVictims.append((t.tid, status))
            } else {
                try writerRef.append(.exit(ExitEvent(tid: t.tid, waitStatus: status)))
            }
            if t.tid == mainTid { mainStatus = status }
            if t.tid == t.task.tgid { endingGroups.remove(t.tid) }
            scheduler.remove(t)
            ptraceTaskEnded(t, waitStatus: status)
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
            scheduler.add(c)
            // The event is complete now (its result is the child), and the child's events must
            // come after it: with CLONE_VFORK the parent only returns once the child has exec'd.
            let number = Int32(truncatingIfNeeded: Int64(bitPattern: t.entry.origRax))
            let (result, spawned) = spawnedIds(parent: t.tid, child: child)
            try writerRef.append(.syscall(SyscallEvent(
                tid: t.tid, number: number, args: t.entry.syscallArgs, registers: t.entry, result: result,
                spawned: spawned)))
            t.syscallRecorded = true
            inheritBuffer(parent: t, child: c, sharesMemory: e == .vfork || flags.contains(.vm), newTLS: flags.contains(.setTLS),
                          vfork: e == .vfork || flags.contains(.vfork))
            if t.ptrace != nil { emulatedTraceeCreated(c, by: t, event: e, cloneFlags: isClone ? flags : nil) }
            if e == .vfork || flags.contains(.vfork) { scheduler.blocked(t) }
            try t.task.resume(.syscall)
        case .exec:
            let execer = try takeOverAfterExec(reportedBy: t,
                                               formerTid: Int32(truncatingIfNeeded: try t.task.eventMessage()))
            execer.task.addressSpaceChanged()
            execer.buffer = nil
            forgetDesched(execer)
            releaseSharedBuffer(execer)
            try execer.task.resume(.syscall)
        case .exit:
            t.state = .exiting
            // A thread's exit clears its CLONE_CHILD_CLEARTID word and wakes futex waiters
            // (pthread_join) from inside the kernel, after this stop. Nobody else may run user
            // code until that has happened, or the order of that write against theirs is
            // chance; replay waits for the same. A group leader's end is only reported once
            // all its threads are gone, so it gives up the CPU here.
            if t.task.tid == t.task.tgid { scheduler.release(t) }
            if t.ptrace != nil, try emulatedExitEventStop(t) { return }
            try t.task.resume(.cont)
        case .stop:
            if t.state == .newborn {
                t.state = .runnable
                return
            }
            if try jobControlStop(t) { return }
            if t.interruptPending {
                t.interruptPending = false
                try interrupted(t)
                return
            }
            // Another event stop (PTRACE_INTERRUPT's, or a SIGCONT's): keep going as before.
            if t.state == .running {
                try t.task.resume(userMode(t))
            } else if t.state == .inSyscall || t.state == .blocked {
                try t.task.resume(.syscall)
            }
        case .seccomp:
            // A seccomp stop of a task already inside its syscall: PTRACE_SYSCALL showed the
            // entry. Without buffering only the program's filters make these.
            let index = try t.task.eventMessage()
            if index != 0 && (t.state == .inSyscall || t.state == .blocked) && !t.syscallRecorded,
               try applyProgramFilter(t, index: index) {
                return
            }
            try t.task.resume(.syscall)
        case .vforkDone:
            try t.task.resume(.syscall)
        }
    }

    /// Our PTRACE_INTERRUPT arrived: deliver signals held back too long here, or check whether
    /// the task is spinning and should give the slot away.
    private func interrupted(_ t: RecordTask) throws {
        switch scheduler.interrupted(t) {
        case .deliverHeld:
            return try deliverHeldHere(t)
        case .checkSpin:
            switch try SpinDetector.check(t.task) {
            case .notSpinning: break
            case .interrupted(let stop): return try handle(stop, of: t)
            case .spinning:
                try flushBuffer(t)
                try writerRef.append(.preempt(PreemptEvent(tid: t.tid, registers: try t.task.registers())))
                scheduler.yielded(t)
                return
            }
        case .resume:
            break
        }
        try resumeUser(t)
    }

    // MARK: syscalls

    /// At a syscall entry.
    func syscallEntry(_ t: RecordTask, filterIndex: UInt64 = 0) throws {
        let task = t.task
        let regs = t.entry
        let writer = writerRef
        if t.ptrace != nil, try emulatedSyscallEntryStop(t) { return }
        t.refusal = nil
        try flushBuffer(t)
        // Signals that arrived while it ran user code are raised again now, so they interrupt
        // this syscall if it blocks and are delivered right after it (DESIGN.md §2).
        if !t.held.isEmpty {
            for h in t.held { task.sendSignal(h.signal) }
            t.reraised += t.held
            t.held = []
        }
        // The program's own filter acts before the kernel would look at the call (a call swrr
        // cannot record is no matter then: the kernel never runs it).
        if filterIndex != 0, try applyProgramFilter(t, index: filterIndex) { return }
        if filterIndex == 0, try programFilterStopsNext(t) { return }
        let number = Int(Int64(bitPattern: regs.origRax))
        guard let spec = SyscallTable.spec(number) else {
            throw RecordError.unsupported(.syscall(number: number), event: writer.eventCount)
        }
        do {
            // Unknown ioctls and the like are refused before the kernel runs them.
            _ = try SyscallOutputs.ranges(for: spec, args: regs.syscallArgs, result: 0) { _, _ in nil }
        } catch let u as Unsupported {
            throw RecordError.unsupported(u, event: writer.eventCount)
        }
        if spec.replay == .exit {
            // No exit stop follows: the event is complete now.
            try writer.append(.syscall(SyscallEvent(
                tid: task.tid, number: Int32(number), args: regs.syscallArgs, registers: regs, result: 0,
                strings: capturedStrings(task: task, spec: spec, args: regs.syscallArgs))))
            // No exit stop follows, and no "blocked" marker may follow its event: it is on its
            // way out (and keeps the CPU until then if it is a thread, see ptraceEvent(.exit)).
            t.state = .exiting
            if spec.endsThreadGroup { endingGroups.insert(task.tgid) }
            try task.resume(.syscall)
            return
        }
        var refusal: Int32? = nil
        switch spec.record {
        case .run: break
        case .refuse(let e): refusal = e
        case .refuseWhenEchoing(let fdArg, let e):
            if t.process.fds.echoTarget(regs.syscallArgs[fdArg]) != 0 { refusal = e }
        case .emulatePtrace:
            refusal = Int32(truncatingIfNeeded: -(try emulatePtrace(t, args: regs.syscallArgs)))
        }
        switch try emulatedWait(t, number: number, args: regs.syscallArgs) {
        case .kernel: break
        case .answer(let r): refusal = Int32(truncatingIfNeeded: -r)
        case .noHang(let arg, let original):
            var r = regs
            var args = r.syscallArgs
            args[arg] = original | 1   // WNOHANG
            r.syscallArgs = args
            try task.setRegisters(r)
            t.waitNoHang = (arg, original)
        }
        // swrr's own calls only from the stub's instruction: a program's syscall(1000) is ENOSYS.
        let ownCall = SyscallBufferLayout.isOwnCall(number, rip: regs.rip)
        if ownCall && number == SyscallBufferLayout.registerBufferCall && acceptsBuffer(from: t) {
            // "Yes" (the call's result is 0, refusal being -errno), and when the task is its
            // process's only thread, "patch libc now" (1): no other thread can be inside the code.
            let soleThread = !tasks.values.contains { $0 !== t && $0.task.tgid == t.task.tgid }
            refusal = soleThread ? -Int32(SyscallBufferLayout.patchAnswer) : 0
        }
        if ownCall && number == SyscallBufferLayout.registerDeschedCall,
           acceptsDesched(from: t, fd: Int32(truncatingIfNeeded: regs.syscallArgs[0])) {
            refusal = 0
        }
        if let v = privilegeAnswer(t, number: number, args: regs.syscallArgs) {
            refusal = Int32(truncatingIfNeeded: -v)   // the call returns -refusal
        }
        if refusal == nil { try rewriteProgramFilter(t, number: number, args: regs.syscallArgs) }
        if let e = refusal {
            var r = regs
            r.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
            try task.setRegisters(r)
            t.refusal = e
        }
        t.state = .inSyscall
        try task.resume(.syscall)
        if scheduler.yieldsAtEntry(t, likelyToBlock: t.waitNoHang == nil && spec.blocking.isLikely(args: regs.syscallArgs)) {
            // A wait that will almost surely block (futex wait, sleeps, waits for children…):
            // give the others the CPU now rather than after blockTimeoutMs. (Its entry is in the
            // trace already when its emulated tracer saw it.)
            if !t.ptraceEntryRecorded {
                try writer.append(.syscallEntry(SyscallEntryEvent(tid: t.tid, number: Int32(number), registers: regs)))
            }
            scheduler.blocked(t)
        }
    }

    /// At a syscall exit: records the call. Returns the task's registers as it will resume
    /// (nil when they were not read).
    private func syscallExit(_ t: RecordTask) throws -> Registers? {
        let task = t.task
        let entry = t.entry
        let writer = writerRef
        let number = Int(Int64(bitPattern: entry.origRax))
        if let f = t.filtered { return try filteredSyscallExit(t, verdict: f.verdict, result: f.result) }
        try restoreProgramFilter(t)
        try notePrivileges(t)
        guard let spec = SyscallTable.spec(number) else { return nil }
        var regs = try task.registers()
        if let e = t.refusal {
            regs.rax = UInt64(bitPattern: -Int64(e))
            // The entry set orig_rax to -1 so that the kernel skipped the call; put the number
            // back, as replay (PTRACE_SYSEMU) has it: a signal delivered at this exit records
            // every register (measured: python3's SIGCHLD right after swrr_register_desched
            // diverged in 2 of 10 recordings, orig_rax 0x3ec against -1).
            regs.origRax = entry.origRax
            try task.setRegisters(regs)
            t.refusal = nil
        }
        let args = entry.syscallArgs
        let result = regs.syscallResult
        if spec.replay == .exec && result == 0 {
            let exe = readLink("/proc/\(task.tid)/exe") ?? "/proc/\(task.tid)/exe"
            try writer.append(.exec(try recordExec(task: task, program: exe, regs: regs, writer: writer,
                                                   tid: t.execFormerTid ?? task.tid)))
            t.execFormerTid = nil
            try writeExecVictims(of: t)
            // exec closes O_CLOEXEC descriptors; which ones is not tracked yet, so keep the table.
            return nil
        }
        let ranges: [MemoryRange]
        do {
            ranges = try SyscallOutputs.ranges(for: spec, args: args, result: result, readMemory: { addr, n in
                try? task.readMemory(addr, count: n)
            }, semaphoreCount: SysVSemaphores.count(of:))
        } catch let u as Unsupported {
            throw RecordError.unsupported(u, event: writer.eventCount)
        }
        var writes: [MemoryWrite] = []
        writes.reserveCapacity(ranges.count)
        for r in ranges {
            guard let bytes = try? task.readMemory(r.address, count: r.length) else {
                throw RecordError.tracee("cannot read the output of \(spec.name) at 0x\(String(r.address, radix: 16))")
            }
            writes.append(MemoryWrite(address: r.address, bytes: bytes))
        }
        var echo: UInt8 = 0
        if let w = spec.writesToFd, result > 0 {
            switch w {
            case .buffer(let fdArg, _), .iovecs(let fdArg, _, _): echo = t.process.fds.echoTarget(args[fdArg])
            }
        }
        var mapped: MappedFile? = nil
        if spec.replay == .mmap && result >= 0 {
            mapped = try mappedFile(task: task, args: args, writer: writer)
        }
        if spec.replay == .shmAttach && result >= 0 {
            mapped = try sysvSegment(id: args[0], at: UInt64(bitPattern: result), task: task, writer: writer)
        }
        t.applyFdEffect(spec.fdEffect, args: args, result: result) {
            guard case .fdPair(let a) = spec.fdEffect, let b = try? task.readMemory(args[a], count: 8) else { return nil }
            return (Int64(Int32(bitPattern: b.loadU32(at: 0))), Int64(Int32(bitPattern: b.loadU32(at: 4))))
        }
        let fileUpdate = try spec.fileChange.flatMap { try mappedFiles.update($0, args: args, result: result, task: task) }
        try writer.append(.syscall(SyscallEvent(
            tid: task.tid, number: Int32(number), args: args, registers: entry, result: result,
            writes: writes, echoFd: echo, mappedFile: mapped,
            strings: capturedStrings(task: task, spec: spec, args: args), fileUpdate: fileUpdate)))
        if number == SyscallBufferLayout.registerBufferCall && (result == 0 || result == SyscallBufferLayout.patchAnswer) {
            registerBuffer(t, address: args[0])
        }
        // Threads that ended while this exec was under way, which then failed.
        if !t.execVictims.isEmpty { try writeExecVictims(of: t) }
        return regs
    }

    /// The file behind a successful mmap, copied or linked into the trace. nil for anonymous memory.
    private func mappedFile(task: Task, args: [UInt64], writer: TraceWriter) throws -> MappedFile? {
        let flags = args[3]
        let fd = Int32(truncatingIfNeeded: args[4])
        if flags & MmapFlags.anonymous != 0 || fd < 0 { return nil }
        let link = "/proc/\(task.tid)/fd/\(fd)"
        var st = stat()
        guard stat(link, &st) == 0 else { throw RecordError.tracee("cannot stat mapped fd \(fd)") }
        let path = readLink(link) ?? link
        if (st.st_mode & S_IFMT) == S_IFCHR && path == "/dev/zero" { return nil }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw RecordError.tracee("mmap of \(path), which is not a regular file, is not supported yet")
        }
        // A file mapped before is the same file to replay, whatever was written to it since:
        // replay's copy has followed those changes (MappedFileUpdates).
        if let followed = mappedFiles.file(for: st) { return followed }
        // A file mapped through a writable descriptor may change under the mapping: kept as a copy,
        // which replay maps from a scratch copy of its own and keeps up to date (a hard link would
        // be the live file).
        let file = try writer.addFile(path: Recorder.usablePath(path, of: link), name: path,
                                      copy: Recorder.isWritable(fd: fd, of: task.tid))
        var kept = stat()
        if stat(writer.directory + "/" + file.traceName, &kept) == 0 && kept.st_nlink == 1
            && mappedFiles.follow(file, st) {
            try publishMappedFiles()
        }
        return file
    }

    /// Whether descriptor `fd` of `tid` was opened for writing (the access mode in /proc/TID/fdinfo's
    /// octal "flags:" line).
    static func isWritable(fd: Int32, of tid: Int32) -> Bool {
        guard let info = readTextFile("/proc/\(tid)/fdinfo/\(fd)"),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
              let flags = UInt64(line.dropFirst("flags:".count).filter { $0 != " " && $0 != "\t" }, radix: 8) else { return false }
        return flags & 0o3 != 0   // O_WRONLY 1, O_RDWR 2
    }

    /// Gives every recorded process the bitmap of followed files (their buffered writes must
    /// become recorded syscalls).
    private func publishMappedFiles() throws {
        var done: Set<Int32> = []
        for t in tasks.values where t.state != .exiting && done.insert(t.task.tgid).inserted {
            // (A child whose first stop is not collected yet already has its memory, a copy of
            // its parent's from before this.)
            if t.state == .newborn { try? mappedFiles.publish(to: t.task) } else { try mappedFiles.publish(to: t.task) }
        }
    }

    /// `path` when it names the file that the /proc `link` (/proc/PID/fd/N, /proc/PID/exe) opens,
    /// else `link` itself: deleted files and memfds have no usable path ('/memfd:NAME (deleted)'),
    /// but the link still opens them, so they are copied through it.
    static func usablePath(_ path: String, of link: String) -> String {
        var byLink = stat(), byPath = stat()
        guard stat(link, &byLink) == 0 else { return path }
        let same = stat(path, &byPath) == 0 && byPath.st_dev == byLink.st_dev && byPath.st_ino == byLink.st_ino
        return same ? path : link
    }

    /// The segment shmat just attached at `address`, copied into the trace at its first
    /// attachment (through /proc/PID/map_files: SysV segments have no path). Later attachments
    /// share that copy: on replay it is one file, written through by every attachment.
    private func sysvSegment(id: UInt64, at address: UInt64, task: Task, writer: TraceWriter) throws -> MappedFile {
        if let kept = sysvSegments[id] { return kept }
        guard let m = try task.mappings().first(where: { $0.start == address }) else {
            throw RecordError.tracee("shmat attached segment \(id) at 0x\(String(address, radix: 16)), but no mapping starts there")
        }
        let file = try writer.addFile(path: "/proc/\(task.tid)/map_files/\(String(m.start, radix: 16))-\(String(m.end, radix: 16))")
        sysvSegments[id] = file
        return file
    }

    /// The end of an execve: patch the vDSO into real syscalls, keep the executable and libraries,
    /// save the initial stack and the address-space layout.
    private func recordExec(task: Task, program: String, regs: Registers, writer: TraceWriter,
                            tid: Int32? = nil) throws -> ExecEvent {
        try VDSO.patch(task: task)
        try ScratchPage.map(in: task)
        try StubPage.map(in: task, replaying: false)
        try mappedFiles.publish(to: task)
        let maps = try task.mappings()
        let stack = try InitialStack.capture(task: task, rsp: regs.rsp, mappings: maps)
        // fexecve of a memfd (or of a file deleted since) runs a file with no usable path: kept
        // through /proc/TID/exe, under the name the kernel gives it.
        let exe = try writer.addFile(path: Recorder.usablePath(program, of: "/proc/\(task.tid)/exe"), name: program)
        // Libraries the kernel mapped (the ELF interpreter) are kept too, for `swrr pack` and for
        // debugging the trace on another machine.
        // The names in the maps are the program's: in a mount namespace of its own they may name
        // other files here, or none, so a name that does not open the mapped file is read
        // through /proc/TID/map_files.
        for m in maps where m.name.hasPrefix("/") && m.name != program && m.inode != 0 {
            let link = "/proc/\(task.tid)/map_files/\(String(m.start, radix: 16))-\(String(m.end, radix: 16))"
            _ = try? writer.addFile(path: Recorder.usablePath(m.name, of: link), name: m.name)
        }
        return ExecEvent(tid: tid ?? task.tid, originalPath: program, executable: exe, registers: regs, stack: stack,
                         mappings: maps.map {
                             Mapping(start: $0.start, end: $0.end, offset: $0.offset, permissions: $0.permissions,
                                     name: $0.name)
                         })
    }

    private func capturedStrings(task: Task, spec: SyscallSpec, args: [UInt64]) -> [String] {
        guard spec.args.contains(.path) else { return [] }
        return spec.args.enumerated().map { i, kind in
            kind == .path ? (task.readCString(args[i], limit: 4096) ?? "") : ""
        }
    }

}

func readLink(_ path: String) -> String? {
    var buf = [Int8](repeating: 0, count: 4097)
    let n = readlink(path, &buf, 4096)
    guard n > 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
