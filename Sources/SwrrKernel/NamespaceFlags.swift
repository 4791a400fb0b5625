// Namespaces (issue 14): what replay does with the CLONE_NEW* flags of clone and with unshare and
// setns, and the names of the CLONE_* bits (FlagNames.swift shows them in `swrr dump`).
//
// A recorded program may create namespaces (clone with CLONE_NEW*, unshare) and join them
// (setns); an unprivileged one does so inside a user namespace of its own. Recording lets the
// kernel do all of it. Replay creates none and joins none:
// - everything a namespace changes for the program reaches it through syscalls replay emulates:
//   its ids (getpid, getuid, clone's result, wait4's: recorded), its files (open, read, stat and
//   the rest are emulated; mmaps and execs use the trace's copies), its hostname (uname), its
//   network and SysV objects;
// - the few calls replay runs for real must act as they did when recorded, and a namespace would
//   change them: in a new user namespace without maps the replayed task would be uid 65534 and
//   could not open the trace's copies it maps; in a new mount namespace after pivot_root or a
//   mount over the trace directory it would not find them at all; and the init of a pid
//   namespace cannot be forked with CLONE_PARENT (EINVAL: the kernel marks it
//   SIGNAL_UNKILLABLE), which replay's forks need (SyscallReplay.replaySpawn).
// So clone's CLONE_NEW* bits are cleared before replay runs it, and unshare, setns, mount,
// umount2, pivot_root, chroot, sethostname and setdomainname are emulated
// (SyscallTable+Namespaces.swift). What the kernel did for the namespaces on its own is in the
// trace as events: a pid namespace's init exiting kills the rest of the namespace with SIGKILL,
// recorded as their exits, which replay reproduces by sending SIGKILL.

public enum NamespaceFlags {
    /// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
    /// CLONE_NEWNET: the namespace bits clone accepts (CLONE_NEWTIME, 0x80, is only unshare's and
    /// clone3's: in clone's flags that bit is part of the exit signal).
    public static let cloneNamespaces: UInt64 = 0x7E02_0000

    /// clone's flags as replay runs the call: without its namespace bits.
    public static func replayedCloneFlags(_ flags: UInt64) -> UInt64 { flags & ~cloneNamespaces }

    static let cloneNames: [(UInt64, String)] = [
        (0x80, "CLONE_NEWTIME"), (0x100, "CLONE_VM"), (0x200, "CLONE_FS"), (0x400, "CLONE_FILES"),
        (0x800, "CLONE_SIGHAND"), (0x1000, "CLONE_PIDFD"), (0x2000, "CLONE_PTRACE"), (0x4000, "CLONE_VFORK"),
        (0x8000, "CLONE_PARENT"), (0x10000, "CLONE_THREAD"), (0x20000, "CLONE_NEWNS"), (0x40000, "CLONE_SYSVSEM"),
        (0x80000, "CLONE_SETTLS"), (0x100000, "CLONE_PARENT_SETTID"), (0x200000, "CLONE_CHILD_CLEARTID"),
        (0x400000, "CLONE_DETACHED"), (0x800000, "CLONE_UNTRACED"), (0x1000000, "CLONE_CHILD_SETTID"),
        (0x2000000, "CLONE_NEWCGROUP"), (0x4000000, "CLONE_NEWUTS"), (0x8000000, "CLONE_NEWIPC"),
        (0x10000000, "CLONE_NEWUSER"), (0x20000000, "CLONE_NEWPID"), (0x40000000, "CLONE_NEWNET"),
        (0x80000000, "CLONE_IO"),
    ]
}
