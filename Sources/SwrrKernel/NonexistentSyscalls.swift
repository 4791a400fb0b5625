// Syscall numbers no kernel has, as data: `syscall(-1)`, numbers in the holes of x86-64's table,
// numbers above it, x32 numbers. The kernel answers all of them with -ENOSYS and does nothing
// else, so recording them is safe: SyscallTable.spec gives them a spec (`spec(for:)` below) that
// the recorder refuses with ENOSYS itself (the kernel never runs it, so a kernel that did have
// the number could not act on it either) and replay emulates. Numbers a kernel has but swrr does
// not support are still refused by name, which is why the names of syscalls newer than the
// generated table (SyscallNames.swift, from this machine's asm/unistd_64.h) are listed here.
//
// Measured on kernel 6.18 (x86-64): syscall(-1), (-2), 337...423, 470...511, 512...547 (x32's
// own numbers, without the x32 bit), 1000, 0x7fffffff and 0x40000027 (x32 getpid; x32 is not
// enabled here, nor by default on Debian) all return -1/ENOSYS. 335 is `uretprobe` since 6.11
// (SIGILL outside a uretprobe trampoline) and 336 `uprobe` (ENXIO), both inside what was the gap
// before 424; 451...469 exist (cachestat ... file_setattr). The kernel reads the number as a
// 32-bit int (syscall(0x100000027) is getpid), so numbers outside Int32 get no spec here: they are
// refused as unsupported, with their number.

public enum NonexistentSyscalls {
    /// x86-64 syscalls newer than SyscallNames.swift (kernel 6.1's header): the kernel this was
    /// measured on (6.18) has them all. They are not supported, only named.
    public static let newerNames: [Int: String] = [
        335: "uretprobe", 336: "uprobe",
        451: "cachestat", 452: "fchmodat2", 453: "map_shadow_stack", 454: "futex_wake",
        455: "futex_wait", 456: "futex_requeue", 457: "statmount", 458: "listmount",
        459: "lsm_get_self_attr", 460: "lsm_set_self_attr", 461: "lsm_list_modules", 462: "mseal",
        463: "setxattrat", 464: "getxattrat", 465: "listxattrat", 466: "removexattrat",
        467: "open_tree_attr", 468: "file_getattr", 469: "file_setattr",
    ]

    /// The x32 ABI's flag in a syscall number (__X32_SYSCALL_BIT).
    public static let x32Bit = 0x4000_0000

    /// Whether no kernel swrr knows has syscall `number`: it has no name in the generated table nor
    /// in `newerNames`, and it is not one of swrr's own calls that have specs (SyscallTable.swrrCalls). x32 numbers count as nonexistent: swrr records 64-bit programs, and a
    /// kernel without x32 (this one, Debian's default) answers them with ENOSYS.
    public static func contains(_ number: Int) -> Bool {
        guard number >= Int(Int32.min) && number <= Int(Int32.max) else { return false }
        if number < 0 { return true }
        if number < syscallNames.count && !syscallNames[number].isEmpty { return false }
        if newerNames[number] != nil { return false }
        // swrr's own calls keep their specs; the record-only numbers (fdClassCall, pathClassCall)
        // are never syscalls of the library, so a program making one gets ENOSYS, as the kernel's.
        if SyscallTable.swrrCalls.contains(where: { $0.number == number }) { return false }
        return true
    }

    static let enosys: Int32 = 38

    /// The spec of a nonexistent number: no arguments shown, refused with ENOSYS when recording
    /// (exactly what the kernel answers, with nothing run), emulated on replay. nil for a number
    /// some kernel has.
    public static func spec(for number: Int) -> SyscallSpec? {
        guard contains(number) else { return nil }
        return SyscallSpec(number, SyscallTable.name(number), [], record: .refuse(errno: enosys))
    }
}
