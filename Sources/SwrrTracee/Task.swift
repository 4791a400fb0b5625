// One traced task (a thread, or the single thread of a process): its registers, its memory,
// resuming it and waiting for its next stop, and running syscalls inside it.
//
// Costs measured on these VMs (DESIGN.md §1): one ptrace stop round trip ≈ 45 µs, so callers
// should batch (GETREGS once per stop, process_vm_readv for memory rather than PEEKDATA).
import CSwrrShim
import Glibc
import SwrrKernel

public struct TraceeError: Error, CustomStringConvertible {
    public let description: String
    /// The task a ptrace request failed on with ESRCH: it is no longer stopped for us, because it
    /// is on its way out (another thread's exit_group or execve, a SIGKILL) between the stop we
    /// saw and the request. Its end is reported by waitpid later; callers that follow many tasks
    /// take this as "it is exiting", not as a failure.
    public let vanished: pid_t?
    public init(_ description: String, vanished: pid_t? = nil) {
        self.description = description
        self.vanished = vanished
    }
    static func errno(_ what: String, _ code: Int32 = Glibc.errno) -> TraceeError {
        TraceeError("\(what): \(String(cString: strerror(code)))")
    }
    /// A failed ptrace request on `tid`.
    static func ptrace(_ what: String, tid: pid_t, _ code: Int32 = Glibc.errno) -> TraceeError {
        TraceeError("\(what): \(String(cString: strerror(code)))", vanished: code == ESRCH ? tid : nil)
    }
}

/// How to resume a stopped task.
public enum ResumeMode: Sendable {
    case cont            // PTRACE_CONT
    case syscall         // PTRACE_SYSCALL: stop at the next syscall entry or exit
    case sysemu          // PTRACE_SYSEMU: stop at the next syscall entry and do not run it
    case singleStep      // PTRACE_SINGLESTEP
    case sysemuSingleStep // PTRACE_SYSEMU_SINGLESTEP: one instruction, or a syscall entry not run

    var request: Int32 {
        switch self {
        case .cont: return 7
        case .syscall: return 24
        case .sysemu: return 31
        case .singleStep: return 9
        case .sysemuSingleStep: return 32
        }
    }
}

public final class Task {
    public let tid: pid_t
    /// Thread-group id (the process), equal to tid for a process's main thread.
    public let tgid: pid_t
    private var memFd: Int32 = -1

    public init(tid: pid_t, tgid: pid_t? = nil) {
        self.tid = tid
        self.tgid = tgid ?? tid
    }

    deinit {
        if memFd >= 0 { close(memFd) }
    }

    // MARK: registers

    public func registers() throws -> Registers {
        var r = user_regs_struct()
        guard swrr_getregs(tid, &r) == 0 else { throw TraceeError.ptrace("PTRACE_GETREGS of \(tid)", tid: tid) }
        return Registers(r)
    }

    public func setRegisters(_ regs: Registers) throws {
        var r = regs.raw
        guard swrr_setregs(tid, &r) == 0 else { throw TraceeError.ptrace("PTRACE_SETREGS of \(tid)", tid: tid) }
    }

    public func siginfo() throws -> (signal: Int32, code: Int32, address: UInt64) {
        var info = siginfo_t()
        guard swrr_getsiginfo(tid, &info) == 0 else { throw TraceeError.errno("PTRACE_GETSIGINFO of \(tid)") }
        return (swrr_siginfo_signo(&info), swrr_siginfo_code(&info), swrr_siginfo_addr(&info))
    }

    public func eventMessage() throws -> UInt64 {
        var msg: UInt = 0
        guard swrr_geteventmsg(tid, &msg) == 0 else { throw TraceeError.ptrace("PTRACE_GETEVENTMSG of \(tid)", tid: tid) }
        return UInt64(msg)
    }

    // MARK: memory

    /// Reads `count` bytes; throws if any of them is unreadable.
    public func readMemory(_ address: UInt64, count: Int) throws -> [UInt8] {
        if count == 0 { return [] }
        var buf = [UInt8](repeating: 0, count: count)
        let n = buf.withUnsafeMutableBytes { swrr_read_memory(tid, address, $0.baseAddress, count) }
        if n == count { return buf }
        // process_vm_readv stops at the first unreadable page; /proc/PID/mem can read pages the
        // task itself could not (PROT_NONE guard pages are still unreadable either way).
        let m = try procMemFd()
        let r = buf.withUnsafeMutableBytes { pread(m, $0.baseAddress, count, off_t(Int64(bitPattern: address))) }
        guard r == count else {
            throw TraceeError("cannot read \(count) bytes at 0x\(String(address, radix: 16)) in task \(tid)")
        }
        return buf
    }

    /// Writes bytes, also into read-only pages (as a debugger's breakpoints need).
    public func writeMemory(_ address: UInt64, _ bytes: [UInt8]) throws {
        if bytes.isEmpty { return }
        let n = bytes.withUnsafeBytes { swrr_write_memory(tid, address, $0.baseAddress, bytes.count) }
        if n == bytes.count { return }
        let m = try procMemFd()
        let r = bytes.withUnsafeBytes { pwrite(m, $0.baseAddress, bytes.count, off_t(Int64(bitPattern: address))) }
        guard r == bytes.count else {
            throw TraceeError("cannot write \(bytes.count) bytes at 0x\(String(address, radix: 16)) in task \(tid)")
        }
    }

    /// A NUL-terminated string of at most `limit` bytes (nil if unreadable).
    public func readCString(_ address: UInt64, limit: Int = 4096) -> String? {
        if address == 0 { return nil }
        var out: [UInt8] = []
        var addr = address
        while out.count < limit {
            // Read up to the end of the page so a string near an unmapped page still reads.
            let pageLeft = Int(4096 - (addr & 4095))
            guard let chunk = try? readMemory(addr, count: min(pageLeft, limit - out.count)) else { break }
            if let z = chunk.firstIndex(of: 0) {
                out += chunk[..<z]
                return String(decoding: out, as: UTF8.self)
            }
            out += chunk
            addr += UInt64(chunk.count)
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    private func procMemFd() throws -> Int32 {
        if memFd < 0 {
            memFd = open("/proc/\(tid)/mem", O_RDWR | O_CLOEXEC)
            if memFd < 0 { throw TraceeError.errno("open /proc/\(tid)/mem") }
        }
        return memFd
    }

    /// After an exec the task has a new address space: cached handles to the old one are stale.
    public func addressSpaceChanged() {
        if memFd >= 0 { close(memFd); memFd = -1 }
    }

    /// The task's memory map, parsed from /proc/PID/maps.
    public func mappings() throws -> [MapsLine] {
        guard let text = readTextFile("/proc/\(tid)/maps") else {
            throw TraceeError("cannot read /proc/\(tid)/maps")
        }
        return text.split(separator: "\n").compactMap { MapsLine(parsing: Substring($0)) }
    }

    // MARK: running

    public func resume(_ mode: ResumeMode, signal: Int32 = 0) throws {
        guard swrr_ptrace(mode.request, tid, 0, UInt(signal)) == 0 else {
            throw TraceeError.ptrace("resuming task \(tid)", tid: tid)
        }
    }

    /// How many stops `wait()` has waited for in this process, every task together: what
    /// SWRR_PROFILE counts per kind of replayed event (SwrrReplay/ReplayProfile.swift). Only the
    /// one tracer thread waits, so a plain counter does.
    public nonisolated(unsafe) static var stopsWaited = 0

    /// Seconds this task may make no progress (asleep in the kernel, a zombie: StallWatch.swift)
    /// while `wait()` waits for its stop, after which `wait()` throws TaskStuck; nil: no bound
    /// (a recorded program may block as long as it likes; a replayed one never blocks for long).
    public var stuckAfter: Double?

    /// Waits for this task's next stop or its end (within `stuckAfter`, when set: WaitWatchdog
    /// ends the wait of a task that makes no progress for that long, and it throws TaskStuck).
    public func wait() throws -> Stop {
        Task.stopsWaited &+= 1
        var status: Int32 = 0
        if let limit = stuckAfter {
            WaitWatchdog.shared.begin(tid: tid, tgid: tgid, limit: limit)
            while true {
                let r = swrr_waitpid_wakeable(tid, &status)
                let code = errno
                if r == tid || code != EINTR {
                    if let stuck = WaitWatchdog.shared.end(tid: tid) { throw stuck }
                    guard r == tid else { throw TraceeError.errno("waitpid(\(tid))", code) }
                    return Stop(waitStatus: status)
                }
                if let stuck = WaitWatchdog.shared.endIfStuck(tid: tid) { throw stuck }
            }
        }
        let r = swrr_waitpid(tid, &status, 0)
        guard r == tid else { throw TraceeError.errno("waitpid(\(tid))") }
        return Stop(waitStatus: status)
    }

    /// Waits for this task's next stop or its end for about `timeoutMs` (> 0); nil when it has
    /// not stopped by then (so the waiting thread can do something else, and wait again).
    public func wait(timeoutMs: Int32) throws -> Stop? {
        var status: Int32 = 0
        let r = swrr_waitpid_timeout(tid, &status, timeoutMs)
        if r == 0 { return nil }
        guard r == tid else { throw TraceeError.errno("waitpid(\(tid))") }
        return Stop(waitStatus: status)
    }

    /// This task's next stop or end if one is already reported, without waiting; nil when there
    /// is none yet. Throws when the task no longer exists (ECHILD: reaped, or its tid taken over by
    /// an exec in another thread of its group).
    public func poll() throws -> Stop? {
        var status: Int32 = 0
        let r = swrr_waitpid(tid, &status, WNOHANG)
        if r == 0 { return nil }
        guard r == tid else { throw TraceeError.errno("waitpid(\(tid))") }
        return Stop(waitStatus: status)
    }

    /// At a syscall stop: whether it is the syscall's exit (PTRACE_GET_SYSCALL_INFO), not its entry.
    /// Resumed with PTRACE_SYSCALL from a PTRACE_SYSEMU entry stop, a task first reports the exit
    /// of the call the kernel skipped, at the same instruction.
    public func isAtSyscallExit() throws -> Bool {
        var info = [UInt8](repeating: 0, count: 88)   // struct ptrace_syscall_info
        let n = info.withUnsafeMutableBytes {
            swrr_ptrace(0x420e /* PTRACE_GET_SYSCALL_INFO */, tid, UInt(88), UInt(bitPattern: $0.baseAddress))
        }
        guard n > 0 else { throw TraceeError.errno("PTRACE_GET_SYSCALL_INFO of \(tid)") }
        return info[0] == 2   // PTRACE_SYSCALL_INFO_EXIT
    }

    /// Stops a running task wherever it is (PTRACE_INTERRUPT); the stop arrives as .event(.stop).
    public func interrupt() throws {
        guard swrr_ptrace(0x4207, tid, 0, 0) == 0 else { throw TraceeError.ptrace("PTRACE_INTERRUPT of \(tid)", tid: tid) }
    }

    /// Leaves a task in a group-stop stopped (PTRACE_LISTEN): resuming it would run it although
    /// its process is stopped. A SIGCONT wakes it into a PTRACE_EVENT_STOP reported with SIGTRAP.
    public func listen() throws {
        guard swrr_ptrace(0x4208, tid, 0, 0) == 0 else { throw TraceeError.ptrace("PTRACE_LISTEN of \(tid)", tid: tid) }
    }

    /// Sends `signal` to this thread (tgkill).
    public func sendSignal(_ signal: Int32) {
        _ = swrr_syscall6(234, Int(tgid), Int(tid), Int(signal), 0, 0, 0)
    }

    /// The raw siginfo_t (128 bytes) of the current signal-delivery stop.
    public func rawSiginfo() throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: 128)
        guard buf.withUnsafeMutableBytes({ swrr_getsiginfo_raw(tid, $0.baseAddress) }) == 0 else {
            throw TraceeError.errno("PTRACE_GETSIGINFO of \(tid)")
        }
        return buf
    }

    public func setRawSiginfo(_ info: [UInt8]) throws {
        guard info.count == 128 else { return }
        guard info.withUnsafeBytes({ swrr_setsiginfo_raw(tid, $0.baseAddress) }) == 0 else {
            throw TraceeError.errno("PTRACE_SETSIGINFO of \(tid)")
        }
    }

    /// Waits for a stop of any traced task. nil when `timeoutMs` (> 0) passed first.
    public static func waitAny(timeoutMs: Int32 = 0) throws -> (tid: pid_t, stop: Stop)? {
        var status: Int32 = 0
        let r = swrr_waitpid_timeout(-1, &status, timeoutMs)
        if r == 0 { return nil }
        guard r > 0 else { throw TraceeError.errno("waitpid") }
        return (r, Stop(waitStatus: status))
    }

    /// Kills the task's whole process and reaps it; safe to call on an already dead task.
    /// A tracee that stops on its way out (PTRACE_EVENT_EXIT still happens after SIGKILL) is
    /// resumed until it is gone; after about two seconds swrr stops waiting (PTRACE_O_EXITKILL
    /// still ends it when swrr exits).
    public func kill() {
        _ = Glibc.kill(tgid, SIGKILL)
        if tid != tgid { _ = swrr_syscall6(234, Int(tgid), Int(tid), Int(SIGKILL), 0, 0, 0) }
        var status: Int32 = 0
        for _ in 0..<2000 {
            let r = swrr_waitpid(tid, &status, WNOHANG)
            if r < 0 { return }                       // gone (or not ours)
            if r == tid {
                if swrr_wifexited(status) != 0 || swrr_wifsignaled(status) != 0 { return }
                _ = swrr_ptrace(7 /* PTRACE_CONT */, tid, 0, 0)
                continue
            }
            // Still in a stop whose report was already taken: nudge it on.
            _ = swrr_ptrace(7 /* PTRACE_CONT */, tid, 0, 0)
            usleep(1000)
        }
    }

    /// Kills several tasks (whole processes) and reaps them, all at once: every process gets its
    /// SIGKILL first, then each task is resumed out of its exit stop until it is gone. (One at a
    /// time, a thread group leader waits for threads whose own exit stops nobody resumes yet.)
    public static func kill(_ tasks: [Task]) {
        for t in tasks {
            _ = Glibc.kill(t.tgid, SIGKILL)
            if t.tid != t.tgid { _ = swrr_syscall6(234, Int(t.tgid), Int(t.tid), Int(SIGKILL), 0, 0, 0) }
        }
        // Reaped within 0.4 s when the machine is idle; under load (7 and more, measured in
        // CheckpointTests.testRestoringAtEveryEventOfProcessTrees) a frozen copy's teardown took
        // longer, and it outlived kill(): after the first 2,000 polls, 10 ms apart for up to 10 s.
        var left = tasks
        for i in 0..<3000 where !left.isEmpty {
            left = left.filter { t in
                var status: Int32 = 0
                let r = swrr_waitpid(t.tid, &status, WNOHANG)
                if r < 0 { return false }   // gone (or not ours)
                if r == t.tid && (swrr_wifexited(status) != 0 || swrr_wifsignaled(status) != 0) { return false }
                _ = swrr_ptrace(7 /* PTRACE_CONT */, t.tid, 0, 0)
                return true
            }
            if !left.isEmpty { usleep(i < 2000 ? 200 : 10_000) }
        }
    }

    /// Runs one syscall inside the stopped task, by pointing rip at a `syscall` instruction
    /// (`syscallInstruction`, normally the one the task just stopped at: rip - 2) and resuming
    /// to its entry and exit stops. The caller restores registers afterwards.
    /// Works from a PTRACE_SYSEMU stop or a syscall-exit stop (not from an entry stop, where the
    /// kernel would still run the original call).
    public func injectSyscall(_ number: Int, _ args: [UInt64], syscallInstruction: UInt64,
                              base: Registers, onEvent: ((PtraceEvent, UInt64) throws -> Void)? = nil) throws -> Int64 {
        try enterInjectedSyscall(number, args, syscallInstruction: syscallInstruction, base: base)
        // Between entry and exit: fork/clone/exec events, and signals from outside that replay
        // does not want (it delivers recorded signals itself).
        while true {
            try resume(.syscall)
            let stop = try wait()
            switch stop {
            case .syscall:
                return try registers().syscallResult
            case .event(let e):
                if e == .exec { addressSpaceChanged() }
                try onEvent?(e, try eventMessage())
            case .signal:
                continue
            case .exited, .killed:
                throw TraceeError("injected \(SyscallTable.name(number)): the task ended (\(stop))")
            }
        }
    }

    /// The first half of `injectSyscall`: leaves the task stopped at the entry of the injected
    /// call, which the kernel runs when the task is resumed (with PTRACE_SYSCALL, to see its exit).
    public func enterInjectedSyscall(_ number: Int, _ args: [UInt64], syscallInstruction: UInt64,
                                     base: Registers) throws {
        var regs = base
        regs.rip = syscallInstruction
        regs.rax = UInt64(number)
        regs.origRax = UInt64(bitPattern: -1)
        var a = args
        while a.count < 6 { a.append(0) }
        regs.syscallArgs = a
        try setRegisters(regs)
        // Resumed with PTRACE_SYSCALL from a PTRACE_SYSEMU stop, the kernel first reports the exit
        // of the emulated call (rip still at the instruction we pointed it to); the entry of the
        // injected call is the stop whose rip is past the syscall instruction.
        // Signals that arrive meanwhile (SIGCHLD from replayed children that really exit) are not
        // the program's: every signal it saw is in the trace, so they are dropped.
        var entered = false
        for _ in 0..<64 {
            try resume(.syscall)
            let stop = try wait()
            switch stop {
            case .syscall:
                if try registers().rip == syscallInstruction + 2 { entered = true }
            case .signal, .event(.stop):
                continue
            default:
                throw TraceeError("injected \(SyscallTable.name(number)): expected a syscall stop, got \(stop)")
            }
            if entered { break }
        }
        guard entered else {
            throw TraceeError("injected \(SyscallTable.name(number)) did not start")
        }
    }
}

extension Task {
    /// Runs a syscall at any stop by writing a `syscall` instruction (0F 05) over the two bytes at
    /// rip for the duration, then restoring them and the registers. Used right after exec, where
    /// there is no syscall instruction behind rip to borrow.
    public func injectSyscallAtRip(_ number: Int, _ args: [UInt64],
                                   onEvent: ((PtraceEvent, UInt64) throws -> Void)? = nil) throws -> Int64 {
        try injectSyscall(number, args, writingInstructionAt: try registers().rip, onEvent: onEvent)
    }

    /// The same with the `syscall` instruction written (for the duration) at `address`.
    public func injectSyscall(_ number: Int, _ args: [UInt64], writingInstructionAt address: UInt64,
                              onEvent: ((PtraceEvent, UInt64) throws -> Void)? = nil) throws -> Int64 {
        let regs = try registers()
        let saved = try readMemory(address, count: 2)
        try writeMemory(address, [0x0F, 0x05])
        defer {
            try? writeMemory(address, saved)
            try? setRegisters(regs)
        }
        return try injectSyscall(number, args, syscallInstruction: address, base: regs, onEvent: onEvent)
    }
}

/// The page swrr maps at a fixed address in every recorded and replayed process, right after
/// exec, so that both see the same address space. Replay uses it as scratch memory for the
/// arguments of syscalls it injects (paths to open); later the syscall buffer lives beside it.
/// 0x70000000 is the address rr uses for the same purpose: below where mmap places libraries, and
/// far above where small non-PIE programs load.
public enum ScratchPage {
    public static let address: UInt64 = 0x7000_0000
    public static let size: UInt64 = 4096

    /// Maps it; the task must be stopped right after exec (or anywhere injectSyscallAtRip works).
    public static func map(in task: Task) throws {
        // PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE
        let r = try task.injectSyscallAtRip(Syscall.mmap.number,
                                            [address, size, 0x3, MmapFlags.ownPage, UInt64(bitPattern: -1), 0])
        guard r == Int64(address) else {
            throw TraceeError("cannot map swrr's scratch page at 0x\(String(address, radix: 16)) (error \(-r))")
        }
    }
}

/// One line of /proc/PID/maps.
public struct MapsLine: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var permissions: String
    public var offset: UInt64
    public var device: String
    public var inode: UInt64
    public var name: String

    public init?(parsing line: Substring) {
        let parts = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard parts.count >= 5 else { return nil }
        let range = parts[0].split(separator: "-")
        guard range.count == 2, let s = UInt64(range[0], radix: 16), let e = UInt64(range[1], radix: 16),
              let off = UInt64(parts[2], radix: 16), let ino = UInt64(parts[4]) else { return nil }
        start = s; end = e; offset = off; inode = ino
        permissions = String(parts[1])
        device = String(parts[3])
        name = parts.count > 5 ? String(parts[5].drop(while: { $0 == " " })) : ""
    }
}

/// Reads a whole (small, /proc) file as text; nil if it cannot be read.
public func readTextFile(_ path: String) -> String? {
    readBinaryFile(path).map { String(decoding: $0, as: UTF8.self) }
}

/// A whole file's bytes; nil if it cannot be read.
public func readBinaryFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    var data: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { break }
        data += buf[0..<n]
    }
    return data
}
