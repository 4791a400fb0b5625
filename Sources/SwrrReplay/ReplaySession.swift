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

public final class ReplaySession {
    public let reader: TraceReader
    public var header: TraceHeader { reader.header }
    /// Called with (1 or 2, bytes) for the program's writes to the recorder's stdout/stderr.
    public var echo: ((UInt8, [UInt8]) -> Void)?
    /// Number of events replayed so far (the first exec is event 0).
    public internal(set) var eventNumber = 0 { didSet { progress?.set(eventNumber) } }
    /// Where the engine shares the event number with other threads (ReplayDebugger.liveEventNumber).
    var progress: LiveEventNumber?
    /// The trace's events as replay reads them (ReplayEvents.swift).
    let events: ReplayEvents
    /// Live tasks by recorded tid (ReplayTasks.swift).
    lazy var tasks = ReplayTasks(session: self)
    let files: FileMapper
    /// The exec events (ExecReplay.swift), the syscalls (SyscallReplay.swift) and the mapped
    /// files among them (MappingReplay.swift).
    lazy var execs = ExecReplay(session: self)
    lazy var syscalls = SyscallReplayer(session: self)
    lazy var mappings = MappingReplay(session: self)
    /// The rt_sigaction sets held back until a signal delivery needs them (DeferredSignalActions.swift).
    lazy var signalActions = DeferredSignalActions(session: self)
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
    /// The arrivals a counting point search passed up to its point (PointSearch.Counting), set
    /// when it ends there.
    var lastSearchArrivals: Int?
    /// A state a seek wants the event's task to reach before the event goes on (a `.signature`
    /// segment, StretchCheckpoints.swift): `step` returns a `.waypoint` trap there.
    var waypoint: Waypoint?
    /// The event `step()` replayed last (a debugger reports signals and task events from it).
    var lastEvent: Event?
    /// The syscall buffers registered so far (swrr_register_buffer events): what a state
    /// signature's memory digest leaves out, as the recorder did (SyscallBufferLayout.bufferRanges).
    var registeredBuffers: Set<UInt64> = []
    /// When set (a debugger), the end of the trace leaves the tasks that are still alive stopped
    /// where they are, so they can be inspected there and the replay run backwards from it; they
    /// are killed by `kill()` (or deinit). Otherwise the end kills them at once. A program that
    /// ends by exit/exit_group is held at the entry of that last syscall (as rr does): with a
    /// dead program a debugger could show nothing at the end, and gdb ends its session.
    var keepTasksAtEnd = false
    /// Checkpoints (Checkpoint.swift) share this replay's scratch file copies: killing it must
    /// leave them (the FileMapper removes them when the last holder goes).
    var sharesFiles = false

    /// The recorded program's first task (nil once it has ended).
    public var task: Task? { tasks[tasks.mainTid]?.task }

    /// Opens the trace and starts the program, stopped at its first instruction after exec.
    public init(traceDirectory: String, echo: ((UInt8, [UInt8]) -> Void)? = nil) throws {
        do {
            reader = try TraceReader(directory: traceDirectory)
        } catch {
            throw ReplayError.trace("\(error)")
        }
        self.echo = echo
        files = FileMapper(reader: reader)
        events = ReplayEvents(reader: reader)
        if reader.header.tickSource != "none" {
            guard case .hardware = TickSource.detect() else {
                throw ReplayError.trace("this trace was recorded with the \(reader.header.tickSource) tick source, " +
                                        "which this machine does not have (\(TickSource.detect().recordingDescription)); " +
                                        "replay it on a machine with the same performance counter")
            }
        }
        guard case .exec(let exec)? = try events.next() else {
            throw ReplayError.trace("the trace at \(traceDirectory) has no exec event: it is empty or damaged")
        }
        try ReplayProfile.timeWithCPU({ "start (the first exec)" }) { try execs.start(exec) }
        eventNumber = 1
    }

    /// A replay that goes on from a checkpoint (Checkpoint.swift restores its tasks and state),
    /// reading the same trace and mapping the same scratch copies.
    init(continuing reader: TraceReader, files: FileMapper, echo: ((UInt8, [UInt8]) -> Void)?) {
        self.reader = reader
        self.files = files
        events = ReplayEvents(reader: reader)
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
        tasks.killAll()
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
    ///
    /// The loop runs on the program's CPU, as the recorder's does (CPUBinding.onCPU): each ptrace
    /// stop then wakes swrr where the stopped task was, and resuming the task needs no wakeup of
    /// another CPU. Measured at load average 6 (2 CPUs shared with other builds), 11 alternating
    /// pairs of replays of one trace each, median wall-clock time bound / unbound: make -j2 of 16
    /// files 1.61 / 1.70 s, octane 1.42 / 1.57 s (an earlier trial at load 7-10, docs/BENCHMARKS.md:
    /// octane 4.35 / 4.99 s, with worse worst cases bound).
    public func run() throws -> ReplayOutcome {
        defer { ReplayProfile.report("replay", byTime: true) }
        return try CPUBinding.onCPU(execs.cpu) {
            while true {
                if case .end(let done) = try step() { return done }
            }
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
                let start = events.start
                guard let event = try events.next() else { return .end(end()) }
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
            if let trap = try reachWaypoint(in: under.event) { return .trap(trap) }
            let event = under.event
            guard try ReplayProfile.timeWithCPU({ Self.profileKey(event) }, { try apply(event) }) else {
                return .trap(takeTrap())
            }
            current = nil
            lastEvent = under.event
        } catch let e as TaskStuck {
            let error = stuck(e)
            kill()
            throw error
        } catch let e as TraceeError {
            // ptrace failing underneath (a task vanished): say where, in swrr's own words. The
            // message names tasks by their tids in this replay; the trace (`swrr dump`) knows
            // them by their recorded ones: say which recorded task the event is of (before the
            // kill forgets the table).
            let whose = current.map { under -> String in
                let tid = under.event.tid
                return ", of recorded task \(tid)" + (tasks[tid].map { " (task \($0.task.tid) in this replay)" } ?? "")
            } ?? ""
            kill()
            throw ReplayError.tracee("at event \(eventNumber)\(whose): \(e)")
        } catch {
            // Divergences pass as they are.
            kill()
            throw error
        }
        eventNumber += 1
        return .event
    }

    /// The stop that interrupted the event under way (set where `resume` returned nil).
    func takeTrap() -> DebugTrap {
        defer { trapped = nil }
        return trapped!
    }

    /// Reads the event a checkpoint taken inside it was restored in (Checkpoint.swift): the
    /// replay goes on with it from where its task stands.
    func resumeEvent(from start: ReplayEvents.Start) throws {
        guard let event = try events.next() else { return }
        current = EventUnderWay(event: event, start: start)
    }

    /// The outcome at the end of the events.
    private func end() -> ReplayOutcome {
        let outcome: ReplayOutcome
        switch reader.end {
        case .complete(let status)?:
            outcome = .completed(waitStatus: tasks.mainStatus ?? status)
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
        return try events.onlyEndsFollow()
    }

    /// Runs the task to the entry of its last exit syscall and leaves it there, shown just
    /// before the syscall instruction (rax holding the call's number, as the program set it).
    /// False when a stop of the debugger's came first.
    private func holdAtFinalExit(_ ev: SyscallEvent) throws -> Bool {
        let t = try tasks.replayTask(ev.tid)
        let name = SyscallTable.name(Int(ev.number))
        guard let regs = try toSyscallEntry(t, name: name) else { return false }
        try syscalls.checkEntry(regs, ev, name: name)
        var r = regs
        r.rip -= 2
        r.rax = r.origRax
        try t.task.setRegisters(r)
        t.parkedAt = regs
        for e in events.takeReadAhead() {
            if case .exit(let x) = e, x.tid == tasks.mainTid { tasks.mainStatus = x.waitStatus }
        }
        return true
    }

    /// An event being replayed, and the reading state from before it.
    struct EventUnderWay {
        let event: Event
        let start: ReplayEvents.Start
        /// It is the program's last exit syscall (known once asked, `isFinalExit`).
        var finalExit: Bool?
    }

    func diverge(_ what: String) -> ReplayError { .divergence(event: eventNumber, what) }

    /// The kind of `event` SWRR_PROFILE counts it under (ReplayProfile.swift): syscalls by name and
    /// the way replay runs them.
    private static func profileKey(_ event: Event) -> String {
        switch event {
        case .exec: return "exec"
        case .syscall(let ev):
            let action = ev.seccomp != .none ? .emulate : SyscallTable.spec(Int(ev.number))?.replayAction(args: ev.args)
            return "syscall \(SyscallTable.name(Int(ev.number))) (\(action.map { "\($0)" } ?? "unknown"))"
        case .syscallEntry: return "syscall entry"
        case .rdtsc: return "rdtsc"
        case .signal(let ev): return "signal (\(ev.point))"
        case .preempt: return "preemption"
        case .bufferFlush: return "buffer flush"
        case .exit: return "task end"
        }
    }

    // MARK: events

    /// Replays `event`; false when a stop of the debugger's interrupted it first (`trapped`).
    private func apply(_ event: Event) throws -> Bool {
        switch event {
        case .exec(let ev):
            return try execs.replayExec(ev)
        case .syscall(let ev):
            guard try syscalls.replay(ev) else { return false }
            if ev.number == SyscallBufferLayout.registerBufferCall
                && (ev.result == 0 || ev.result == SyscallBufferLayout.patchAnswer) {
                registeredBuffers.insert(ev.args.first ?? 0)
            }
        case .syscallEntry(let ev):
            let t = try tasks.replayTask(ev.tid)
            guard let regs = try toSyscallEntry(t, name: SyscallTable.name(Int(ev.number))) else { return false }
            try checkRegisters(regs, ev.registers, what: "the entry of \(SyscallTable.name(Int(ev.number)))")
            t.parkedAt = regs
        case .rdtsc(let ev):
            let t = try tasks.replayTask(ev.tid)
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
            let t = try tasks.replayTask(ev.tid)
            return try runTo(t, ev.registers, signature: ev.signature,
                             what: "the point where the recording switched away from task \(ev.tid)")
        case .bufferFlush(let ev):
            try syscalls.refillBuffer(ev)
        case .exit(let ev):
            let status = try tasks.waitForEnd(ev.tid, recorded: ev.waitStatus)
            if ev.tid == tasks.mainTid { tasks.mainStatus = ev.waitStatus }
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
        if stop.isTermination { t.ended = ReplayTasks.status(of: stop) }
        return diverge("expected \(what), but task \(t.task.tid) stopped with \(Self.describe(stop, task: t.task))")
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

    static func describe(_ stop: Stop, task: Task) -> String {
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
        let t = try tasks.replayTask(ev.tid)
        // Its delivery acts on the disposition the recording had (DeferredSignalActions.swift).
        try signalActions.apply(t)
        let name = SignalNames.name(ev.signal)
        switch ev.point {
        case .synchronous:
            let stopped = try resume(t, expecting: name) { stop in
                if case .signal(let s) = stop { return s == ev.signal }
                return false
            }
            guard let regs = stopped else { return false }
            try checkRegisters(regs, ev.registers, what: name)
        case .syscallBoundary, .arbitrary, .position:
            if ev.point != .syscallBoundary {
                // A signal that kills the task may land anywhere: nothing it did afterwards
                // exists. Only a signal whose handler runs needs the exact instruction.
                var fatal = false
                if case .exit(let x)? = try events.upcoming(for: ev.tid), swrr_wifsignaled(x.waitStatus) != 0,
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
                guard try runTo(t, ev.registers, signature: ev.signature,
                                what: "the instruction where \(name) was delivered") else { return false }
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
}
