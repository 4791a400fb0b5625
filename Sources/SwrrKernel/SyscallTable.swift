// The syscalls swrr knows, as data. Numbers are x86-64's; a unit test checks each against the
// names generated from the kernel header (SyscallNames.swift). The specs live in tables by
// family (FileSyscalls, ProcessSyscalls, MemorySyscalls, IPCSyscalls, RuntimeSyscalls,
// SystemSyscalls, NamespaceSyscalls, each in its file of that name); this merges them once.

public enum SyscallTable {
    /// Every supported syscall, by number.
    public static let specs: [Int: SyscallSpec] = {
        var d: [Int: SyscallSpec] = [:]
        for s in all {
            precondition(d[s.number] == nil, "duplicate syscall spec \(s.name)")
            d[s.number] = s
        }
        return d
    }()

    /// The spec of a supported syscall, or of a number no kernel has (NonexistentSyscalls.swift:
    /// always -ENOSYS, recorded as such); nil for a syscall swrr cannot record.
    public static func spec(_ number: Int) -> SyscallSpec? {
        specs[number] ?? NonexistentSyscalls.spec(for: number)
    }

    /// The name of any syscall number, known to swrr or not.
    public static func name(_ number: Int) -> String {
        if number >= 0 && number < syscallNames.count && !syscallNames[number].isEmpty {
            return syscallNames[number]
        }
        if let swrr = SyscallBufferLayout.callNames[number] { return swrr }
        if let newer = NonexistentSyscalls.newerNames[number] { return newer }
        return "syscall_\(number)"
    }

    /// Every spec of every family, each number once (`specs` checks, and so does a unit test).
    public static let all: [SyscallSpec] = FileSyscalls.specs + ProcessSyscalls.specs + MemorySyscalls.specs
        + IPCSyscalls.specs + RuntimeSyscalls.specs + SystemSyscalls.specs + NamespaceSyscalls.specs + swrrCalls

    /// swrr's own calls, made by its preload library (SyscallBufferLayout.swift). The kernel does
    /// not know them; the recorder answers swrr_register_buffer itself when it buffers syscalls.
    static let swrrCalls: [SyscallSpec] = [
        SyscallSpec(SyscallBufferLayout.registerBufferCall, "swrr_register_buffer", [.ptr, .uint],
                    record: .refuse(errno: 38 /* ENOSYS */)),
        SyscallSpec(SyscallBufferLayout.bufferMismatchCall, "swrr_buffer_mismatch", [.int, .int],
                    record: .refuse(errno: 38 /* ENOSYS */)),
        SyscallSpec(SyscallBufferLayout.registerDeschedCall, "swrr_register_desched", [.fd],
                    record: .refuse(errno: 38 /* ENOSYS */)),
    ]
}
