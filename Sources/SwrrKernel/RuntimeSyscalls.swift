// The syscalls language runtimes make about the CPU they run on and its memory (issue 12): the
// CPU affinity calls, getcpu, membarrier, memory protection keys, and the batched socket calls.
// SyscallTable merges this table with the other families (SyscallTable.swift).
//
// swrr binds the recorded program to one CPU (SwrrTracee/CPUBinding.swift), so getcpu and
// sched_getaffinity report that CPU; replay answers both from the trace.
//
// Struct sizes on x86-64 used below: struct mmsghdr 64 (a struct msghdr of 56, then the u32
// msg_len at 56, padded to 8), cpu_set_t as long as the call's length argument says, struct
// timespec 16.

enum RuntimeSyscalls {
    static let specs: [SyscallSpec] = [
        // ---- the CPU ----
        // The kernel copies min(len, the kernel's cpumask size) bytes and returns that count.
        SyscallSpec(204, "sched_getaffinity", [.int, .uint, .ptr], out: [.resultSized(arg: 2)]),
        // The program must not undo swrr's CPU binding (a Go or JVM runtime would otherwise spread
        // its threads over every CPU, and CPUID's APIC ids would change under it). As rr does,
        // the call is not run and reports success: the kernel skips it (the recorder makes its
        // number -1) and the result is 0; replay returns the same. Later sched_getaffinity calls
        // still show the one bound CPU.
        SyscallSpec(203, "sched_setaffinity", [.int, .uint, .ptr], record: RecordAction.skipSucceeding),
        // cpu and node, one u32 each (either pointer may be NULL); the third argument (tcache) has
        // been ignored by the kernel since 2.6.24.
        SyscallSpec(309, "getcpu", [.ptr, .ptr, .ptr], out: [.fixed(arg: 0, size: 4), .fixed(arg: 1, size: 4)]),
        // Registrations and barriers act between threads running at once; replay runs one task at
        // a time, so its result is all that the program sees.
        SyscallSpec(324, "membarrier", [.int, .hex, .int]),

        // ---- memory protection keys ----
        // All three run for real on replay: pkey_alloc sets the new key's rights in the thread's
        // PKRU register (rdpkru reads it), the kernel hands out keys lowest-free first (so replay
        // gets the recorded key when it runs the same calls), and pkey_mprotect changes page
        // protections like mprotect, with a key later calls may name. Replay checks that each
        // returns what it returned when recorded. (Without PKU, as on this machine's AMD EPYC:
        // pkey_alloc and pkey_free fail with EINVAL, pkey_mprotect works only with key -1.)
        SyscallSpec(329, "pkey_mprotect", [.ptr, .uint, .hex, .int], replay: .execute),
        SyscallSpec(330, "pkey_alloc", [.hex, .hex], replay: .execute),
        SyscallSpec(331, "pkey_free", [.int], replay: .execute),

        // ---- batched socket calls ----
        // sendmmsg writes the bytes sent into msg_len of each of the first `result` entries.
        SyscallSpec(307, "sendmmsg", [.fd, .ptr, .uint, .hex], out: [.dynamic]),
        // recvmmsg fills, for each of the first `result` entries, what recvmsg fills (name,
        // iovecs, control messages, flags: SyscallOutputs.msghdrRanges) and msg_len; and, with a
        // timeout, the time left (written only when datagrams arrived; the recorder keeps those
        // 16 bytes either way, unchanged when the kernel left them alone).
        SyscallSpec(299, "recvmmsg", [.fd, .ptr, .uint, .hex, .ptr], out: [.dynamic, .fixed(arg: 4, size: 16)]),
    ]
}
