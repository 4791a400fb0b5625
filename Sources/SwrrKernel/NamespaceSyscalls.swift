// Namespaces and the calls that act inside them (issue 14): unshare and setns, mounts (the old
// call and the descriptor-based API), the root directory, the host and domain names. SyscallTable merges
// this table with the other families (SyscallTable.swift);
// clone's CLONE_NEW* bits are in its spec there. All of these are emulated on replay, which
// creates and joins no namespace: NamespaceFlags.swift says why. Each is recorded as the kernel
// answers it: EPERM outside a user namespace of the program's own, EINVAL for a setns whose
// descriptor is not of the type named, and so on.
//
// uid_map, gid_map and setgroups are written with ordinary open and write calls on /proc files.

enum NamespaceSyscalls {
    static let specs: [SyscallSpec] = [
        // unshare(CLONE_NEWPID) moves no task: the caller's next child is the new namespace's
        // init (clone's result in the parent is then the child's id in the parent's namespace,
        // recorded as such: Recorder's spawnedTask).
        // unshare(CLONE_FILES) gives the caller its own copy of a shared descriptor table, which
        // the recorder's record of output descriptors must follow (FdEffect.unshares).
        SyscallSpec(272, "unshare", [.flags(.namespaces)], fd: .unshares(flagsArg: 0, bit: 0x400 /* CLONE_FILES */)),
        SyscallSpec(308, "setns", [.fd, .flags(.namespaces)]),
        // The data argument is filesystem-specific (a string of options for most, binary for
        // some): shown as an address.
        SyscallSpec(165, "mount", [.path, .path, .path, .flags(.mount), .ptr]),
        SyscallSpec(166, "umount2", [.path, .flags(.umount)]),
        SyscallSpec(155, "pivot_root", [.path, .path]),
        SyscallSpec(161, "chroot", [.path]),
        // The mount API of Linux 5.2+ (runc, crun and systemd use it when it exists): descriptors
        // for a filesystem context, a detached mount or a tree, none of which replay needs (the
        // program's later calls on them are emulated too). mount_setattr only reads its struct.
        SyscallSpec(428, "open_tree", [.fd, .path, .hex], fd: .returnsFd),
        SyscallSpec(429, "move_mount", [.fd, .path, .fd, .path, .hex]),
        SyscallSpec(430, "fsopen", [.path, .hex], fd: .returnsFd),
        // Its key is a string; its value a string, a binary blob, a path or nothing, by command.
        SyscallSpec(431, "fsconfig", [.fd, .int, .path, .ptr, .int]),
        SyscallSpec(432, "fsmount", [.fd, .hex, .hex], fd: .returnsFd),
        SyscallSpec(433, "fspick", [.fd, .path, .hex], fd: .returnsFd),
        SyscallSpec(442, "mount_setattr", [.fd, .path, .hex, .ptr, .uint]),
        // Capabilities, which a user namespace gives its creator (setpriv and unshare(1) set
        // them): answered from the trace like the identity changes (setuid...), since replay runs
        // as whoever replays. capget is in ProcessSyscalls.swift.
        SyscallSpec(126, "capset", [.ptr, .ptr]),
        // The name is not NUL-terminated (its length is the second argument): shown as an address.
        SyscallSpec(170, "sethostname", [.ptr, .uint]),
        SyscallSpec(171, "setdomainname", [.ptr, .uint]),
    ]
}
