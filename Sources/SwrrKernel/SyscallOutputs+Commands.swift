// The writes of multiplexing calls whose output depends on a command argument: SysV semaphore
// and message queue control, msgrcv, get_mempolicy, keyctl, quotactl, syslog and sysfs (issue
// 14). A command whose writes swrr cannot tell stops the recording at its entry, before the
// kernel runs it, naming the command and why (`Unsupported.command`).
//
// Struct sizes on x86-64 (gcc's sizeof): struct semid_ds 104, struct seminfo 40, struct
// msqid_ds 120, struct msginfo 32, struct keyctl_pkey_query 56, struct if_dqblk and
// if_nextdqblk 72, struct if_dqinfo 24, struct fs_disk_quota 112. x86-64 takes no IPC_64 flag
// in the SysV commands (the kernel does not parse one there).

extension SyscallOutputs {
    /// The ranges of the calls this file knows, or nil for another call.
    static func commandRanges(spec: SyscallSpec, args: [UInt64], result: Int64,
                              readMemory: ReadMemory, semaphoreCount: SemaphoreCount? = nil) throws -> [MemoryRange]? {
        func r(_ a: UInt64, _ n: Int) -> [MemoryRange] {
            a == 0 || n <= 0 ? [] : [MemoryRange(address: a, length: n)]
        }
        /// min(result, the buffer's length): calls that return the full size and copy what fits.
        func fitted(_ a: UInt64, lengthArg: Int) -> [MemoryRange] {
            guard result > 0 else { return [] }
            return r(a, Int(min(UInt64(result), args[lengthArg], 1 << 30)))
        }
        func unsupported(_ command: UInt64, _ name: String, _ reason: String) -> Unsupported {
            .command(syscall: spec.number, command: command, name: name, reason: reason)
        }
        switch spec.name {
        case "name_to_handle_at":
            // struct file_handle { u32 handle_bytes; int handle_type; u8 f_handle[]; }: EOVERFLOW
            // writes the size needed into handle_bytes only; success writes the handle and the
            // mount id (a u64 with AT_HANDLE_MNT_ID_UNIQUE, 1, an int otherwise).
            if result == -75 { return r(args[2], 4) }
            guard result >= 0, args[2] != 0, let h = readMemory(args[2], 4), h.count == 4 else { return [] }
            let bytes = Int(h.loadU32(at: 0))
            guard bytes <= 128 else { return r(args[2], 8) }   // MAX_HANDLE_SZ
            return r(args[2], 8 + bytes) + r(args[3], args[4] & 1 != 0 ? 8 : 4)
        case "seccomp":
            // Only calls that would take effect are refused: libseccomp probes for the syscall
            // with SECCOMP_SET_MODE_STRICT and flags 1 (EINVAL), and for each filter flag with a
            // NULL filter (EFAULT), and nothing is installed then.
            switch args[0] {
            case 0 where args[1] == 0 && args[2] == 0:
                throw unsupported(0, "SECCOMP_SET_MODE_STRICT",
                                  "strict mode kills the process at any call but read, write, _exit and rt_sigreturn, swrr's own included")
            case 1 where args[1] & 8 != 0 && args[2] != 0:
                throw unsupported(1, "SECCOMP_SET_MODE_FILTER with SECCOMP_FILTER_FLAG_NEW_LISTENER",
                                  "another process's answers to the filtered calls would come from outside the recording")
            case 3: return r(args[2], 6)           // SECCOMP_GET_NOTIF_SIZES: 3 x u16
            default: return []                     // SET_MODE_FILTER, GET_ACTION_AVAIL
            }
        case "semctl":
            switch Int32(truncatingIfNeeded: args[2]) {
            case 2, 18, 20: return r(args[3], 104)   // IPC_STAT, SEM_STAT, SEM_STAT_ANY: semid_ds
            case 3, 19: return r(args[3], 40)        // IPC_INFO, SEM_INFO: struct seminfo
            case 13:
                // GETALL: one unsigned short per semaphore of the set, a count the call does not
                // carry: the recorder learns it (/proc/sysvipc/sem) after the call. Without a way
                // to learn it (the entry's check before the kernel runs the call) nothing is known
                // yet. SETALL (17) only reads the program's array.
                guard result >= 0, let count = semaphoreCount else { return [] }
                // SEMMSL, the most semaphores a set can have, is at most 32000 (ipc/sem.c).
                guard let n = count(Int32(truncatingIfNeeded: args[0])), n > 0, n <= 32000 else {
                    throw unsupported(13, "GETALL", "the number of semaphores of set \(Int32(truncatingIfNeeded: args[0])) cannot be learnt")
                }
                return r(args[3], 2 * n)
            default: return []                     // IPC_RMID, IPC_SET, GET*/SET* values
            }
        case "msgctl":
            switch Int32(truncatingIfNeeded: args[1]) {
            case 2, 11, 13: return r(args[2], 120)   // IPC_STAT, MSG_STAT, MSG_STAT_ANY: msqid_ds
            case 3, 12: return r(args[2], 32)        // IPC_INFO, MSG_INFO: struct msginfo
            default: return []                     // IPC_RMID, IPC_SET
            }
        case "msgrcv":
            // The long mtype, then `result` bytes of text (at most msgsz, argument 2).
            guard result >= 0 else { return [] }
            return r(args[1], 8 + Int(min(UInt64(result), args[2], 1 << 30)))
        case "get_mempolicy":
            // The mode, then the node mask: (maxnode - 1) bits rounded up to longs. The kernel
            // refuses masks over a page (EINVAL), so a larger maxnode wrote nothing.
            let maxnode = args[2]
            var out = r(args[0], 4)
            if maxnode >= 1 && maxnode <= 4096 * 8 + 1 {
                out += r(args[1], Int((maxnode - 1 + 63) / 64 * 8))
            }
            return out
        case "keyctl":
            return try keyctlRanges(args: args, result: result, fitted: fitted, unsupported: unsupported)
        case "quotactl":
            return try quotaRanges(command: args[0], address: args[3], unsupported: unsupported)
        case "quotactl_fd":
            return try quotaRanges(command: args[1], address: args[3], unsupported: unsupported)
        case "syslog":
            switch Int32(truncatingIfNeeded: args[0]) {
            case 2, 3, 4: return fitted(args[1], lengthArg: 2) // READ, READ_ALL, READ_CLEAR
            default: return []
            }
        case "sysfs":
            // Option 2 writes the name of file system type `index`, NUL included, at argument 2.
            guard args[0] == 2, result == 0 else { return [] }
            return r(args[2], stringLength(at: args[2], limit: 256, readMemory: readMemory))
        default:
            return nil
        }
    }

    /// keyctl's writes by operation (argument 0), as include/uapi/linux/keyctl.h numbers them.
    private static func keyctlRanges(args: [UInt64], result: Int64,
                                     fitted: (UInt64, Int) -> [MemoryRange],
                                     unsupported: (UInt64, String, String) -> Unsupported) throws -> [MemoryRange] {
        switch args[0] {
        case 6, 11, 17: return fitted(args[2], 3)   // DESCRIBE, READ, GET_SECURITY: buffer, buflen
        case 23: return fitted(args[2], 3)          // DH_COMPUTE: params, buffer, buflen
        case 24:                                    // PKEY_QUERY: struct keyctl_pkey_query
            return args[4] == 0 ? [] : [MemoryRange(address: args[4], length: 56)]
        case 25, 26, 27:                            // PKEY_ENCRYPT, DECRYPT, SIGN: `result` bytes out
            guard result > 0, result <= 1 << 20, args[4] != 0 else { return [] }
            return [MemoryRange(address: args[4], length: Int(result))]
        case 31: return fitted(args[1], 2)          // CAPABILITIES: buffer, buflen
        case 0...32: return []                      // the others write nothing
        default:
            throw unsupported(args[0], "\(args[0])", "an operation newer than swrr's table (32, KEYCTL_WATCH_KEY)")
        }
    }

    /// quotactl's writes: the subcommand is the command shifted right by 8 (the low byte is the
    /// quota type).
    private static func quotaRanges(command: UInt64, address: UInt64,
                                    unsupported: (UInt64, String, String) -> Unsupported) throws -> [MemoryRange] {
        func r(_ n: Int) -> [MemoryRange] { address == 0 ? [] : [MemoryRange(address: address, length: n)] }
        switch UInt32(truncatingIfNeeded: command) >> 8 {
        case 0x80_0004: return r(4)                 // Q_GETFMT: the format id
        case 0x80_0005: return r(24)                // Q_GETINFO: struct if_dqinfo
        case 0x80_0007, 0x80_0009: return r(72)     // Q_GETQUOTA, Q_GETNEXTQUOTA
        case 0x5803, 0x5809: return r(112)          // Q_XGETQUOTA, Q_XGETNEXTQUOTA: fs_disk_quota
        case 0x80_0001, 0x80_0002, 0x80_0003, 0x80_0006, 0x80_0008,
             0x5801, 0x5802, 0x5804, 0x5806, 0x5807:
            return []                               // on, off, sync, set: nothing written
        default:
            // Q_XGETQSTAT and Q_XGETQSTATV fill versioned structures of their own.
            throw unsupported(command, "0x" + String(command, radix: 16),
                              "a subcommand whose output swrr does not describe")
        }
    }

    /// The length, NUL included, of the string at `address` (at most `limit`), read a page at
    /// a time so that no read crosses into an unmapped page; 0 when it cannot be read.
    static func stringLength(at address: UInt64, limit: Int, readMemory: ReadMemory) -> Int {
        var length = 0
        while length < limit {
            let at = address &+ UInt64(length)
            let chunk = min(limit - length, 4096 - Int(at % 4096))
            guard let bytes = readMemory(at, chunk), bytes.count == chunk else { return 0 }
            if let nul = bytes.firstIndex(of: 0) { return length + nul + 1 }
            length += chunk
        }
        return limit
    }
}
