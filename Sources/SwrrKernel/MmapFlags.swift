// mmap's flag word (x86-64, linux/mman.h), one definition for the replayer's mappings and the
// pages swrr maps in a tracee (the syscall buffer's stub, the register-match trap's stub, the
// scratch page).

public enum MmapFlags {
    public static let shared: UInt64 = 0x01
    public static let `private`: UInt64 = 0x02
    /// MAP_SHARED, MAP_PRIVATE and MAP_SHARED_VALIDATE (0x03): the mapping's type.
    public static let typeMask: UInt64 = 0x03
    public static let fixed: UInt64 = 0x10
    public static let anonymous: UInt64 = 0x20
    public static let fixedNoReplace: UInt64 = 0x100000
    /// A private anonymous page at an address no mapping holds (the kernel answers EEXIST rather
    /// than replace one): what swrr maps in a tracee for its own stubs and scratch data.
    public static let ownPage: UInt64 = `private` | anonymous | fixedNoReplace
}
