// The syscalls of a process's address space, as data: mappings, their protection and advice,
// the program break. SyscallTable merges this table with the other families (SyscallTable.swift);
// memory protection keys and membarrier are in RuntimeSyscalls.swift, the SysV segments in
// IPCSyscalls.swift.

enum MemorySyscalls {
    static let specs: [SyscallSpec] = [
        SyscallSpec(9, "mmap", [.ptr, .uint, .hex, .hex, .fd, .hex], replay: .mmap),
        SyscallSpec(10, "mprotect", [.ptr, .uint, .hex], replay: .execute),
        SyscallSpec(11, "munmap", [.ptr, .uint], replay: .execute),
        SyscallSpec(12, "brk", [.ptr], replay: .execute),
        SyscallSpec(25, "mremap", [.ptr, .uint, .uint, .hex, .ptr], replay: .execute),
        SyscallSpec(26, "msync", [.ptr, .uint, .hex]),
        SyscallSpec(27, "mincore", [.ptr, .uint, .ptr], out: [.dynamic]),
        SyscallSpec(28, "madvise", [.ptr, .uint, .int], replay: .execute),
    ]
}
