// A replay: re-executes the recorded program and feeds it, event by event, exactly what it saw.
//
// Syscalls are reached with PTRACE_SYSEMU, one stop each (≈45 µs here) with the kernel never
// running the call; replay then writes the recorded result and output bytes. Calls that shape the
// address space or the task's kernel state (SyscallTable's ReplayAction.execute/.mmap/.exit) are
// run for real by injection at the same point. At every event the registers are compared with the
// recording and any difference stops the replay as a divergence.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// ptrace options for replayed tasks: as for recording (they die with swrr).
let replayPtraceOptions: Int = 0x01 | 0x10 | 0x40 | 0x10_0000

public final class ReplaySession {
    public let reader: TraceReader
    public var header: TraceHeader { reader.header }
    /// Called with (1 or 2, bytes) for the program's writes to the recorder's stdout/stderr.
    public var echo: ((UInt8, [UInt8]) -> Void)?
    /// Number of events replayed so far (the exec is event 0).
    public private(set) var eventNumber = 0
    public private(set) var task: Task?
    let files: FileMapper
    private var pendingSignal: Int32 = 0
    private var terminationStatus: Int32?
    private var finished: ReplayOutcome?

    /// Opens the trace and starts the program, stopped at its first instruction after exec.
    public init(traceDirectory: String, echo: ((UInt8, [UInt8]) -> Void)? = nil) throws {
        do {
            reader = try TraceReader(directory: traceDirectory)
        } catch {
            throw ReplayError.trace("\(error)")
        }
        self.echo = echo
        files = FileMapper(reader: reader)
        guard case .exec(let exec)? = try nextEvent() else {
            throw ReplayError.trace("the trace at \(traceDirectory) has no exec event: it is empty or damaged")
        }
        try start(exec)
        eventNumber = 1
    }

    deinit {
        kill()
    }

    /// Ends the replayed program (if still running) and removes scratch files.
    public func kill() {
        task?.kill()
        task = nil
        files.removeScratch()
    }

    /// Warnings about the replay machine (a CPU with other features than the recording one).
    public func machineWarnings() -> [String] {
        var out: [String] = []
        let now = CPUProbe.snapshot()
        for leaf in header.cpu.cpuid {
            let rec = CPUIDResult(leaf: leaf.leaf, subleaf: leaf.subleaf, eax: leaf.eax, ebx: leaf.ebx,
                                  ecx: leaf.ecx, edx: leaf.edx)
            if let cur = now.first(where: { $0.leaf == leaf.leaf && $0.subleaf == leaf.subleaf }),
               !CPUProbe.featuresEqual(cur, rec) {
                out.append("this CPU differs from the recording's (\(header.cpu.brand)) in CPUID leaf 0x\(String(leaf.leaf, radix: 16)); the replay may diverge")
                break
            }
        }
        return out
    }

    /// Replays to the end. Returns how it ended; throws on divergence or failure.
    public func run() throws -> ReplayOutcome {
        while true {
            if let done = try step() { return done }
        }
    }

    /// Replays one event. Returns the outcome once there are no more events.
    public func step() throws -> ReplayOutcome? {
        if let f = finished { return f }
        let event: Event?
        do {
            event = try nextEvent()
        } catch {
            kill()
            throw error
        }
        guard let event = event else {
            let outcome: ReplayOutcome
            switch reader.end {
            case .complete(let status)?:
                outcome = .completed(waitStatus: terminationStatus ?? status)
            case .aborted(let reason)?:
                outcome = .endedEarly(event: eventNumber, reason: reason)
            case .truncated?, nil:
                outcome = .endedEarly(event: eventNumber, reason: nil)
            }
            kill()
            finished = outcome
            return outcome
        }
        do {
            try apply(event)
        } catch {
            kill()
            throw error
        }
        eventNumber += 1
        return nil
    }

    private func nextEvent() throws -> Event? {
        do {
            return try reader.next()
        } catch {
            throw ReplayError.trace("\(error)")
        }
    }

    func diverge(_ what: String) -> ReplayError { .divergence(event: eventNumber, what) }

    // MARK: exec

    private func start(_ exec: ExecEvent) throws {
        var exe = reader.path(of: exec.executable)
        if access(exe, X_OK) != 0 {
            exe = try files.source(for: exec.executable).path
            chmod(exe, 0o700)
        }
        let limit: (UInt64, UInt64)? = header.stackLimit.count == 2 ? (header.stackLimit[0], header.stackLimit[1]) : nil
        let pid: pid_t
        do {
            pid = try Spawner.spawn(path: exe, argv: header.argv, env: header.environment,
                                    cwd: header.workingDirectory, flags: Spawner.replayFlags,
                                    stackLimit: limit, signals: (header.ignoredSignals, header.blockedSignals),
                                    ptraceOptions: replayPtraceOptions)
        } catch {
            throw ReplayError.tracee("\(error)")
        }
        let task = Task(tid: pid)
        self.task = task
        do {
            _ = try Spawner.runToExec(task: task, path: exe)
            try ScratchPage.map(in: task)
            try checkLayout(task: task, recorded: exec.mappings)
            try task.writeMemory(exec.stack.address, exec.stack.bytes)
            try task.setRegisters(exec.registers)
        } catch let e as ReplayError {
            kill()
            throw e
        } catch {
            kill()
            throw ReplayError.tracee("\(error)")
        }
    }

    /// The address space after exec must be the recorded one, or nothing after it can match.
    private func checkLayout(task: Task, recorded: [Mapping]) throws {
        let special: Set<String> = ["[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]"]
        let now = try task.mappings().filter { !special.contains($0.name) }
        let then = recorded.filter { !special.contains($0.name) }
        for (a, b) in zip(now, then) where a.start != b.start || a.end != b.end || a.permissions != b.permissions {
            throw ReplayError.divergence(event: 0, "the address space after exec differs: " +
                "0x\(String(a.start, radix: 16))-0x\(String(a.end, radix: 16)) \(a.permissions) \(a.name) " +
                "where the recording had 0x\(String(b.start, radix: 16))-0x\(String(b.end, radix: 16)) \(b.permissions) \(b.name)")
        }
        if now.count != then.count {
            throw ReplayError.divergence(event: 0, "the address space after exec has \(now.count) mappings; the recording had \(then.count)")
        }
    }

    // MARK: events

    func liveTask() throws -> Task {
        guard let t = task else { throw diverge("the program has already ended") }
        return t
    }

    private func apply(_ event: Event) throws {
        switch event {
        case .exec:
            throw ReplayError.trace("a second exec event in a single-process trace is not supported yet")
        case .syscall(let ev):
            try replaySyscall(ev)
        case .rdtsc(let ev):
            let task = try liveTask()
            let regs = try resumeTo(task, expecting: "rdtsc") { stop in
                if case .signal(SIGSEGV) = stop { return true }
                return false
            }
            try checkRegisters(regs, ev.registers, what: ev.isRdtscp ? "rdtscp" : "rdtsc")
            var r = regs
            RdtscEmulation.apply(ev.isRdtscp ? .rdtscp : .rdtsc, value: ev.value, aux: ev.aux, to: &r)
            try task.setRegisters(r)
        case .signal(let ev):
            try replaySignal(ev)
        case .exit(let ev):
            let status = try terminationStatus ?? waitForEnd(try liveTask())
            task = nil
            terminationStatus = status
            if status != ev.waitStatus {
                throw diverge("the program \(WaitStatus.describe(status)); the recording \(WaitStatus.describe(ev.waitStatus))")
            }
        }
    }

    /// Resumes with PTRACE_SYSEMU (delivering any pending signal) and waits for the stop `want`
    /// accepts; any other stop is a divergence.
    func resumeTo(_ task: Task, expecting what: String, _ want: (Stop) -> Bool) throws -> Registers {
        try task.resume(.sysemu, signal: pendingSignal)
        pendingSignal = 0
        let stop = try task.wait()
        guard want(stop) else {
            if stop.isTermination { self.task = nil }
            throw diverge("expected \(what), but the program stopped with \(describe(stop, task: task))")
        }
        return try task.registers()
    }

    private func describe(_ stop: Stop, task: Task) -> String {
        switch stop {
        case .syscall:
            if let r = try? task.registers() { return "syscall \(SyscallTable.name(Int(r.origRax)))" }
            return "a syscall"
        case .signal(let s): return SignalNames.name(s)
        case .event(let e): return "ptrace event \(e)"
        case .exited(let c): return "exit status \(c)"
        case .killed(let s, _): return "death by \(SignalNames.name(s))"
        }
    }

    private func checkRegisters(_ now: Registers, _ recorded: Registers, what: String) throws {
        if now != recorded {
            let diffs = now.differences(from: recorded)
            throw diverge("registers differ at \(what): " + diffs.prefix(6).joined(separator: ", "))
        }
    }

    private func replaySignal(_ ev: SignalEvent) throws {
        let task = try liveTask()
        let synchronous = SignalNames.synchronous.contains(ev.signal) && ev.code > 0
        if synchronous {
            let regs = try resumeTo(task, expecting: SignalNames.name(ev.signal)) { stop in
                if case .signal(let s) = stop { return s == ev.signal }
                return false
            }
            try checkRegisters(regs, ev.registers, what: SignalNames.name(ev.signal))
            pendingSignal = ev.signal
        } else {
            // A fatal signal from outside: the program did nothing observable between its last
            // recorded event and its death, so it is ended here the same way.
            pendingSignal = 0
            _ = Glibc.kill(task.tid, ev.signal)
            try task.resume(.cont)
            while true {
                let stop = try task.wait()
                if case .signal(let s) = stop, s == ev.signal {
                    pendingSignal = ev.signal
                    return
                }
                if stop.isTermination {
                    terminationStatus = status(of: stop)
                    self.task = nil
                    return
                }
                try task.resume(.cont)
            }
        }
    }

    /// After a real exit syscall was started: waits for the end and keeps the status for the
    /// exit event that follows.
    func recordTermination(of task: Task) throws {
        terminationStatus = try waitForEnd(task)
        self.task = nil
    }

    /// Lets the task run to its end (delivering a pending signal) and returns its wait status.
    private func waitForEnd(_ task: Task) throws -> Int32 {
        try task.resume(.cont, signal: pendingSignal)
        pendingSignal = 0
        while true {
            let stop = try task.wait()
            if stop.isTermination { return status(of: stop) }
            if case .syscall = stop {
                throw diverge("the program made a syscall (\(describe(stop, task: task))) after its recorded end")
            }
            try task.resume(.cont)
        }
    }

    private func status(of stop: Stop) -> Int32 {
        switch stop {
        case .exited(let c): return WaitStatus.exited(c)
        case .killed(let s, let core): return WaitStatus.killed(s, core: core)
        default: return 0
        }
    }
}
