// The recorder's side of syscall buffering (issue 7; protocol in
// Sources/SwrrPreload/include/swrr_syscallbuf.h):
// - the program starts with libswrrpreload.so in LD_PRELOAD and swrr's seccomp filter, so the
//   library's syscalls from the stub page run without a stop and every other syscall stops as a
//   PTRACE_EVENT_SECCOMP (user code is resumed with PTRACE_CONT, not PTRACE_SYSCALL);
// - each thread announces its buffer with swrr_register_buffer, answered here with 0;
// - right before any event of a task, its buffer's new records go into the trace as a
//   BufferFlushEvent and the buffer is emptied (only there: replay puts records back at the
//   task's events, so the buffer may only be emptied where replay stops the task too);
// - a signal held back for a task sets the buffer's limit to 0: the library's next call then
//   makes an ordinary syscall, where the signal is delivered;
// - a vfork child (its parent waits until it has exec'd or exited) buffers into its parent's
//   buffer as its own, flushed at its own events; a CLONE_VM child that does not stop its parent
//   turns the parent's buffer off for good.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// Where libswrrpreload.so is, and whether recording uses it.
public enum PreloadLibrary {
    /// Whether recording buffers syscalls unless told otherwise (`swrr record -n`): yes, unless
    /// the environment's SWRR_SYSCALLBUF is 0 (how the test suite runs a second time without).
    public static var enabledByDefault: Bool {
        guard let v = getenv("SWRR_SYSCALLBUF") else { return true }
        return String(cString: v) != "0"
    }

    /// The library: $SWRR_PRELOAD_LIBRARY, else next to the running executable (an installed
    /// swrr), else where `swift build` made it. nil when none of them exists.
    public static func find() -> String? {
        if let v = getenv("SWRR_PRELOAD_LIBRARY") {
            let path = String(cString: v)
            return access(path, R_OK) == 0 ? path : nil
        }
        if let exe = readLink("/proc/self/exe"), let slash = exe.lastIndex(of: "/") {
            let path = String(exe[..<slash]) + "/libswrrpreload.so"
            if access(path, R_OK) == 0 { return path }
        }
        return access(builtPreloadLibrary, R_OK) == 0 ? builtPreloadLibrary : nil
    }
}

/// A task's registered buffer, as the recorder tracks it.
struct TaskBuffer {
    /// Address of the buffer header in the task's memory.
    var address: UInt64
    /// Records up to this offset are already in the trace (a flush while the library was inside a
    /// call could not empty the buffer).
    var flushed: UInt32 = 0
    /// No records until the next flush resets it (a vfork child shares this buffer; or for good
    /// after a CLONE_VM child without its own TLS).
    var disabled = false
    /// A vfork child's use of its parent's buffer (the header's `shared` word is set meanwhile).
    var borrowed = false
}

/// The buffers of the recorded tasks, as the recorder keeps them: flushed into the trace before
/// each event of their task, closed when a signal waits, shared or off around vfork, and the
/// desched events that catch a buffered call that blocks.
final class SyscallBuffers {
    /// Syscalls are buffered: the seccomp filter stops only unbuffered ones, so user code is
    /// resumed with PTRACE_CONT (PTRACE_SYSCALL would stop at the library's syscalls too).
    let syscallBuffering: Bool
    /// The preload library's file as /proc/PID/maps names it (symbolic links resolved), nil
    /// without buffering: no position is taken in its code (SlicePreemption.swift).
    let libraryPath: String?
    private let writer: TraceWriter

    init(library: String?, writer: TraceWriter) {
        self.syscallBuffering = library != nil
        self.libraryPath = library.map { path in
            guard let resolved = realpath(path, nil) else { return path }
            defer { free(resolved) }
            return String(cString: resolved)
        }
        self.writer = writer
    }

    /// How to resume `t` into user code: with PTRACE_SYSCALL while its next buffered call must be
    /// caught at its entry (deschedStop).
    func userMode(_ t: RecordTask) -> ResumeMode {
        t.awaitingArmedCall || !syscallBuffering ? .syscall : .cont
    }

    var layoutHeader: Int { SyscallBufferLayout.headerSize }

    /// The buffer's (used, limit, locked) words.
    private func header(of t: RecordTask, at address: UInt64) -> (used: UInt32, limit: UInt32, locked: UInt32)? {
        guard let b = try? t.task.readMemory(address, count: 12) else { return nil }
        return (b.loadU32(at: 0), b.loadU32(at: 4), b.loadU32(at: 8))
    }

    private func writeHeader(of t: RecordTask, at address: UInt64, used: UInt32?, limit: UInt32) {
        if let used {
            _ = try? t.task.writeMemory(address, le(used) + le(limit))
        } else {
            _ = try? t.task.writeMemory(address + UInt64(SyscallBufferLayout.limitOffset), le(limit))
        }
    }

    private func le(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// Writes the task's new buffered records into the trace, and empties the buffer unless the
    /// library is inside a call. Call right before writing any event of `t`, while it is stopped.
    func flushBuffer(_ t: RecordTask) throws {
        guard var buffer = t.buffer, let h = header(of: t, at: buffer.address) else { return }
        let start = buffer.address + UInt64(layoutHeader)
        if h.used > buffer.flushed {
            // One pass over the records, decoding only the few that change descriptors (a flush
            // can hold tens of thousands of calls).
            guard h.used <= SyscallBufferLayout.recordSpace,
                  let bytes = try? t.task.readMemory(start + UInt64(buffer.flushed), count: Int(h.used - buffer.flushed)),
                  BufferedSyscall.scan(bytes, { number, offset in
                      if number < Self.bufferedFdEffects.count, Self.bufferedFdEffects[number] != .none {
                          applyFdEffect(Self.bufferedFdEffects[number], record: bytes, at: offset, of: t)
                      }
                  }) else {
                throw RecordError.tracee("the syscall buffer of task \(t.tid) at 0x\(String(buffer.address, radix: 16)) is damaged")
            }
            // Inside a call, the library has passed (or is about to pass) its check for one more
            // record: replay must let it pass too.
            let limit = h.locked != 0 ? h.used + 1 : h.used
            try writer.append(.bufferFlush(BufferFlushEvent(
                tid: t.tid, buffer: buffer.address, limit: limit,
                records: MemoryWrite(address: start + UInt64(buffer.flushed), bytes: bytes))))
            // The library's remembered descriptor classes end with the stretch (replay clears
            // them at each refill: the same points, see swrr_syscallbuf.h).
            if h.locked != 0 {
                _ = try? t.task.writeMemory(buffer.address + UInt64(SyscallBufferLayout.classesOffset), le(0))
            } else {
                // used, limit, locked, armed (both 0 outside a call) and classes at once.
                buffer.flushed = 0
                _ = try? t.task.writeMemory(buffer.address, le(0) + le(openLimit(buffer)) + le(0) + le(0) + le(0))
                t.buffer = buffer
                return
            }
        }
        if h.locked != 0 {
            buffer.flushed = h.used
        } else {
            buffer.flushed = 0
            if h.used != 0 || h.limit != openLimit(buffer) {
                writeHeader(of: t, at: buffer.address, used: 0, limit: openLimit(buffer))
            }
        }
        t.buffer = buffer
    }

    /// What each buffered call number does to the descriptor table (SyscallTable's fd effects),
    /// by number up to swrr's own calls.
    static let bufferedFdEffects: [FdEffect] = (0...SyscallBufferLayout.registerDeschedCall).map {
        SyscallTable.spec($0)?.fdEffect ?? .none
    }

    private func openLimit(_ b: TaskBuffer) -> UInt32 { b.disabled ? 0 : SyscallBufferLayout.recordSpace }

    /// A buffered close (or other descriptor change) as the fd table for output echo sees it:
    /// the record at `offset` of `bytes`.
    private func applyFdEffect(_ effect: FdEffect, record bytes: [UInt8], at offset: Int, of t: RecordTask) {
        let args = [bytes.loadU64(at: offset + 16), bytes.loadU64(at: offset + 24), bytes.loadU64(at: offset + 32), 0, 0, 0]
        t.applyFdEffect(effect, args: args, result: Int64(bitPattern: bytes.loadU64(at: offset + 8))) { nil }
    }

    /// When `t` (stopped, with registers `regs`) stands at the end of a buffered call that a
    /// signal or our PTRACE_INTERRUPT cut short (an EINTR or a restart code): the call returns
    /// SWRR_INTERRUPTED instead of the kernel's restart, and the library makes it as an ordinary
    /// syscall (swrr_syscallbuf.h). Such a call did nothing, so making it again changes nothing.
    @discardableResult
    func makeInterruptedCallOrdinary(_ t: RecordTask, regs: inout Registers) throws -> Bool {
        guard syscallBuffering, regs.rip == SyscallBufferLayout.untracedSyscallEnd,
              SyscallBufferLayout.wasInterrupted(regs.syscallResult) else { return false }
        regs.rax = UInt64(bitPattern: SyscallBufferLayout.interrupted)
        try t.task.setRegisters(regs)
        return true
    }

    /// Makes the task's next buffered call an ordinary syscall (a signal waits for one).
    func interruptBuffering(_ t: RecordTask) {
        guard let b = t.buffer else { return }
        writeHeader(of: t, at: b.address, used: nil, limit: 0)
    }

    /// swrr_register_buffer: whether to accept it (called at its entry).
    func acceptsBuffer(from t: RecordTask) -> Bool {
        // (Not for the program's own tracees, whose syscalls must all stop: EmulatedPtrace.swift.)
        syscallBuffering && t.sharesBufferOf == nil && t.buffer == nil && t.ptrace == nil
    }

    /// swrr_register_desched: whether to accept it (at its entry). swrr takes its own duplicate of
    /// the event's descriptor, to disable the event when it fires.
    func acceptsDesched(from t: RecordTask, fd: Int32) -> Bool {
        guard syscallBuffering, t.buffer != nil, t.desched == nil else { return false }
        // (The descriptor table is the process's: pidfd_open takes its leader.)
        let pidfd = Int32(truncatingIfNeeded: swrr_syscall6(434 /* pidfd_open */, Int(t.task.tgid), 0, 0, 0, 0, 0))
        guard pidfd >= 0 else { return false }
        defer { close(pidfd) }
        let mine = Int32(truncatingIfNeeded: swrr_syscall6(438 /* pidfd_getfd */, Int(pidfd), Int(fd), 0, 0, 0, 0))
        guard mine >= 0 else { return false }
        _ = fcntl(mine, F_SETFD, FD_CLOEXEC)
        t.desched = (fd, mine)
        return true
    }

    func forgetDesched(_ t: RecordTask) {
        if let d = t.desched { close(d.mine) }
        t.desched = nil
    }

    /// Whether the signal stop in front of us is the task's desched event firing. If so the event
    /// is disabled now: every ptrace stop is a context switch, so it would fire again at once.
    func isDesched(_ t: RecordTask) throws -> Bool {
        guard let d = t.desched else { return false }
        let info = try t.task.rawSiginfo()
        // siginfo_t of SIGPOLL-style signals: si_code at 8, si_fd at 24.
        guard Int32(bitPattern: info.loadU32(at: 24)) == d.fd else { return false }
        _ = swrr_syscall6(16 /* ioctl */, Int(d.mine), 0x2401 /* PERF_EVENT_IOC_DISABLE */, 0, 0, 0, 0)
        return true
    }

    /// The task's desched event fired (and is disabled now, see isDesched). Where the task stands:
    /// - the guarded call was interrupted: signalStop already made it return SWRR_INTERRUPTED;
    /// - the call has not been made yet (the event fired at the ioctl that enabled it, or between):
    ///   it must not run untraced now, with the event off it could block unnoticed; the task is
    ///   resumed with PTRACE_SYSCALL to catch its entry (untracedSyscallStop);
    /// - otherwise it fired after the call (a preemption, not a block): nothing to do.
    func deschedStop(_ t: RecordTask, regs: Registers) throws {
        let atStub = regs.rip == SyscallBufferLayout.untracedSyscallEnd
        let afterIoctl = atStub && Syscall(number: Int64(bitPattern: regs.origRax)) == .ioctl
        var armed = false
        if !atStub, let b = t.buffer,
           let w = try? t.task.readMemory(b.address + UInt64(SyscallBufferLayout.armedOffset), count: 4) {
            armed = w.loadU32(at: 0) != 0
        }
        if afterIoctl || armed { t.awaitingArmedCall = true }
        try t.task.resume(userMode(t))
    }

    /// An untraced syscall's entry while awaiting the guarded call: skip it (the library then
    /// makes it as an ordinary syscall); its exit returns SWRR_INTERRUPTED. The ioctl that
    /// disables the event means the call was made already: let it run.
    func untracedSyscallStop(_ t: RecordTask) throws {
        var regs = t.entry
        if t.skippingArmedCall {
            t.skippingArmedCall = false
            t.awaitingArmedCall = false
            regs.rax = UInt64(bitPattern: SyscallBufferLayout.interrupted)
            try t.task.setRegisters(regs)
            try t.task.resume(userMode(t))
            return
        }
        guard t.awaitingArmedCall, Syscall(number: Int64(bitPattern: regs.origRax)) != .ioctl else {
            t.awaitingArmedCall = false
            try t.task.resume(userMode(t))
            return
        }
        regs.origRax = UInt64(bitPattern: -1)
        try t.task.setRegisters(regs)
        t.skippingArmedCall = true
        try t.task.resume(.syscall)
    }

    /// swrr_register_buffer returned 0: the library uses the buffer from now on.
    /// Every buffer address registered so far (replay learns the same ones from the recorded
    /// swrr_register_buffer calls): what a state signature's digest leaves out.
    private(set) var registeredAddresses: Set<UInt64> = []

    /// The ranges a state signature taken now leaves out (SyscallBufferLayout.bufferRanges).
    var positionExclusions: [Range<UInt64>] { SyscallBufferLayout.bufferRanges(registeredAddresses) }

    func registerBuffer(_ t: RecordTask, address: UInt64) {
        registeredAddresses.insert(address)
        let b = TaskBuffer(address: address)
        t.buffer = b
        writeHeader(of: t, at: address, used: 0, limit: openLimit(b))
    }

    /// A new task. A forked child has a copy of its parent's buffer at the same address. A child
    /// that shares the parent's memory but not its TLS (vfork, CLONE_VM without CLONE_SETTLS)
    /// writes into the parent's buffer: a vfork child, whose parent waits in the kernel until the
    /// child has exec'd or exited, uses it as its own (the parent's records were flushed at its
    /// clone; the child's are flushed at the child's events, as the child's), with the header's
    /// `shared` word set so that nothing it classifies as may-block is buffered (SWRR_FD_SHARED).
    /// posix_spawn's child asks for every signal's action and resets it before its exec: make -j2
    /// of 17 files recorded 2,559 rt_sigaction events, nearly all of them in such children.
    /// Otherwise (another CLONE_VM child, or one the program traces) the parent's buffer is off.
    func inheritBuffer(parent: RecordTask, child: RecordTask, sharesMemory: Bool, newTLS: Bool, vfork: Bool) {
        guard var pb = parent.buffer else { return }
        if !sharesMemory {
            child.buffer = TaskBuffer(address: pb.address, flushed: 0, disabled: false)
            return
        }
        if newTLS { return }   // a thread: it makes and registers its own
        child.sharesBufferOf = parent
        pb.disabled = true
        parent.buffer = pb
        if vfork, child.ptrace == nil, pb.flushed == 0, let h = header(of: parent, at: pb.address), h.used == 0, h.locked == 0 {
            let b = TaskBuffer(address: pb.address, borrowed: true)
            child.buffer = b
            // used, limit, locked, armed, classes, shared.
            _ = try? parent.task.writeMemory(pb.address, le(0) + le(openLimit(b)) + le(0) + le(0) + le(0) + le(1))
            return
        }
        interruptBuffering(parent)
        if !vfork { parent.bufferOffForGood = true }
    }

    /// A vfork child on its parent's buffer at its PTRACE_EVENT_EXIT stop: its last records go
    /// into the trace now (one killed from outside made no exit_group whose entry flushed them),
    /// while the parent still waits in vfork (the kernel releases it only after this stop, at the
    /// child's exit_mm), so the parent finds the buffer empty and open.
    func borrowerExiting(_ child: RecordTask) throws {
        guard let b = child.buffer, b.borrowed else { return }
        try flushBuffer(child)
        // used, limit, locked, armed, classes (killed inside a call, the flush left them).
        _ = try? child.task.writeMemory(b.address, le(0) + le(openLimit(b)) + le(0) + le(0) + le(0))
        child.buffer?.flushed = 0
    }

    /// The child that shared a parent's buffer is gone or has its own memory now (exec). A vfork
    /// child left it empty and open: flushed at its execve's entry, or at its exit stop
    /// (borrowerExiting). Only the `shared` word is cleared here: the parent may be running
    /// already (an exec releases it before its PTRACE_EVENT_EXEC, a death before the wait status
    /// comes), and its records stay as they are; what it classified meanwhile carries
    /// SWRR_FD_SHARED in its record, so replay decides alike.
    func releaseSharedBuffer(_ child: RecordTask) {
        guard let parent = child.sharesBufferOf else { return }
        child.sharesBufferOf = nil
        if !parent.bufferOffForGood { parent.buffer?.disabled = false }
        guard let b = child.buffer, b.borrowed else { return }
        child.buffer = nil
        _ = try? parent.task.writeMemory(b.address + UInt64(SyscallBufferLayout.sharedOffset), le(0))
    }
}
