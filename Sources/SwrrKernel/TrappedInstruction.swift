// Instructions swrr traps and emulates. rdtsc/rdtscp fault with SIGSEGV once the task has
// prctl(PR_SET_TSC, PR_TSC_SIGSEGV) (measured: works on these VMs), so their results can be
// recorded and fed back on replay. CPUID cannot be trapped here (no CPUID faulting, ARCH_SET_CPUID
// fails with ENODEV), and rdrand/rdseed cannot be trapped at all.

public enum TrappedInstruction: Sendable, Equatable {
    case rdtsc    // 0F 31
    case rdtscp   // 0F 01 F9

    /// Recognizes the instruction starting at `bytes` (at least 3 bytes from rip).
    public init?(bytes: [UInt8]) {
        if bytes.count >= 2 && bytes[0] == 0x0F && bytes[1] == 0x31 {
            self = .rdtsc
        } else if bytes.count >= 3 && bytes[0] == 0x0F && bytes[1] == 0x01 && bytes[2] == 0xF9 {
            self = .rdtscp
        } else {
            return nil
        }
    }

    public var length: UInt64 { self == .rdtsc ? 2 : 3 }
}

/// Auxiliary-vector entry types (elf.h) swrr reads or rewrites.
public enum AuxvType {
    public static let null: UInt64 = 0
    public static let ignore: UInt64 = 1
    public static let random: UInt64 = 25
    public static let sysinfoEhdr: UInt64 = 33
}
