// Namespaces (issue 14): what replay does with the CLONE_NEW* flags of clone and with unshare and
// setns (the CLONE_* bits themselves are in CloneFlags.swift).
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
// (NamespaceSyscalls.swift). What the kernel did for the namespaces on its own is in the
// trace as events: a pid namespace's init exiting kills the rest of the namespace with SIGKILL,
// recorded as their exits, which replay reproduces by sending SIGKILL.

public enum NamespaceFlags {
    /// clone's flags as replay runs the call: without its namespace bits (CloneFlags.cloneNamespaces).
    public static func replayedCloneFlags(_ flags: UInt64) -> UInt64 { flags & ~CloneFlags.cloneNamespaces.rawValue }
}
