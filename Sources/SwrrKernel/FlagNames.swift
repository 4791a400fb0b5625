// Flag words shown by name in `swrr dump` (`ArgKind.flags`): clone's and unshare's CLONE_*,
// setns's namespace type, mount's MS_* and umount2's MNT_*. Values from the kernel's uapi headers
// (linux/sched.h, linux/mount.h); bits without a name are shown in hex after the names.

public enum FlagNames: Sendable, Equatable {
    /// clone's flags: CLONE_* in the upper bits, the exit signal in the low byte (CSIGNAL).
    case clone
    /// unshare's and setns's: CLONE_* only (0 is "any namespace" for setns).
    case namespaces
    /// mount's MS_*.
    case mount
    /// umount2's MNT_* and UMOUNT_NOFOLLOW.
    case umount

    var names: [(UInt64, String)] {
        switch self {
        case .clone, .namespaces: return CloneFlags.names.map { ($0.0.rawValue, $0.1) }
        case .mount: return Self.mountNames
        case .umount: return Self.umountNames
        }
    }

    /// `value` as NAME|NAME|0xREST (with clone's exit signal last, by its name).
    public func describe(_ value: UInt64) -> String {
        var rest = value
        var parts: [String] = []
        var signal: UInt64 = 0
        if self == .clone {
            signal = value & CloneFlags.exitSignalMask
            rest &= ~CloneFlags.exitSignalMask
        }
        for (bit, name) in names where rest & bit == bit && bit != 0 {
            parts.append(name)
            rest &= ~bit
        }
        if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
        if signal != 0 { parts.append(SignalNames.name(Int32(signal))) }
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }

    static let mountNames: [(UInt64, String)] = [
        (0x1, "MS_RDONLY"), (0x2, "MS_NOSUID"), (0x4, "MS_NODEV"), (0x8, "MS_NOEXEC"),
        (0x10, "MS_SYNCHRONOUS"), (0x20, "MS_REMOUNT"), (0x40, "MS_MANDLOCK"), (0x80, "MS_DIRSYNC"),
        (0x100, "MS_NOSYMFOLLOW"), (0x400, "MS_NOATIME"), (0x800, "MS_NODIRATIME"), (0x1000, "MS_BIND"),
        (0x2000, "MS_MOVE"), (0x4000, "MS_REC"), (0x8000, "MS_SILENT"), (0x10000, "MS_POSIXACL"),
        (0x20000, "MS_UNBINDABLE"), (0x40000, "MS_PRIVATE"), (0x80000, "MS_SLAVE"), (0x100000, "MS_SHARED"),
        (0x200000, "MS_RELATIME"), (0x400000, "MS_KERNMOUNT"), (0x800000, "MS_I_VERSION"),
        (0x1000000, "MS_STRICTATIME"), (0x2000000, "MS_LAZYTIME"),
    ]

    static let umountNames: [(UInt64, String)] = [
        (0x1, "MNT_FORCE"), (0x2, "MNT_DETACH"), (0x4, "MNT_EXPIRE"), (0x8, "UMOUNT_NOFOLLOW"),
    ]
}
