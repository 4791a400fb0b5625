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
/// distinguishable from SIGTRAP (TRACESYSGOOD), exec and exit are reported.
let recordPtraceOptions: Int = 0x01 /* TRACESYSGOOD */ | 0x10 /* TRACEEXEC */ | 0x40 /* TRACEEXIT */
    | 0x10_0000 /* EXITKILL */

public final class Recorder {
    private let options: RecordOptions
    private var writer: TraceWriter?
    private var task: Task?
    private var fds = FdTable()

    public init(options: RecordOptions) {
        self.options = options
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
        let header = makeHeader(program: program)
        let writer = try TraceWriter(directory: dir, header: header)
        self.writer = writer
        if options.outputDirectory == nil { try? TraceStore.setLatest(dir) }
        options.status("recording to \(dir) (tick source: none)")
        do {
            let status = try record(program: program, header: header, writer: writer)
            try writer.finish(.complete(waitStatus: status))
            return RecordResult(traceDirectory: dir, waitStatus: status, eventCount: writer.eventCount)
        } catch {
            task?.kill()
            try? writer.finish(.aborted(reason: (error as? RecordError)?.traceReason ?? "\(error)"))
            throw error
        }
    }

    private func makeHeader(program: String) -> TraceHeader {
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
                                cpuid: CPUProbe.snapshot().map {
                                    CPUIDLeaf(leaf: $0.leaf, subleaf: $0.subleaf, eax: $0.eax, ebx: $0.ebx,
                                              ecx: $0.ecx, edx: $0.edx)
                                }),
            kernel: KernelDescription(sysname: k.sysname, release: k.release, version: k.version,
                                      machine: k.machine),
            stackLimit: [UInt64(rl.rlim_cur), UInt64(rl.rlim_max)],
            ignoredSignals: options.signals.ignored, blockedSignals: options.signals.blocked)
    }

    // MARK: the loop

    private func record(program: String, header: TraceHeader, writer: TraceWriter) throws -> Int32 {
        let pid: pid_t
        do {
            pid = try Spawner.spawn(path: program, argv: header.argv, env: header.environment,
                                    cwd: header.workingDirectory, flags: Spawner.recordFlags,
                                    stackLimit: nil, signals: options.signals,
                                    ptraceOptions: recordPtraceOptions)
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

        var inSyscall = false
        var entry = Registers(values: Array(repeating: 0, count: Registers.count))
        var refused: Int32? = nil
        var pendingSignal: Int32 = 0
        try task.resume(.syscall)
        while true {
            let stop = try task.wait()
            switch stop {
            case .syscall:
                if !inSyscall {
                    entry = try task.registers()
                    refused = try syscallEntry(task: task, regs: entry, writer: writer)
                    inSyscall = true
                } else {
                    try syscallExit(task: task, entry: entry, refused: refused, writer: writer)
                    inSyscall = false
                }
            case .signal(let sig):
                pendingSignal = try signalStop(task: task, signal: sig, writer: writer)
            case .event(.exit):
                break  // the exit status follows with the task's termination
            case .event:
                break  // group-stops and the like: just resume
            case .exited, .killed:
                let status: Int32
                if case .exited(let code) = stop { status = WaitStatus.exited(code) }
                else if case .killed(let sig, let core) = stop { status = WaitStatus.killed(sig, core: core) }
                else { status = 0 }
                try writer.append(.exit(ExitEvent(tid: task.tid, waitStatus: status)))
                self.task = nil
                return status
            }
            try task.resume(.syscall, signal: pendingSignal)
            pendingSignal = 0
        }
    }

    /// At a syscall entry. Returns the errno the call is refused with, if the table says so.
    private func syscallEntry(task: Task, regs: Registers, writer: TraceWriter) throws -> Int32? {
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
            return nil
        }
        var refusal: Int32? = nil
        switch spec.record {
        case .run: break
        case .refuse(let e): refusal = e
        case .refuseWhenEchoing(let fdArg, let e):
            if fds.echoTarget(regs.syscallArgs[fdArg]) != 0 { refusal = e }
        }
        if let e = refusal {
            var r = regs
            r.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
            try task.setRegisters(r)
            return e
        }
        return nil
    }

    private func syscallExit(task: Task, entry: Registers, refused: Int32?, writer: TraceWriter) throws {
        let number = Int(Int64(bitPattern: entry.origRax))
        guard let spec = SyscallTable.spec(number), spec.replay != .exit else { return }
        var regs = try task.registers()
        if let e = refused {
            regs.rax = UInt64(bitPattern: -Int64(e))
            try task.setRegisters(regs)
        }
        let args = entry.syscallArgs
        let result = regs.syscallResult
        let ranges: [MemoryRange]
        do {
            ranges = try SyscallOutputs.ranges(for: spec, args: args, result: result) { addr, n in
                try? task.readMemory(addr, count: n)
            }
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
            case .buffer(let fdArg, _), .iovecs(let fdArg, _, _): echo = fds.echoTarget(args[fdArg])
            }
        }
        var mapped: MappedFile? = nil
        if spec.replay == .mmap && result >= 0 {
            mapped = try mappedFile(task: task, args: args, writer: writer)
        }
        fds.apply(spec.fdEffect, args: args, result: result) {
            guard case .fdPair(let a) = spec.fdEffect, let b = try? task.readMemory(args[a], count: 8) else { return nil }
            return (Int64(Int32(bitPattern: b.loadU32(at: 0))), Int64(Int32(bitPattern: b.loadU32(at: 4))))
        }
        try writer.append(.syscall(SyscallEvent(
            tid: task.tid, number: Int32(number), args: args, registers: entry, result: result,
            writes: writes, echoFd: echo, mappedFile: mapped,
            strings: capturedStrings(task: task, spec: spec, args: args))))
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
        return try writer.addFile(path: path)
    }

    /// The end of the initial execve: hide the vDSO, keep the executable and libraries, save the
    /// initial stack and the address-space layout.
    private func recordExec(task: Task, program: String, regs: Registers, writer: TraceWriter) throws -> ExecEvent {
        try InitialStack.hideVDSO(task: task, rsp: regs.rsp)
        try ScratchPage.map(in: task)
        let maps = try task.mappings()
        let stack = try InitialStack.capture(task: task, rsp: regs.rsp, mappings: maps)
        let exe = try writer.addFile(path: program)
        // Libraries the kernel mapped (the ELF interpreter) are kept too, for `swrr pack` and for
        // debugging the trace on another machine.
        for m in maps where m.name.hasPrefix("/") && m.name != program && m.inode != 0 {
            _ = try? writer.addFile(path: m.name)
        }
        return ExecEvent(tid: task.tid, originalPath: program, executable: exe, registers: regs, stack: stack,
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

    /// At a signal-delivery stop: emulates trapped rdtsc; otherwise records the signal and returns
    /// it for delivery.
    private func signalStop(task: Task, signal: Int32, writer: TraceWriter) throws -> Int32 {
        var regs = try task.registers()
        let info = try task.siginfo()
        if signal == SIGSEGV, let code = try? task.readMemory(regs.rip, count: 3),
           let insn = TrappedInstruction(bytes: code) {
            var aux: UInt32 = 0
            let value = insn == .rdtscp ? swrr_rdtscp(&aux) : swrr_rdtsc()
            try writer.append(.rdtsc(RdtscEvent(tid: task.tid, registers: regs, value: value, aux: aux,
                                                isRdtscp: insn == .rdtscp)))
            RdtscEmulation.apply(insn, value: value, aux: aux, to: &regs)
            try task.setRegisters(regs)
            return 0
        }
        let synchronous = SignalNames.synchronous.contains(signal) && info.code > 0
        if !synchronous {
            switch SignalPolicy.disposition(of: signal, tid: task.tid) {
            case .ignored, .stops:
                return signal  // no effect on the program's state: deliver, nothing to replay
            case .fatal:
                break
            case .caught:
                // A handler needs a delivery point replay can find again; that arrives with the
                // processes/threads/signals work. Refuse rather than mis-record.
                throw RecordError.tracee("an asynchronous \(SignalNames.name(signal)) with a handler is not supported yet")
            }
        }
        try writer.append(.signal(SignalEvent(tid: task.tid, signal: signal, code: info.code, registers: regs)))
        return signal
    }
}

func readLink(_ path: String) -> String? {
    var buf = [Int8](repeating: 0, count: 4097)
    let n = readlink(path, &buf, 4096)
    guard n > 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
