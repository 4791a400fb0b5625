// What the kernel does for one syscall, as data: which arguments are buffers the kernel fills and
// how large they are, how the call is shown, and whether replay emulates or executes it.
// The recorder and the replayer both read these specs (SyscallTable.swift); neither has its own
// switch over syscall numbers for these facts.

/// How an argument is shown by `swrr dump` (and captured at record time for `.path`).
public enum ArgKind: Sendable, Equatable {
    case int        // a C int: signed decimal of the low 32 bits (the kernel reads only those:
                    // pkey_mprotect's key -1 arrives as 0xffffffff when passed as an int)
    case long       // signed decimal of all 64 bits (off_t, loff_t: lseek, pwrite64, ftruncate)
    case uint       // unsigned decimal
    case hex        // flags, masks, pointers
    case fd         // a file descriptor (AT_FDCWD shown by name)
    case path       // a NUL-terminated string the recorder captures for display
    case ptr        // an address
    case flags(FlagNames) // a flag word shown by name (clone's CLONE_*, mount's MS_*...)
    case ptraceRequest // ptrace's request, shown by name (PtraceRequests.swift)
}

/// A buffer in tracee memory that the kernel writes during the call.
public enum OutputRule: Sendable, Equatable {
    /// `size` bytes at the address in argument `arg` (skipped when the address is 0).
    case fixed(arg: Int, size: Int)
    /// As many bytes as the call returned, at argument `arg`.
    case resultSized(arg: Int)
    /// The value of argument `sizeArg` (times `unit`) bytes at argument `arg`.
    case argSized(arg: Int, sizeArg: Int, unit: Int)
    /// The result's byte count scattered over the iovec array at `arg` with `countArg` entries.
    case iovecs(arg: Int, countArg: Int)
    /// A value-result socket address: buffer at `arg`, its length (socklen_t) at `lenArg`.
    case sockaddr(arg: Int, lenArg: Int)
    /// The size depends on another argument (ioctl request, fcntl command, select's nfds...):
    /// decided by `OutputRules.dynamic` in SyscallOutputs.swift.
    case dynamic
}

/// When output rules apply.
public enum OutputCondition: Sendable, Equatable {
    case onSuccess        // result >= 0
    case always           // e.g. nanosleep's remaining time on EINTR
}

/// What replay does with the call.
public enum ReplayAction: Sendable, Equatable {
    /// Do not run it: set the recorded result and write the recorded output bytes.
    case emulate
    /// Run it for real (it shapes the address space or the task's kernel state) and check that it
    /// returns what it returned when recorded.
    case execute
    /// Run it for real, then force the recorded result (e.g. set_tid_address returns the tid,
    /// which differs between record and replay).
    case executeKeepRecordedResult
    /// mmap: map the trace's copy of a file (or anonymous memory) at the recorded address.
    case mmap
    /// shmat: map the trace's copy of the SysV segment (one copy per segment, shared by every
    /// attachment, as the segment itself was) at the recorded address.
    case shmAttach
    /// shmdt: unmap what the replay's shmat mapped there.
    case shmDetach
    /// The task ends (exit, exit_group): run it for real.
    case exit
    /// rt_sigreturn: run it for real and keep every register it restores.
    case sigreturn
    /// fork, vfork, clone: create the task for real (vfork without CLONE_VFORK: replay orders the
    /// tasks itself; no CLONE_NEW* namespaces: NamespaceFlags.swift), then give the parent the
    /// recorded child id and write the ids the program saw where the CLONE_*_SETTID flags asked.
    case spawn
    /// execve, execveat: exec the trace's copy of the recorded executable.
    case exec
    /// `execute` when argument `arg` is `value` (and argument `andArg`, when given, is
    /// `andEquals`), `emulate` otherwise (prctl's PR_SET_NAME: the task's name is kernel state a
    /// debugger shows, /proc/TID/comm, and setting it has no output; prlimit64 of the calling
    /// process's RLIMIT_STACK: the kernel grows the stack up to it, so a program that lowers it
    /// overflows at the recorded depth only if replay lowers it too).
    case executeWhen(arg: Int, equals: UInt64, andArg: Int? = nil, andEquals: UInt64 = 0)
    /// rt_sigaction: the signal dispositions are kernel state that replay's deliveries of the
    /// recorded signals rely on. A query (argument `newActionArg` NULL) changes nothing and is
    /// emulated (resolved by replayAction); a set is run for real, or without a debugger held back
    /// until a disposition it sets can matter (SwrrReplay/DeferredSignalActions.swift).
    case signalAction(newActionArg: Int)
    /// ptrace by the program (emulated when recorded): set the recorded result and output, then
    /// apply to the replayed tracee what the request changed in it (PtraceRequests' effect:
    /// POKE*, SETREGS, SETFPREGS).
    case ptrace
}

/// What the recorder does with the call.
public enum RecordAction: Sendable, Equatable {
    /// Let the kernel run it and capture its result and outputs.
    case run
    /// Do not let the kernel run it; make it fail with this errno (recorded like any other result).
    /// Used for rseq: the kernel would keep writing the current CPU into tracee memory at
    /// arbitrary times, which replay could not reproduce. glibc copes with ENOSYS.
    /// With errno 0 (`skipSucceeding`) the call is skipped and reports success.
    case refuse(errno: Int32)
    /// Refuse with `errno` only when the descriptor in argument `fdArg` is swrr's own stdout or
    /// stderr. copy_file_range and sendfile move file bytes to the output inside the kernel, where
    /// replay could not echo them; EINVAL is what the kernel itself answers for a terminal or
    /// pipe, and programs (cat, cp) fall back to read and write.
    case refuseWhenEchoing(fdArg: Int, errno: Int32)
    /// The kernel does not run it: the recorder answers it (ptrace by the program, emulated
    /// because swrr is already the real tracer: SwrrRecord/EmulatedPtrace.swift).
    case emulatePtrace

    /// The kernel does not run the call, and it returns 0 (sched_setaffinity, which must not undo
    /// swrr's CPU binding).
    public static let skipSucceeding: RecordAction = .refuse(errno: 0)
}

/// How a call changes the file-descriptor table, so the recorder can tell which descriptors
/// still refer to its own stdout/stderr (their writes are echoed by `swrr replay`).
public enum FdEffect: Sendable, Equatable {
    case none
    case returnsFd             // open, socket...: the result is a new, unrelated fd
    case dupResult             // dup: the result is a copy of argument 0
    case dupTo(arg: Int)       // dup2/dup3: argument `arg` becomes a copy of argument 0
    case closes(arg: Int)      // close
    case fdPair(arg: Int)      // pipe/pipe2/socketpair: two new fds written at argument `arg`
    case fcntlDup              // fcntl: a new fd only for F_DUPFD and F_DUPFD_CLOEXEC
    case closesRange(firstArg: Int, lastArg: Int) // close_range
    /// unshare with CLONE_FILES (`bit`) in argument `flagsArg`: the task's table stops being
    /// shared with the tasks it shared it with (threads, clone with CLONE_FILES); later changes
    /// on either side no longer reach the other.
    case unshares(flagsArg: Int, bit: UInt64)
}

public struct SyscallSpec: Sendable {
    public let number: Int
    public let name: String
    public let args: [ArgKind]
    public let outputs: [OutputRule]
    public let outputCondition: OutputCondition
    public let replay: ReplayAction
    public let record: RecordAction
    public let fdEffect: FdEffect
    /// Writes whose bytes may go to the tracer's stdout/stderr: (fd argument, how to find the bytes).
    public let writesToFd: WriteSource?
    /// How the call changes a regular file's bytes or size (what a mapping of it then sees).
    public let fileChange: FileChange?
    /// Memory the call writes in another process (process_vm_writev).
    public let writesTask: RemoteWrite?
    /// Whether the recorder hands the CPU over as soon as the call is entered (BlockingRule.swift).
    public let blocking: BlockingRule
    /// Where the signal mask the call waits with is, for the calls that have one
    /// (TemporarySignalMask.swift).
    public let temporaryMask: TemporarySignalMask?
    /// Bits of a flags argument the kernel must not see (clone's CLONE_UNTRACED), cleared at the
    /// entry and given back at the exit (ClearedFlags.swift).
    public let clearedAtEntry: ClearedFlags?

    public init(_ number: Int, _ name: String, _ args: [ArgKind], out: [OutputRule] = [],
                when: OutputCondition = .onSuccess, replay: ReplayAction = .emulate,
                record: RecordAction = .run, fd: FdEffect = .none, writes: WriteSource? = nil,
                file: FileChange? = nil, writesTask: RemoteWrite? = nil,
                blocking: BlockingRule = .mayBlock, mask: TemporarySignalMask? = nil,
                clears: ClearedFlags? = nil) {
        self.number = number
        self.name = name
        self.args = args
        self.outputs = out
        self.outputCondition = when
        self.replay = replay
        self.record = record
        self.fdEffect = fd
        self.writesToFd = writes
        self.fileChange = file
        self.writesTask = writesTask
        self.blocking = blocking
        self.temporaryMask = mask
        self.clearedAtEntry = clears
    }
}

extension ReplayAction {
    /// A set of a signal's action (rt_sigaction with a new action).
    public var setsSignalAction: Bool {
        if case .signalAction = self { return true }
        return false
    }
}

extension SyscallSpec {
    /// What replay does with a call of this spec with these arguments (`executeWhen` resolved, and
    /// a `signalAction` that only queries).
    public func replayAction(args: [UInt64]) -> ReplayAction {
        func holds(_ i: Int, _ v: UInt64) -> Bool { i >= 0 && i < args.count && args[i] == v }
        if case .signalAction(let arg) = replay { return holds(arg, 0) ? .emulate : replay }
        guard case .executeWhen(let arg, let value, let andArg, let andValue) = replay else { return replay }
        return holds(arg, value) && (andArg.map { holds($0, andValue) } ?? true) ? .execute : .emulate
    }
}

/// Where the bytes of a write-like call are, for echoing the program's output on replay.
public enum WriteSource: Sendable, Equatable {
    case buffer(fdArg: Int, bufArg: Int)              // write, pwrite64
    case iovecs(fdArg: Int, iovArg: Int, countArg: Int) // writev, pwritev
}

/// How a call changes the contents or size of a regular file. A file mapped in the recording shows
/// such a change through every mapping of it at once (MAP_SHARED, and the pages of a MAP_PRIVATE
/// mapping not yet copied), while replay emulates the call: the recorder then keeps what the file
/// holds afterwards (SyscallEvent.fileUpdate) for replay to apply to its copy.
public enum FileChange: Sendable, Equatable {
    /// Writes `result` bytes to the file of descriptor argument `fdArg`, at `at`.
    case writes(fdArg: Int, at: FileOffset)
    /// Sets the size of the file of `fdArg` (ftruncate).
    case resizes(fdArg: Int)
    /// Sets the size of the file named by argument `pathArg` (truncate).
    case resizesPath(pathArg: Int)
    /// fallocate(fd, mode, offset, length): grows the file (mode 0), or zeroes, punches, collapses
    /// or inserts a range (the bytes from `offset` on change).
    case allocates(fdArg: Int)
    /// Opens a file, emptying it when argument `flagsArg` has O_TRUNC (nil: always, creat); the
    /// result is the new descriptor.
    case truncatesOnOpen(flagsArg: Int?)
}

/// Where a write-like call wrote in its file.
public enum FileOffset: Sendable, Equatable {
    /// At the descriptor's position, which it advanced by the result (write, writev, sendfile's
    /// output; with O_APPEND the position is the end the bytes went to, so the same holds).
    case position
    /// At the offset in argument `n` (pwrite64, pwritev).
    case argument(Int)
    /// At the offset in argument `n`, or the position when that is -1 (pwritev2).
    case argumentOrPosition(Int)
    /// At the 64-bit offset the pointer in argument `n` points to, which the call advanced by the
    /// result; the position when the pointer is NULL (copy_file_range's output).
    case pointer(Int)
}

/// A call that copies bytes from the caller's iovecs into another process's (process_vm_writev):
/// the process in argument `pidArg`, the caller's iovec array and count, the target's. The result
/// is how many bytes were copied, in order.
public struct RemoteWrite: Sendable, Equatable {
    public let pidArg: Int, localArg: Int, localCountArg: Int, remoteArg: Int, remoteCountArg: Int
    public init(pidArg: Int, localArg: Int, localCountArg: Int, remoteArg: Int, remoteCountArg: Int) {
        self.pidArg = pidArg
        self.localArg = localArg
        self.localCountArg = localCountArg
        self.remoteArg = remoteArg
        self.remoteCountArg = remoteCountArg
    }
}
