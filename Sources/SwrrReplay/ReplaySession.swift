// A replay: re-executes the recorded program (every process and thread of it) and feeds it,
// event by event in the recorded order, exactly what it saw.
//
// Syscalls are reached with PTRACE_SYSEMU, one stop each (≈45 µs here) with the kernel never
// running the call; replay then writes the recorded result and output bytes. Calls that shape the
// address space, create tasks or change kernel state the program relies on (SyscallTable's
// ReplayAction other than .emulate) are run for real by injection at the same point. Only the
// task of the current event runs; the others stay stopped, so the threads' user code runs in the
// recorded order. At every event the registers are compared with the recording and any
// difference stops the replay as a divergence.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// ptrace options for replayed tasks: as for recording (they die with swrr; fork, clone and exec
/// are reported).
let replayPtraceOptions: Int = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x10_0000

/// One replayed task, known by the tid it had when recorded.
final class ReplayTask {
    let task: Task
    /// Its first stop (after clone/fork) has not been consumed yet.
    var newborn: Bool
    /// Stopped at the entry of a syscall (from a SyscallEntryEvent), with these registers.
    var parkedAt: Registers?
    /// Signal to deliver at the next resume.
    var pendingSignal: Int32 = 0
    /// A wait with a temporary mask (rt_sigsuspend...) was replayed by a real rt_sigsuspend that
    /// left this signal pending for its handler (SyscallReplay.swift), and its signal event has not
    /// been replayed yet. Between the two, the kernel holds the pending signal and the program's
    /// own mask (saved_sigmask, restored when no handler runs), which a fork does not copy and an
    /// injected syscall would undo: no checkpoint can be taken (Checkpoint.swift).
    var signalAfterTemporaryMask: Int32 = 0
    /// Its wait status once it has ended.
    var ended: Int32?

    init(task: Task, newborn: Bool) {
        self.task = task
        self.newborn = newborn
        task.stuckAfter = ReplaySession.stuckSeconds   // StuckReplay.swift
    }
}

public final class ReplaySession {
    public let reader: TraceReader
    public var header: TraceHeader { reader.header }
    /// Called with (1 or 2, bytes) for the program's writes to the recorder's stdout/stderr.
    public var echo: ((UInt8, [UInt8]) -> Void)?
    /// Number of events replayed so far (the first exec is event 0).
    public internal(set) var eventNumber = 0
    /// Live tasks by recorded tid.
    var tasks: [Int32: ReplayTask] = [:]
    let files: FileMapper
    var mainTid: Int32 = 0
    var mainStatus: Int32?
    var finished: ReplayOutcome?
    /// A debugger over this replay (DebugHook.swift): asked how to resume each task and shown
    /// every stop in `resume` first; a stop it claims ends `step` early (`ReplayStep.trap`).
    /// nil when replaying without a debugger.
    var debugHook: ReplayDebugHook?
    /// The event under way: read, and not yet replayed whole because a stop of the debugger's
    /// interrupted it (`step` goes on with it next time). nil at an event boundary.
    var current: EventUnderWay?
    /// The debugger's stop that interrupted the event under way, set by `resume` (or a point
    /// search) on its way out and returned by `step`.
    var trapped: DebugTrap?
    /// A point search under way (PointSearch.swift), kept while a stop of the debugger's
    /// interrupts it: its count of hits, and the register-matching trap of a supervised search
    /// (while that exists no checkpoint is taken and no pause interrupts the task, which may be
    /// inside the stub).
    var pointSearch: PointSearch?
    /// The event `step()` replayed last (a debugger reports signals and task events from it).
    var lastEvent: Event?
    /// When set (a debugger), the end of the trace leaves the tasks that are still alive stopped
    /// where they are, so they can be inspected there and the replay run backwards from it; they
    /// are killed by `kill()` (or deinit). Otherwise the end kills them at once. A program that
    /// ends by exit/exit_group is held at the entry of that last syscall (as rr does): with a
    /// dead program a debugger could show nothing at the end, and gdb ends its session.
    var keepTasksAtEnd = false
    /// Checkpoints (Checkpoint.swift) share this replay's scratch file copies: killing it must
    /// leave them (the FileMapper removes them when the last holder goes).
    var sharesFiles = false
    /// The trace file each replayed process (by its real pid) last opened to map from, still
    /// open in it (SyscallReplay.swift, map): ld.so maps a library in 4 or 5 mmaps of one file.
    var mappingSources: [pid_t: MappingSource] = [:]

    /// The recorded program's first task (nil once it has ended).
    public var task: Task? { tasks[mainTid]?.task }

    /// Opens the trace and starts the program, stopped at its first instruction after exec.
    public init(traceDirectory: String, echo: ((UInt8, [UInt8]) -> Void)? = nil) throws {
        do {
            reader = try TraceReader(directory: traceDirectory)
        } catch {
            throw ReplayError.trace("\(error)")
        }
        self.echo = echo
        files = FileMapper(reader: reader)
        if reader.header.tickSource != "none" {
            guard case .hardware = TickSource.detect() else {
                throw ReplayError.trace("this trace was recorded with the \(reader.header.tickSource) tick source, " +
                                        "which this machine does not have (\(TickSource.detect().recordingDescription)); " +
                                        "replay it on a machine with the same performance counter")
            }
        }
        guard case .exec(let exec)? = try nextEvent() else {
            throw ReplayError.trace("the trace at \(traceDirectory) has no exec event: it is empty or damaged")
        }
        try start(exec)
        eventNumber = 1
    }

    /// A replay that goes on from a checkpoint (Checkpoint.swift restores its tasks and state),
    /// reading the same trace and mapping the same scratch copies.
    init(continuing reader: TraceReader, files: FileMapper, echo: ((UInt8, [UInt8]) -> Void)?) {
        self.reader = reader
        self.files = files
        self.echo = echo
        sharesFiles = true
    }

    deinit {
        kill()
    }

    /// Ends every replayed task and removes scratch files (unless checkpoints share them). Tasks
    /// that have ended already are left alone: their ids may belong to other processes by now.
    public func kill() {
        pointSearch = nil
        Task.kill(tasks.values.filter { $0.ended == nil }.map(\.task))
        tasks = [:]
        if !sharesFiles { files.removeScratch() }
    }

    /// Warnings about the replay machine (a CPU with other features than the recording one).
    public func machineWarnings() -> [String] {
        let now = CPUProbe.snapshot()
        for leaf in header.cpu.cpuid {
            let rec = CPUIDResult(leaf: leaf.leaf, subleaf: leaf.subleaf, eax: leaf.eax, ebx: leaf.ebx,
                                  ecx: leaf.ecx, edx: leaf.edx)
            if let cur = now.first(where: { $0.leaf == leaf.leaf && $0.subleaf == leaf.subleaf }),
               !CPUProbe.featuresEqual(cur, rec) {
                return ["this CPU differs from the recording's (\(header.cpu.brand)) in CPUID leaf 0x\(String(leaf.leaf, radix: 16)); the replay may diverge"]
            }
        }
        return []
    }

    /// Replays to the end. Returns how it ended; throws on divergence or failure.
    public func run() throws -> ReplayOutcome {
        while true {
            if case .end(let done) = try step() { return done }
        }
    }

    /// Whether the replay stands between two events (no event is under way).
    var isAtEventBoundary: Bool { current == nil }

    /// Replays the next event, or goes on with the one under way, until it is replayed whole,
    /// a stop of the debugger's interrupts it (the task stands where that stop left it; the
    /// next call goes on from there), or there are no more events.
    ///
    /// Going on from the middle of an event is the same as replaying it from its start with the
    /// task where it stands: each event's replay first runs its task to the point the recording
    /// names (its syscall, rdtsc, signal, or a register state searched for, whose progress is
    /// kept in `pointSearch`), and only then changes anything (Checkpoint.swift relies on the
    /// same fact).
    func step() throws -> ReplayStep {
        if let f = finished { return .end(f) }
        do {
            var under: EventUnderWay
            if let c = current {
                under = c
            } else {
                let start = EventStart(mark: reader.mark(), readAhead: readAhead, readAheadEnded: readAheadEnded)
                guard let event = try nextEvent() else { return .end(end()) }
                under = EventUnderWay(event: event, start: start)
                current = under
            }
            if keepTasksAtEnd, case .syscall(let ev) = under.event, under.finalExit == nil {
                under.finalExit = try isFinalExit(ev)
                current = under
            }
            if under.finalExit == true, case .syscall(let ev) = under.event {
                guard try holdAtFinalExit(ev) else { return .trap(takeTrap()) }
                current = nil
                return .end(end())
            }
            guard try apply(under.event) else { return .trap(takeTrap()) }
            current = nil
            lastEvent = under.event
        } catch let e as TaskStuck {
            let error = stuck(e)
            kill()
            throw error
        } catch let e as TraceeError {
            // ptrace failing underneath (a task vanished): say where, in swrr's own words.
            kill()
            throw ReplayError.tracee("at event \(eventNumber): \(e)")
        } catch {
            // Divergences pass as they are.
            kill()
            throw error
        }
        eventNumber += 1
        return .event
    }

    /// The stop that interrupted the event under way (set where `resume` returned nil).
    private func takeTrap() -> DebugTrap {
        defer { trapped = nil }
        return trapped!
    }

    /// Reads the event a checkpoint taken inside it was restored in (Checkpoint.swift): the
    /// replay goes on with it from where its task stands.
    func resumeEvent(from start: EventStart) throws {
        guard let event = try nextEvent() else { return }
        current = EventUnderWay(event: event, start: start)
    }

    /// The outcome at the end of the events.
    private func end() -> ReplayOutcome {
        let outcome: ReplayOutcome
        switch reader.end {
        case .complete(let status)?:
            outcome = .completed(waitStatus: mainStatus ?? status)
        case .aborted(let reason)?:
            outcome = .endedEarly(event: eventNumber, reason: reason)
        case .truncated?, nil:
            outcome = .endedEarly(event: eventNumber, reason: nil)
        }
        if !keepTasksAtEnd { kill() }
        finished = outcome
        return outcome
    }

    /// An exit syscall after which the trace only has the tasks' ends, and no other process
    /// lives on: the program's last instruction.
    private func isFinalExit(_ ev: SyscallEvent) throws -> Bool {
        guard SyscallTable.spec(Int(ev.number))?.replay == .exit, let t = tasks[ev.tid] else { return false }
        guard tasks.values.allSatisfy({ $0.ended != nil || $0.task.tgid == t.task.tgid }) else { return false }
        while !readAheadEnded && readAhead.count < 10_000 {
            guard let e = try readFromTrace() else { readAheadEnded = true; break }
            readAhead.append(e)
            guard case .exit = e else { return false }
        }
        guard readAheadEnded else { return false }
        return readAhead.allSatisfy { if case .exit = $0 { return true }; return false }
    }

    /// Runs the task to the entry of its last exit syscall and leaves it there, shown just
    /// before the syscall instruction (rax holding the call's number, as the program set it).
    /// False when a stop of the debugger's came first.
    private func holdAtFinalExit(_ ev: SyscallEvent) throws -> Bool {
        let t = try replayTask(ev.tid)
        let name = SyscallTable.name(Int(ev.number))
        guard let regs = try toSyscallEntry(t, name: name) else { return false }
        try checkSyscallEntry(regs, ev, name: name)
        var r = regs
        r.rip -= 2
        r.rax = r.origRax
        try t.task.setRegisters(r)
        t.parkedAt = regs
        for e in readAhead {
            if case .exit(let x) = e, x.tid == mainTid { mainStatus = x.waitStatus }
        }
        readAhead = []
        return true
    }

    /// Events read ahead of the current one (see `upcomingEvent(for:)`).
    var readAhead: [Event] = []
    var readAheadEnded = false
    /// The reading state from before an event was read: a checkpoint taken in the middle of an
    /// event (Checkpoint.swift) replays it from its start.
    struct EventStart {
        let mark: TraceReader.Mark
        let readAhead: [Event]
        let readAheadEnded: Bool
    }
    /// An event being replayed, and the reading state from before it.
    struct EventUnderWay {
        let event: Event
        let start: EventStart
        /// It is the program's last exit syscall (known once asked, `isFinalExit`).
        var finalExit: Bool?
    }

    private func nextEvent() throws -> Event? {
        if !readAhead.isEmpty { return readAhead.removeFirst() }
        if readAheadEnded { return nil }
        return try readFromTrace()
    }

    private func readFromTrace() throws -> Event? {
        do {
            return try reader.next()
        } catch {
            throw ReplayError.trace("\(error)")
        }
    }

    /// The next event of task `tid` after the current one, reading ahead as far as needed
    /// (bounded): what the kernel did after an interrupted syscall is only known from it.
    func upcomingEvent(for tid: Int32) throws -> Event? {
        if let e = readAhead.first(where: { $0.tid == tid }) { return e }
        while !readAheadEnded && readAhead.count < 100_000 {
            guard let e = try readFromTrace() else {
                readAheadEnded = true
                return nil
            }
            readAhead.append(e)
            if e.tid == tid { return e }
        }
        return nil
    }

    func diverge(_ what: String) -> ReplayError { .divergence(event: eventNumber, what) }

    // MARK: exec

    private func start(_ exec: ExecEvent) throws {
        var exe = try files.path(of: exec.executable)
        if access(exe, X_OK) != 0 {
            exe = try files.source(for: exec.executable).path
            chmod(exe, 0o700)
        }
        let limit: (UInt64, UInt64)? = header.stackLimit.count == 2 ? (header.stackLimit[0], header.stackLimit[1]) : nil
        let pid: pid_t
        do {
            // The environment the recording gave the program (with the preload library the
            // recorder added), so the kernel builds the same initial stack.
            let env = header.preloadLibrary.map { PreloadEnvironment.adding($0, to: header.environment) }
                ?? header.environment
            // The recording's CPU, so CPUID's APIC ids are the recorded ones (CPUBinding.swift).
            let placement = CPUBinding.forReplay(recorded: header.boundCPU)
            if let note = placement.note { Self.warnOnce(note) }
            pid = try Spawner.spawn(path: exe, argv: header.argv, env: env,
                                    cwd: header.workingDirectory, flags: Spawner.replayFlags,
                                    stackLimit: limit, signals: (header.ignoredSignals, header.blockedSignals),
                                    ptraceOptions: replayPtraceOptions, cpu: placement.cpu)
        } catch {
            throw ReplayError.tracee("\(error)")
        }
        let task = Task(tid: pid)
        mainTid = exec.tid
        tasks[exec.tid] = ReplayTask(task: task, newborn: false)
        do {
            _ = try Spawner.runToExec(task: task, path: exe)
            try finishExec(task: task, exec)
        } catch let e as ReplayError {
            kill()
            throw e
        } catch let e as TaskStuck {
            let error = stuck(e)
            kill()
            throw error
        } catch {
            kill()
            throw ReplayError.tracee("\(error)")
        }
    }

    /// Said once per swrr process (a debugger restarts replays), on stderr.
    nonisolated(unsafe) private static var warned: Set<String> = []
    private static func warnOnce(_ note: String) {
        guard warned.insert(note).inserted else { return }
        fputs("swrr: warning: \(note)\n", stderr)
    }

    /// After the kernel replaced the image: the same scratch page, the vDSO where it was and
    /// patched as when recorded, the same layout, the recorded initial stack and registers.
    private func finishExec(task: Task, _ exec: ExecEvent) throws {
        try ScratchPage.map(in: task)
        try StubPage.map(in: task, replaying: true)
        // The recorded stack's AT_SYSINFO_EHDR points at the recorded vDSO: with ASLR off the
        // kernel maps it there again, another kernel's is moved there. checkLayout leaves [vdso]
        // and [vvar] out (the patched vDSO no longer reads [vvar]).
        if let vdso = exec.mappings.first(where: { $0.name == "[vdso]" }) {
            do { try VDSO.place(task: task, start: vdso.start, end: vdso.end) } catch { throw diverge("\(error)") }
        }
        try VDSO.patch(task: task)
        try checkLayout(task: task, recorded: exec.mappings)
        try task.writeMemory(exec.stack.address, exec.stack.bytes)
        try task.setRegisters(exec.registers)
    }

    /// The address space after exec must be the recorded one, or nothing after it can match.
    private func checkLayout(task: Task, recorded: [Mapping]) throws {
        let special: Set<String> = ["[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]"]
        let now = try task.mappings().filter { !special.contains($0.name) }
        let then = recorded.filter { !special.contains($0.name) }
        for (a, b) in zip(now, then) where a.start != b.start || a.end != b.end || a.permissions != b.permissions {
            throw diverge("the address space after exec differs: " +
                "0x\(String(a.start, radix: 16))-0x\(String(a.end, radix: 16)) \(a.permissions) \(a.name) " +
                "where the recording had 0x\(String(b.start, radix: 16))-0x\(String(b.end, radix: 16)) \(b.permissions) \(b.name)")
        }
        if now.count != then.count {
            throw diverge("the address space after exec has \(now.count) mappings; the recording had \(then.count)")
        }
    }

    /// A later execve: run it for real on the trace's copy of the new executable. False when a
    /// stop of the debugger's came first.
    private func replayExec(_ exec: ExecEvent) throws -> Bool {
        let t = try replayTask(exec.tid)
        guard let regs = try toSyscallEntry(t, name: "execve") else { return false }
        let number = Int(Int64(bitPattern: regs.origRax))
        guard SyscallTable.spec(number)?.replay == .exec else {
            throw diverge("expected execve, but task \(exec.tid) called \(SyscallTable.name(number))")
        }
        var exe = try files.path(of: exec.executable)
        if access(exe, X_OK) != 0 {
            exe = try files.source(for: exec.executable).path
            chmod(exe, 0o700)
        }
        let path = Array(exe.utf8) + [0]
        try t.task.writeMemory(ScratchPage.address, path)
        let a = regs.syscallArgs
        let (argv, envp) = number == Syscall.execve.number ? (a[1], a[2]) : (a[2], a[3])   // execveat: (fd, path, argv, envp)
        let execArgs = [ScratchPage.address, argv, envp]
        let others = tasks.values.filter { $0 !== t && $0.ended == nil && $0.task.tgid == t.task.tgid }
        let task: Task
        if others.isEmpty && t.task.tid == t.task.tgid {
            let r = try t.task.injectSyscall(Syscall.execve.number, execArgs, syscallInstruction: regs.rip - 2, base: regs)
            guard r == 0 else { throw diverge("execve of the trace's copy \(exe) failed with error \(-r)") }
            task = t.task
        } else {
            task = try execInThreadGroup(t, others: others, args: execArgs, syscallInstruction: regs.rip - 2,
                                         base: regs, program: exe)
        }
        mappingSources[task.tgid] = nil   // opened close-on-exec
        try finishExec(task: task, exec)
        return true
    }

    // MARK: events

    func replayTask(_ tid: Int32) throws -> ReplayTask {
        guard let t = tasks[tid], t.ended == nil else { throw diverge("task \(tid) has already ended") }
        if t.newborn {
            // The first stop of a task created by clone/fork.
            let stop = try t.task.wait()
            if stop.isTermination { throw diverge("task \(tid) ended before it started") }
            t.newborn = false
        }
        return t
    }

    /// Replays `event`; false when a stop of the debugger's interrupted it first (`trapped`).
    private func apply(_ event: Event) throws -> Bool {
        switch event {
        case .exec(let ev):
            return try replayExec(ev)
        case .syscall(let ev):
            return try replaySyscall(ev)
        case .syscallEntry(let ev):
            let t = try replayTask(ev.tid)
            guard let regs = try toSyscallEntry(t, name: SyscallTable.name(Int(ev.number))) else { return false }
            try checkRegisters(regs, ev.registers, what: "the entry of \(SyscallTable.name(Int(ev.number)))")
            t.parkedAt = regs
        case .rdtsc(let ev):
            let t = try replayTask(ev.tid)
            let stopped = try resume(t, expecting: "rdtsc") { stop in
                if case .signal(SIGSEGV) = stop { return true }
                return false
            }
            guard let regs = stopped else { return false }
            try checkRegisters(regs, ev.registers, what: ev.isRdtscp ? "rdtscp" : "rdtsc")
            var r = regs
            RdtscEmulation.apply(ev.isRdtscp ? .rdtscp : .rdtsc, value: ev.value, aux: ev.aux, to: &r)
            try t.task.setRegisters(r)
        case .signal(let ev):
            return try replaySignal(ev)
        case .preempt(let ev):
            let t = try replayTask(ev.tid)
            return try runTo(t, ev.registers, what: "the point where the recording switched away from task \(ev.tid)")
        case .bufferFlush(let ev):
            try refillBuffer(ev)
        case .exit(let ev):
            let status = try waitForEnd(ev.tid, recorded: ev.waitStatus)
            if ev.tid == mainTid { mainStatus = ev.waitStatus }
            if !WaitStatus.sameEnd(status, ev.waitStatus) {
                throw diverge("task \(ev.tid) \(WaitStatus.describe(status)); the recording: \(WaitStatus.describe(ev.waitStatus))")
            }
            tasks[ev.tid] = nil
        }
        return true
    }

    /// Resumes the task with PTRACE_SYSEMU (delivering its pending signal) until a stop `want`
    /// accepts. Signals replay did not ask for (SIGCHLD from replayed children, say) are dropped:
    /// every signal the program saw is in the trace. Any other stop is a divergence.
    /// With `mode` .syscall (no debugger), the syscall stop that ends it is a real entry, whose
    /// call the kernel runs when the task is resumed (SyscallReplay.swift, runToSyscallExit).
    /// Returns the registers there, or nil when a stop the debugger claims came first (it is in
    /// `trapped`; resuming again goes on towards the same stop).
    func resume(_ t: ReplayTask, expecting what: String, mode: ResumeMode = .sysemu,
                _ want: (Stop) -> Bool) throws -> Registers? {
        if t.parkedAt != nil { throw diverge("task \(t.task.tid) is inside a syscall; expected \(what)") }
        var sig = t.pendingSignal
        t.pendingSignal = 0
        while true {
            // A debugger may single-step instead, and takes its own traps (breakpoints,
            // watchpoints, steps) before they can look like the program's.
            try t.task.resume(try debugHook?.resumeMode(for: t) ?? mode, signal: sig)
            sig = 0
            let stop = try debugHook?.waitForStop(of: t) ?? t.task.wait()
            // The exit of the previous call, skipped by PTRACE_SYSEMU, reported after all.
            if mode == .syscall, debugHook == nil, stop == .syscall, try t.task.isAtSyscallExit() { continue }
            // An asynchronous signal the replay did not ask for is dropped before the debugger
            // sees it: it is not part of the recorded execution (the real SIGCHLD of a replayed
            // child arrives right after the recorded one is injected, before any instruction
            // runs), so it must not end a single-step either.
            if Self.isUnaskedSignal(stop), !want(stop) { continue }
            if let hook = debugHook {
                switch try hook.classify(stop, of: t) {
                case .resume:
                    continue
                case .stop(let trap):
                    trapped = trap
                    return nil
                case .notMine:
                    break
                }
            }
            if want(stop) { return try t.task.registers() }
            switch stop {
            case .signal(let s) where !SignalNames.synchronous.contains(s) || s == SIGTRAP:
                if s == SIGTRAP, let info = try? t.task.siginfo(), info.code > 0 {
                    throw diverge("expected \(what), but task \(t.task.tid) stopped with SIGTRAP")
                }
                continue
            case .event(.stop):
                continue
            default:
                throw unexpected(stop, of: t, expecting: what)
            }
        }
    }

    /// An asynchronous signal, which the replay drops unless it asked for it: every signal the
    /// program saw is in the trace.
    static func isUnaskedSignal(_ stop: Stop) -> Bool {
        if case .signal(let s) = stop, s != SIGTRAP, !SignalNames.synchronous.contains(s) { return true }
        return false
    }

    /// The divergence of a task that stopped with `stop` where the replay expected `what` (a
    /// task that ended is marked so).
    func unexpected(_ stop: Stop, of t: ReplayTask, expecting what: String) -> ReplayError {
        if stop.isTermination { t.ended = status(of: stop) }
        return diverge("expected \(what), but task \(t.task.tid) stopped with \(describe(stop, task: t.task))")
    }

    /// The task's registers at the entry of its next syscall (or where it is parked); nil when a
    /// stop of the debugger's came first.
    func toSyscallEntry(_ t: ReplayTask, name: String, mode: ResumeMode = .sysemu) throws -> Registers? {
        if let regs = t.parkedAt {
            t.parkedAt = nil
            return regs
        }
        return try resume(t, expecting: "syscall \(name)", mode: mode) { $0 == .syscall }
    }

    private func describe(_ stop: Stop, task: Task) -> String {
        switch stop {
        case .syscall:
            if let r = try? task.registers() { return "syscall \(SyscallTable.name(Int(Int64(bitPattern: r.origRax))))" }
            return "a syscall"
        case .signal(let s): return SignalNames.name(s)
        case .event(let e): return "ptrace event \(e)"
        case .exited(let c): return "exit status \(c)"
        case .killed(let s, _): return "death by \(SignalNames.name(s))"
        }
    }

    func checkRegisters(_ now: Registers, _ recorded: Registers, what: String) throws {
        // A debugger single-stepping onto a syscall leaves the trap flag in eflags, and the
        // syscall instruction copies eflags into r11 (measured: r11 0x302 where the recording
        // has 0x202). That bit is the debugger's, not the program's; the recorded exit
        // registers replace both once the syscall is replayed.
        var now = now
        let tf = HardwareBreakpoint.trapFlag
        if now.r11 & tf != 0 && recorded.r11 & tf == 0 && now.r11 & ~tf == recorded.r11 { now.r11 = recorded.r11 }
        if now.eflags & tf != 0 && recorded.eflags & tf == 0 { now.eflags &= ~tf }
        if now != recorded {
            let diffs = now.differences(from: recorded)
            throw diverge("registers differ at \(what): " + diffs.prefix(6).joined(separator: ", "))
        }
    }

    /// False when a stop of the debugger's came first.
    private func replaySignal(_ ev: SignalEvent) throws -> Bool {
        let t = try replayTask(ev.tid)
        let name = SignalNames.name(ev.signal)
        switch ev.point {
        case .synchronous:
            let stopped = try resume(t, expecting: name) { stop in
                if case .signal(let s) = stop { return s == ev.signal }
                return false
            }
            guard let regs = stopped else { return false }
            try checkRegisters(regs, ev.registers, what: name)
        case .syscallBoundary, .arbitrary:
            if ev.point == .arbitrary {
                // A signal that kills the task may land anywhere: nothing it did afterwards
                // exists. Only a signal whose handler runs needs the exact instruction.
                var fatal = false
                if case .exit(let x)? = try upcomingEvent(for: ev.tid), swrr_wifsignaled(x.waitStatus) != 0,
                   swrr_wtermsig(x.waitStatus) == ev.signal {
                    fatal = true
                }
                if fatal {
                    t.task.sendSignal(ev.signal)
                    t.pendingSignal = 0
                    _ = try? t.task.interrupt()
                    t.pendingSignal = ev.signal
                    return true
                }
                guard try runTo(t, ev.registers, what: "the instruction where \(name) was delivered") else { return false }
            }
            // Raise it again and catch its delivery stop, where the recorded siginfo goes in. The
            // signal is pending before the task runs, so its delivery stop comes before any
            // instruction (and any stop of the debugger's): raising it again on a second pass
            // through here cannot happen.
            t.task.sendSignal(ev.signal)
            let stopped = try resume(t, expecting: name) { stop in
                if case .signal(let s) = stop { return s == ev.signal }
                return false
            }
            guard let regs = stopped else {
                throw diverge("task \(t.task.tid) stopped for the debugger before \(name) was delivered")
            }
            try checkRegisters(regs, ev.registers, what: name)
        }
        try t.task.setRawSiginfo(ev.siginfo)
        t.pendingSignal = ev.signal
        t.signalAfterTemporaryMask = 0
        return true
    }

    /// The wait status of a recorded task, running it to its end if needed.
    private func waitForEnd(_ tid: Int32, recorded: Int32) throws -> Int32 {
        guard let t = tasks[tid] else { throw diverge("task \(tid) is unknown") }
        if let s = t.ended { return s }
        var sig = t.pendingSignal
        t.pendingSignal = 0
        if swrr_wifsignaled(recorded) != 0 && swrr_wtermsig(recorded) == SIGKILL {
            // SIGKILL never shows the tracer a delivery stop, so it is in the trace only as this
            // death (sent by another process, whose kill replay emulates, or from outside). The
            // replay sends it: a task it ends may stand anywhere, nothing it did later exists.
            _ = Glibc.kill(t.task.tgid, SIGKILL)
            sig = 0
        }
        if t.newborn {
            let stop = try t.task.wait()
            if stop.isTermination { t.ended = status(of: stop); return t.ended! }
            t.newborn = false
        }
        // The signal that ended the task in the recording. replaySignal raised it again where a
        // handler-less signal lands anywhere (.arbitrary): the task was stopped by our interrupt
        // then, and a signal given with the resume from that stop is ignored by the kernel, so
        // the raised one comes to a delivery stop here and must be let through. (Measured: a
        // buffered write to a pipe without readers got SIGPIPE inside the preload library; the
        // replay dropped it there, the program went on and exited with 3 where it had died.)
        let fatal: Int32? = swrr_wifsignaled(recorded) != 0 ? swrr_wtermsig(recorded) : nil
        // Already exiting (exit_group of another thread, a fatal signal) or about to: let it go.
        try? t.task.resume(.cont, signal: sig)
        sig = 0
        while true {
            let stop = try t.task.wait()
            if stop.isTermination {
                t.ended = status(of: stop)
                return t.ended!
            }
            if case .syscall = stop {
                throw diverge("task \(tid) made a syscall (\(describe(stop, task: t.task))) after its recorded end")
            }
            if case .signal(let s) = stop, s == fatal {
                try t.task.resume(.cont, signal: s)
            } else {
                try t.task.resume(.cont)
            }
        }
    }

    /// After a real exit syscall was started for task `t`. A thread (not a group leader) is
    /// waited for until it is gone, because the kernel clears its CLEARTID word and wakes its
    /// joiners on the way out, and the recording let nobody run before that had happened either.
    /// A group leader's termination only comes once every thread has gone: it is collected at
    /// its ExitEvent.
    func awaitExit(_ t: ReplayTask) throws {
        try t.task.resume(.cont)
        var stop = try t.task.wait()
        if !stop.isTermination {
            try t.task.resume(.cont)
            if t.task.tid != t.task.tgid {
                repeat {
                    stop = try t.task.wait()
                    if !stop.isTermination { try t.task.resume(.cont) }
                } while !stop.isTermination
            }
        }
        if stop.isTermination { t.ended = status(of: stop) }
    }

    func status(of stop: Stop) -> Int32 {
        switch stop {
        case .exited(let c): return WaitStatus.exited(c)
        case .killed(let s, let core): return WaitStatus.killed(s, core: core)
        default: return 0
        }
    }
}
