// The recorder's side of syscall buffering (issue 7; protocol in
// Sources/SwrrPreload/include/swrr_syscallbuf.h):
// - the program starts with libswrrpreload.so in LD_PRELOAD and swrr's seccomp filter, so the
//   library's syscalls from the stub page run without a stop and every other syscall stops as a
//   PTRACE_EVENT_SECCOMP (user code is resumed with PTRACE_CONT, not PTRACE_SYSCALL);
// - each thread announces its buffer with swrr_register_buffer, answered here with 0;
// - right before any event of a task, its buffer's new records go into the trace as a
//   BufferFlushEvent and the buffer is emptied (only there: replay puts records back at the
//   task's events, so the buffer may only be emptied where replay stops the task too);
// - a signal held back for a task, or a vfork child sharing its buffer, sets the buffer's limit
//   to 0: the library's next call then makes an ordinary syscall, where the signal is delivered.
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
}

extension Recorder {
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
            guard h.used <= SyscallBufferLayout.recordSpace,
                  let bytes = try? t.task.readMemory(start + UInt64(buffer.flushed), count: Int(h.used - buffer.flushed)),
                  let records = BufferedSyscall.parse(bytes) else {
                throw RecordError.tracee("the syscall buffer of task \(t.tid) at 0x\(String(buffer.address, radix: 16)) is damaged")
            }
            for r in records { applyFdEffect(r, of: t) }
            // Inside a call, the library has passed (or is about to pass) its check for one more
            // record: replay must let it pass too.
            let limit = h.locked != 0 ? h.used + 1 : h.used
            try writerRef.append(.bufferFlush(BufferFlushEvent(
                tid: t.tid, buffer: buffer.address, limit: limit,
                records: MemoryWrite(address: start + UInt64(buffer.flushed), bytes: bytes))))
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

    private func openLimit(_ b: TaskBuffer) -> UInt32 { b.disabled ? 0 : SyscallBufferLayout.recordSpace }

    /// A buffered close (or other descriptor change) as the fd table for output echo sees it.
    private func applyFdEffect(_ r: BufferedSyscall, of t: RecordTask) {
        guard let spec = SyscallTable.spec(r.number), spec.fdEffect != .none else { return }
        t.process.fds.apply(spec.fdEffect, args: r.args + [0, 0, 0], result: r.result) { nil }
    }

    /// Makes the task's next buffered call an ordinary syscall (a signal waits for one).
    func interruptBuffering(_ t: RecordTask) {
        guard let b = t.buffer else { return }
        writeHeader(of: t, at: b.address, used: nil, limit: 0)
    }

    /// swrr_register_buffer: whether to accept it (called at its entry).
    func acceptsBuffer(from t: RecordTask) -> Bool {
        syscallBuffering && t.sharesBufferOf == nil && t.buffer == nil
    }

    /// swrr_register_buffer returned 0: the library uses the buffer from now on.
    func registerBuffer(_ t: RecordTask, address: UInt64) {
        let b = TaskBuffer(address: address)
        t.buffer = b
        writeHeader(of: t, at: address, used: 0, limit: openLimit(b))
    }

    /// A new task. A forked child has a copy of its parent's buffer at the same address; a child
    /// that shares the parent's memory but not its TLS (vfork, CLONE_VM without CLONE_SETTLS)
    /// would write into the parent's buffer: the parent's buffer is off meanwhile.
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
        interruptBuffering(parent)
        if !vfork { parent.bufferOffForGood = true }
    }

    /// The child that shared a parent's buffer is gone or has its own memory now (exec).
    func releaseSharedBuffer(_ child: RecordTask) {
        guard let parent = child.sharesBufferOf else { return }
        child.sharesBufferOf = nil
        if !parent.bufferOffForGood { parent.buffer?.disabled = false }
    }
}
