// The exec events. The first one starts the program: spawned under ptrace with the recording's
// argv, environment, working directory, limits and signal state, then given the recorded layout,
// initial stack and registers. A later one is a real execve of the trace's copy of the new
// executable (from a process with other threads: ExecTakeover.swift).
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

final class ExecReplay {
    unowned let session: ReplaySession

    init(session: ReplaySession) {
        self.session = session
    }

    var tasks: ReplayTasks { session.tasks }
    private var files: FileMapper { session.files }
    /// The CPU the program runs on (CPUBinding.forReplay), nil when it is not bound.
    private(set) var cpu: Int?
    func diverge(_ what: String) -> ReplayError { session.diverge(what) }

    /// Starts the program, stopped at its first instruction after the exec `exec`.
    func start(_ exec: ExecEvent) throws {
        let header = session.header
        let exe = try executable(of: exec)
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
            cpu = placement.cpu
            pid = try Spawner.spawn(path: exe, argv: header.argv, env: env,
                                    cwd: header.workingDirectory, flags: Spawner.replayFlags,
                                    stackLimit: limit, signals: (header.ignoredSignals, header.blockedSignals),
                                    ptraceOptions: replayPtraceOptions, cpu: placement.cpu)
        } catch {
            throw ReplayError.tracee("\(error)")
        }
        let task = Task(tid: pid)
        tasks.mainTid = exec.tid
        tasks[exec.tid] = ReplayTask(task: task, newborn: false)
        do {
            _ = try Spawner.runToExec(task: task, path: exe)
            try finishExec(task: task, exec)
        } catch let e as ReplayError {
            session.kill()
            throw e
        } catch let e as TaskStuck {
            let error = session.stuck(e)
            session.kill()
            throw error
        } catch {
            session.kill()
            throw ReplayError.tracee("\(error)")
        }
    }

    /// The trace's copy of the executable `exec` ran, made executable when the copy is not.
    private func executable(of exec: ExecEvent) throws -> String {
        var exe = try files.path(of: exec.executable)
        if access(exe, X_OK) != 0 {
            exe = try files.source(for: exec.executable).path
            chmod(exe, 0o700)
        }
        return exe
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
        try clearBelowRecordedStack(task: task, exec)
        try task.writeMemory(exec.stack.address, exec.stack.bytes)
        try task.setRegisters(exec.registers)
    }

    /// A later exec runs the trace's copy of the executable, whose path (the string the kernel
    /// puts at the top of the stack, for AT_EXECFN) is longer than the recorded one: the
    /// kernel's initial stack then reaches lower than the recorded stack written over it, and
    /// its lowest words (argc, argv and envp pointers) stay below the recorded rsp, where the
    /// recording's fresh stack had zeros. A program that never overwrites them (the Go runtime's
    /// rt0_go frame leaves slots unwritten) keeps them in its live stack, which a state
    /// signature digests. Measured: `go build` then the built program, 4 of 15 recordings
    /// diverged at a position of its main thread (on a goroutine's stack); in the two examined
    /// the memory differed in one page, [stack]'s last, at 0x7fffffffe730-0x7fffffffe74e (argc 1
    /// and a pointer into the argument strings; zeros when recorded). All 4 replay identically
    /// now; progress/exec_stack.c diverged 2 of 2 before.
    private func clearBelowRecordedStack(task: Task, _ exec: ExecEvent) throws {
        let kernelRsp = try task.registers().rsp
        let below = exec.stack.address &- kernelRsp
        // Only the kernel's initial stack (argument and environment strings, at most a few MiB
        // under the usual limits) below the recorded one; anything else is not ours to clear.
        guard kernelRsp < exec.stack.address, below <= 64 << 20 else { return }
        try task.writeMemory(kernelRsp, [UInt8](repeating: 0, count: Int(below)))
    }

    /// The address space after exec must be the recorded one, or nothing after it can match.
    private func checkLayout(task: Task, recorded: [Mapping]) throws {
        let special: Set<String> = ["[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]"]
        let now = try task.mappings().filter { !special.contains($0.name) }
        let then = recorded.filter { !special.contains($0.name) }
        // The initial stack holds the path the kernel was given (AT_EXECFN), and replay execs the
        // trace's copy, whose path is longer: when the extra bytes cross a page, [stack] starts a
        // page (or more) lower than recorded. Measured: `gcc -fsanitize=thread -o tsan t.c &&
        // ./tsan` under bash, its exec of ./tsan, [stack] 0x7ffffffdd000 replayed against
        // 0x7ffffffde000 recorded. The end must match; a start lower by what the longer strings
        // need is the same layout (clearBelowRecordedStack zeroes what lies below the recorded one).
        func sameLayout(_ a: MapsLine, _ b: Mapping) -> Bool {
            guard a.end == b.end, a.permissions == b.permissions else { return false }
            return a.start == b.start || (a.name == "[stack]" && a.start < b.start && b.start - a.start <= 64 << 20)
        }
        for (a, b) in zip(now, then) where !sameLayout(a, b) {
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
    func replayExec(_ exec: ExecEvent) throws -> Bool {
        let t = try tasks.replayTask(exec.tid)
        try session.signalActions.applyForExec(t)
        guard let regs = try session.toSyscallEntry(t, name: "execve") else { return false }
        let number = Int(Int64(bitPattern: regs.origRax))
        guard SyscallTable.spec(number)?.replay == .exec else {
            throw diverge("expected execve, but task \(exec.tid) called \(SyscallTable.name(number))")
        }
        let exe = try executable(of: exec)
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
        session.mappings.forget(process: task.tgid)   // opened close-on-exec
        try finishExec(task: task, exec)
        return true
    }
}
