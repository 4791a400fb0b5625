// clone's flag word (linux/sched.h, x86-64): CLONE_* in the upper bits, the exit signal sent to
// the parent in the low byte (CSIGNAL). One definition for the recorder, the replayer, the
// checkpoint copies (SwrrTracee/TaskCopy.swift), the debugger's process list and `swrr dump`'s
// names (FlagNames.swift).

public struct CloneFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// CLONE_NEWTIME shares its bit with the exit signal in clone's flags (only unshare and
    /// clone3 take it as a namespace).
    public static let newTime = CloneFlags(rawValue: 0x80)
    public static let vm = CloneFlags(rawValue: 0x100)
    public static let fs = CloneFlags(rawValue: 0x200)
    public static let files = CloneFlags(rawValue: 0x400)
    public static let sighand = CloneFlags(rawValue: 0x800)
    public static let pidfd = CloneFlags(rawValue: 0x1000)
    public static let ptrace = CloneFlags(rawValue: 0x2000)
    public static let vfork = CloneFlags(rawValue: 0x4000)
    public static let parent = CloneFlags(rawValue: 0x8000)
    public static let thread = CloneFlags(rawValue: 0x10000)
    public static let newNS = CloneFlags(rawValue: 0x20000)
    public static let sysvsem = CloneFlags(rawValue: 0x40000)
    public static let setTLS = CloneFlags(rawValue: 0x80000)
    public static let parentSetTid = CloneFlags(rawValue: 0x100000)
    public static let childClearTid = CloneFlags(rawValue: 0x200000)
    public static let detached = CloneFlags(rawValue: 0x400000)
    public static let untraced = CloneFlags(rawValue: 0x800000)
    public static let childSetTid = CloneFlags(rawValue: 0x1000000)
    public static let newCgroup = CloneFlags(rawValue: 0x2000000)
    public static let newUTS = CloneFlags(rawValue: 0x4000000)
    public static let newIPC = CloneFlags(rawValue: 0x8000000)
    public static let newUser = CloneFlags(rawValue: 0x10000000)
    public static let newPID = CloneFlags(rawValue: 0x20000000)
    public static let newNet = CloneFlags(rawValue: 0x40000000)
    public static let io = CloneFlags(rawValue: 0x80000000)

    /// CSIGNAL: the low byte, the signal the child's exit sends to its parent.
    public static let exitSignalMask: UInt64 = 0xff

    /// The bits the kernel must never see from a recorded or replayed program: CLONE_UNTRACED
    /// makes a child no tracer follows (no PTRACE_EVENT_CLONE, so PTRACE_O_EXITKILL never reaches
    /// it either). LeakSanitizer's StopTheWorld makes its tracer "thread" with it; recorded
    /// as it was, that child ran unrecorded and outlived a killed swrr (PPID 1, spinning). So the
    /// recorder clears them at clone's entry and gives the program its flags back at the exit, in
    /// the parent and in the child (SyscallSpec.clearedAtEntry); replay clears them likewise
    /// before it runs the call. (clone3, whose flags are in a struct in memory, never reaches the
    /// kernel: the recorder answers it ENOSYS and glibc falls back to clone.)
    public static let hiddenFromKernel: CloneFlags = [.untraced]

    /// The namespace bits clone accepts (CLONE_NEWTIME is not one of them: see `newTime`).
    public static let cloneNamespaces: CloneFlags = [.newNS, .newCgroup, .newUTS, .newIPC, .newUser, .newPID, .newNet]

    /// Every flag with its uapi name, lowest bit first (`swrr dump`).
    public static let names: [(CloneFlags, String)] = [
        (.newTime, "CLONE_NEWTIME"), (.vm, "CLONE_VM"), (.fs, "CLONE_FS"), (.files, "CLONE_FILES"),
        (.sighand, "CLONE_SIGHAND"), (.pidfd, "CLONE_PIDFD"), (.ptrace, "CLONE_PTRACE"), (.vfork, "CLONE_VFORK"),
        (.parent, "CLONE_PARENT"), (.thread, "CLONE_THREAD"), (.newNS, "CLONE_NEWNS"), (.sysvsem, "CLONE_SYSVSEM"),
        (.setTLS, "CLONE_SETTLS"), (.parentSetTid, "CLONE_PARENT_SETTID"), (.childClearTid, "CLONE_CHILD_CLEARTID"),
        (.detached, "CLONE_DETACHED"), (.untraced, "CLONE_UNTRACED"), (.childSetTid, "CLONE_CHILD_SETTID"),
        (.newCgroup, "CLONE_NEWCGROUP"), (.newUTS, "CLONE_NEWUTS"), (.newIPC, "CLONE_NEWIPC"),
        (.newUser, "CLONE_NEWUSER"), (.newPID, "CLONE_NEWPID"), (.newNet, "CLONE_NEWNET"),
        (.io, "CLONE_IO"),
    ]
}
