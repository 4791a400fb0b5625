// The events of a trace: everything nondeterministic that happened to the recorded program, in
// the order it happened. Replay consumes them in the same order. The binary encoding is in
// EventCodec.swift; memory bytes travel in the trace's data stream, not inline.
import SwrrTracee

/// Bytes the kernel (or swrr) wrote into tracee memory at `address`.
public struct MemoryWrite: Equatable, Sendable {
    public var address: UInt64
    public var bytes: [UInt8]
    public init(address: UInt64, bytes: [UInt8]) {
        self.address = address
        self.bytes = bytes
    }
}

/// One line of /proc/PID/maps.
public struct Mapping: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var offset: UInt64
    public var permissions: String   // "r-xp"
    public var name: String          // path, "[stack]", "" for anonymous
    public init(start: UInt64, end: UInt64, offset: UInt64, permissions: String, name: String) {
        self.start = start
        self.end = end
        self.offset = offset
        self.permissions = permissions
        self.name = name
    }
}

/// A file the program mapped, as kept inside the trace.
public struct MappedFile: Equatable, Sendable {
    /// Path relative to the trace directory ("files/3-libc.so.6").
    public var traceName: String
    /// Where it was when recorded.
    public var originalPath: String
    public init(traceName: String, originalPath: String) {
        self.traceName = traceName
        self.originalPath = originalPath
    }
}

/// What a syscall did to a file that is mapped in the recording (a write, ftruncate, fallocate on
/// it): replay emulates the call, so it applies this to its own copy of the file at the same event,
/// and the mappings of that copy see what the recorded ones saw (bytes written, a size grown or
/// shrunk, SIGBUS past the new end).
public struct FileUpdate: Equatable, Sendable {
    /// The trace's copy of the file (the one its mmaps name).
    public var file: MappedFile
    /// The file's size after the call.
    public var size: UInt64
    /// Bytes of the file after the call, at `offset` (what was written; empty for a resize).
    public var contents: MemoryWrite
    /// How many bytes from `offset` on are zeros after the call (a hole fallocate punched or a
    /// range it zeroed), kept as a length: a punched range may be gigabytes of a sparse file.
    public var zeroed: UInt64
    public init(file: MappedFile, size: UInt64, offset: UInt64, bytes: [UInt8], zeroed: UInt64 = 0) {
        self.file = file
        self.size = size
        self.contents = MemoryWrite(address: offset, bytes: bytes)
        self.zeroed = zeroed
    }
    public var offset: UInt64 { contents.address }
    public var bytes: [UInt8] { contents.bytes }
}

/// The program image was replaced (the initial execve).
public struct ExecEvent: Equatable, Sendable {
    public var tid: Int32
    public var originalPath: String
    public var executable: MappedFile
    /// Registers just after execve returned.
    public var registers: Registers
    /// The initial stack from rsp to its top (argv, envp, auxv with AT_RANDOM): replay writes it
    /// back, because AT_RANDOM is random and the path strings differ.
    public var stack: MemoryWrite
    /// The address space right after exec, to check that replay builds the same one.
    public var mappings: [Mapping]
    public init(tid: Int32, originalPath: String, executable: MappedFile, registers: Registers,
                stack: MemoryWrite, mappings: [Mapping]) {
        self.tid = tid
        self.originalPath = originalPath
        self.executable = executable
        self.registers = registers
        self.stack = stack
        self.mappings = mappings
    }
}

/// What the program's own seccomp filter did with a call instead of letting the kernel run it
/// (SwrrRecord/ProgramSeccompFilter.swift). Replay never runs such a call, whatever its spec says.
public enum SeccompVerdict: UInt8, Equatable, Sendable {
    /// Not filtered: the kernel ran the call (or swrr's table decided).
    case none = 0
    /// Skipped with the recorded result (ERRNO's -errno; ENOSYS for TRACE and USER_NOTIF).
    case skipped = 1
    /// Skipped, rax rolled back to the syscall number, and a SIGSYS (SYS_SECCOMP) follows: the
    /// next event of the task is that signal.
    case trap = 2
    /// The task dies by SIGSYS here (SECCOMP_RET_KILL_THREAD).
    case killThread = 3
    /// The process dies by SIGSYS here (SECCOMP_RET_KILL_PROCESS).
    case killProcess = 4
}

/// One syscall, from entry to exit.
public struct SyscallEvent: Equatable, Sendable {
    public var tid: Int32
    public var number: Int32
    public var args: [UInt64]               // six
    /// Registers at syscall entry (what replay checks for divergence).
    public var registers: Registers
    public var result: Int64
    /// What the kernel wrote into tracee memory.
    public var writes: [MemoryWrite]
    /// 1 or 2 when the bytes written went to the recorder's own stdout/stderr (replay echoes them).
    public var echoFd: UInt8
    /// For mmap of a file: the trace's copy to map on replay.
    public var mappedFile: MappedFile?
    /// Path arguments captured for display by `swrr dump` (empty strings for other arguments).
    public var strings: [String]
    /// The call's effect on a file mapped in the recording.
    public var fileUpdate: FileUpdate?
    /// fork, vfork, clone of a task whose ids differ from the call's result (pid namespaces):
    /// nil when the result is all there is to know.
    public var spawned: SpawnedTask?
    /// What the program's seccomp filter made of the call (.none: the kernel ran it).
    public var seccomp: SeccompVerdict
    /// A write through /proc/PID/mem into a recorded task's memory (a debugger's breakpoints).
    public var memFileWrite: MemFileWrite?
    public init(tid: Int32, number: Int32, args: [UInt64], registers: Registers, result: Int64,
                writes: [MemoryWrite] = [], echoFd: UInt8 = 0, mappedFile: MappedFile? = nil,
                strings: [String] = [], fileUpdate: FileUpdate? = nil, spawned: SpawnedTask? = nil,
                seccomp: SeccompVerdict = .none, memFileWrite: MemFileWrite? = nil) {
        self.tid = tid
        self.number = number
        self.args = args
        self.registers = registers
        self.result = result
        self.writes = writes
        self.echoFd = echoFd
        self.mappedFile = mappedFile
        self.strings = strings
        self.fileUpdate = fileUpdate
        self.spawned = spawned
        self.seccomp = seccomp
        self.memFileWrite = memFileWrite
    }

    /// The tid the events of the task this fork, vfork or clone created carry.
    public var createdTid: Int32 { spawned?.tid ?? Int32(truncatingIfNeeded: result) }
}

/// A task created in a pid namespace other than the one swrr sees it in (clone with
/// CLONE_NEWPID, a fork after unshare(CLONE_NEWPID) or setns, any fork inside such a namespace).
/// A task has an id in its own pid namespace and in each one above it; the parent's fork returns
/// the id in the parent's namespace (the syscall's recorded result), the child's gettid and
/// CLONE_CHILD_SETTID give its id in its own, and swrr, in the outermost, names it by a third.
public struct SpawnedTask: Equatable, Sendable {
    /// The tid swrr sees (ptrace's, /proc's): the events of the new task carry it.
    public var tid: Int32
    /// Its id in its own pid namespace (1 for a namespace's init).
    public var ownId: Int32
    public init(tid: Int32, ownId: Int32) {
        self.tid = tid
        self.ownId = ownId
    }
}

/// A write-like call (write, pwrite64, writev, pwritev, pwritev2) on a descriptor of
/// /proc/PID/mem (or /proc/PID/task/TID/mem) whose process is recorded: what gdb does to place
/// and remove breakpoints in its tracee. Replay emulates the call, so the recorder keeps where
/// the bytes went: the task (swrr's tid) and the address the write started at (the call's offset,
/// or the descriptor's position before it). Replay copies the call's `result` bytes from the
/// caller's buffer (its memory is as it was when recorded) into that task at that address, as it
/// does for process_vm_writev.
public struct MemFileWrite: Equatable, Sendable {
    public var tid: Int32
    public var address: UInt64
    public init(tid: Int32, address: UInt64) {
        self.tid = tid
        self.address = address
    }
}

/// An rdtsc or rdtscp the program executed, trapped and answered by the recorder.
public struct RdtscEvent: Equatable, Sendable {
    public var tid: Int32
    /// Registers at the trapping instruction.
    public var registers: Registers
    public var value: UInt64
    public var aux: UInt32
    public var isRdtscp: Bool
    public init(tid: Int32, registers: Registers, value: UInt64, aux: UInt32, isRdtscp: Bool) {
        self.tid = tid
        self.registers = registers
        self.value = value
        self.aux = aux
        self.isRdtscp = isRdtscp
    }
}

/// Where a signal was delivered, which decides how replay reproduces it.
public enum SignalDeliveryPoint: UInt8, Equatable, Sendable {
    /// Raised by the instruction itself (a fault): it recurs at the same instruction on replay.
    case synchronous = 0
    /// Right after a syscall (held back until then when it arrived earlier): replay delivers it
    /// after replaying that syscall.
    case syscallBoundary = 1
    /// At an arbitrary instruction (held back too long; traces of format 1): replay finds the
    /// point by breakpoint at the recorded rip plus a comparison of all registers.
    case arbitrary = 2
    /// At a state signature (held back for a task computing without syscalls, delivered within
    /// a slice): replay reaches the signature exactly (docs/POSITIONS.md), then delivers it.
    case position = 3
}

/// A signal delivered to the program.
public struct SignalEvent: Equatable, Sendable {
    public var tid: Int32
    public var signal: Int32
    public var code: Int32
    /// Registers when the signal was delivered.
    public var registers: Registers
    /// The raw siginfo_t (128 bytes) the handler sees.
    public var siginfo: [UInt8]
    public var point: SignalDeliveryPoint
    /// Where it was delivered when `point` is `.position` (its registers are `registers`).
    public var signature: StateSignature?
    public init(tid: Int32, signal: Int32, code: Int32, registers: Registers, siginfo: [UInt8] = [],
                point: SignalDeliveryPoint = .synchronous, signature: StateSignature? = nil) {
        self.tid = tid
        self.signal = signal
        self.code = code
        self.registers = registers
        self.siginfo = siginfo
        self.point = point
        self.signature = signature
    }
}

/// A task entered a syscall that blocked; other tasks ran (and recorded events) before it
/// returned. Replay runs the task to that syscall's entry at this point of the order, and
/// completes it at its SyscallEvent.
public struct SyscallEntryEvent: Equatable, Sendable {
    public var tid: Int32
    public var number: Int32
    /// Registers at the syscall entry.
    public var registers: Registers
    public init(tid: Int32, number: Int32, registers: Registers) {
        self.tid = tid
        self.number = number
        self.registers = registers
    }
}

/// The scheduler took the CPU from a task at an arbitrary instruction: it ran a slice without a
/// syscall while another task was runnable. With a signature (format 2) replay runs the task to
/// the first arrival after its previous event whose state is the signature's (docs/POSITIONS.md);
/// without one (format 1, a provably spinning task, or an emulated tracee's stop) to the first
/// point where rip and all registers equal these.
public struct PreemptEvent: Equatable, Sendable {
    public var tid: Int32
    public var registers: Registers
    /// The position; its registers are `registers`.
    public var signature: StateSignature?
    public init(tid: Int32, registers: Registers, signature: StateSignature? = nil) {
        self.tid = tid
        self.registers = registers
        self.signature = signature
    }
}

/// Syscalls a task made through swrr's preload library since its previous event, without a
/// ptrace stop: records of its syscall buffer (layout in SyscallBufferLayout.swift). Written
/// right before the task's next event. Replay writes the records back into the buffer here, so
/// the library finds each result and output when the task makes the same calls again.
public struct BufferFlushEvent: Equatable, Sendable {
    public var tid: Int32
    /// The buffer (the address of its header) in the task's memory.
    public var buffer: UInt64
    /// What replay sets the header's limit to: the end of the records (the library stops
    /// buffering there, as it did when recorded).
    public var limit: UInt32
    /// The records, at the address where they go. When that is the start of the record area the
    /// buffer was emptied before them, and replay sets the header's used count to 0.
    public var records: MemoryWrite
    public init(tid: Int32, buffer: UInt64, limit: UInt32, records: MemoryWrite) {
        self.tid = tid
        self.buffer = buffer
        self.limit = limit
        self.records = records
    }
}

/// A task ended. `waitStatus` is the raw wait(2) status (exit code or terminating signal).
public struct ExitEvent: Equatable, Sendable {
    public var tid: Int32
    public var waitStatus: Int32
    public init(tid: Int32, waitStatus: Int32) {
        self.tid = tid
        self.waitStatus = waitStatus
    }
}

public enum Event: Equatable, Sendable {
    case exec(ExecEvent)
    case syscall(SyscallEvent)
    case rdtsc(RdtscEvent)
    case signal(SignalEvent)
    case exit(ExitEvent)
    case syscallEntry(SyscallEntryEvent)
    case preempt(PreemptEvent)
    case bufferFlush(BufferFlushEvent)

    public var tid: Int32 {
        switch self {
        case .exec(let e): return e.tid
        case .syscall(let e): return e.tid
        case .rdtsc(let e): return e.tid
        case .signal(let e): return e.tid
        case .exit(let e): return e.tid
        case .syscallEntry(let e): return e.tid
        case .preempt(let e): return e.tid
        case .bufferFlush(let e): return e.tid
        }
    }
}
