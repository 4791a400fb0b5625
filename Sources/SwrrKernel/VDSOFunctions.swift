// The functions the kernel's vDSO exports on x86-64, and what swrr puts in their place.
//
// A vDSO function answers in user space from the kernel's [vvar] pages (clocks, the CPU number,
// getrandom's generation counter): no syscall, so nothing a tracer sees, and values that differ
// on replay. swrr keeps the vDSO visible (programs find it through AT_SYSINFO_EHDR or their maps
// and call it directly: Go's runtime, JITs, test suites) but overwrites each of these functions,
// at every exec and identically on replay, with code that makes the real syscall, which is then
// recorded and replayed like any other. The function's arguments are already the syscall's
// (rdi, rsi, rdx: none of these takes a fourth, which the syscall ABI would want in r10).
//
// Measured on this machine's kernel (6.18): the vDSO exports clock_gettime, gettimeofday, time,
// clock_getres, getcpu and getrandom, each as __vdso_NAME (GLOBAL) and NAME (a WEAK alias at the
// same address), all versioned LINUX_2.6; the smallest (time, getcpu) are 40 and 44 bytes.

/// What replaces one vDSO function.
public enum VDSOReplacement: Equatable, Sendable {
    /// `mov $number, %eax; syscall; ret`.
    case syscall(Int)
    /// getrandom(buffer, len, flags, opaque_state, opaque_len): a caller first asks for the
    /// parameters of its opaque state (buffer NULL, opaque_len ~0) and uses the vDSO only when
    /// that returns 0 (glibc 2.41's and Go 1.24's vgetrandom setup). That query is answered
    /// -ENOSYS, so callers fall back to the getrandom syscall; any other call makes it, as the
    /// kernel's own vDSO does for a state it does not recognise.
    case getrandom(syscall: Int)

    /// The machine code, to be written at the function's address (the rest of the function is
    /// filled with int3).
    public var code: [UInt8] {
        switch self {
        case .syscall(let number):
            return VDSOReplacement.syscallAndReturn(number)
        case .getrandom(let number):
            return [0x49, 0x83, 0xf8, 0xff,                         // cmp $-1, %r8
                    0x74, 0x08]                                     // je +8 (the query)
                + VDSOReplacement.syscallAndReturn(number)          // 8 bytes
                + [0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff,        // mov $-38 (-ENOSYS), %rax
                   0xc3]                                            // ret
        }
    }

    /// The syscall number the replacement makes.
    public var syscallNumber: Int {
        switch self {
        case .syscall(let n), .getrandom(let n): return n
        }
    }

    private static func syscallAndReturn(_ number: Int) -> [UInt8] {
        let n = UInt32(truncatingIfNeeded: number)
        return [0xb8, UInt8(n & 0xff), UInt8((n >> 8) & 0xff), UInt8((n >> 16) & 0xff), UInt8(n >> 24)] // mov $n, %eax
            + [0x0f, 0x05,                                          // syscall
               0xc3]                                                // ret
    }
}

public enum VDSOFunctions {
    /// By the function's name without the `__vdso_` prefix (the kernel exports both spellings).
    public static let replacements: [String: VDSOReplacement] = [
        "clock_gettime": .syscall(228),
        "gettimeofday": .syscall(96),
        "time": .syscall(201),
        "clock_getres": .syscall(229),
        "getcpu": .syscall(309),
        "getrandom": .getrandom(syscall: 318),
    ]

    /// The replacement of an exported symbol, `__vdso_NAME` or `NAME`; nil for functions swrr
    /// leaves alone (x86-64's __vdso_sgx_enter_enclave runs an enclave, no clock or CPU number).
    public static func replacement(forSymbol name: String) -> VDSOReplacement? {
        let prefix = "__vdso_"
        return replacements[name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name]
    }
}
