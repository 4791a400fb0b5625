// Turns a spec's output rules into concrete memory ranges for one call. The recorder reads these
// ranges after the call and stores their bytes; replay writes them back.

public struct MemoryRange: Sendable, Equatable {
    public var address: UInt64
    public var length: Int
    public init(address: UInt64, length: Int) {
        self.address = address
        self.length = length
    }
}

/// A call the recorder cannot record faithfully. Recording stops with this message.
public enum Unsupported: Error, CustomStringConvertible, Equatable {
    case syscall(number: Int)
    case ioctl(request: UInt64, fd: Int64)
    /// A command of a multiplexing call (semctl, keyctl, quotactl...) whose writes swrr cannot
    /// tell, with the reason.
    case command(syscall: Int, command: UInt64, name: String, reason: String)

    public var description: String {
        switch self {
        case .syscall(let n):
            return "unsupported syscall \(SyscallTable.name(n)) (number \(n))"
        case .ioctl(let req, let fd):
            let hex = "0x" + String(req, radix: 16)
            return "unsupported ioctl \(hex) on fd \(fd)"
        case .command(let n, let command, let name, let reason):
            return "unsupported \(SyscallTable.name(n)) command \(name) (\(command)): \(reason)"
        }
    }
}

public enum SyscallOutputs {
    public typealias ReadMemory = (_ address: UInt64, _ count: Int) -> [UInt8]?
    /// The number of semaphores in SysV set `semid` (semctl GETALL writes one unsigned short per
    /// semaphore, a count the call does not carry); nil when it cannot be learnt.
    public typealias SemaphoreCount = (_ semid: Int32) -> Int?

    /// The memory the kernel wrote for a call with these arguments and result.
    public static func ranges(for spec: SyscallSpec, args: [UInt64], result: Int64,
                              readMemory: ReadMemory, semaphoreCount: SemaphoreCount? = nil) throws -> [MemoryRange] {
        if spec.outputCondition == .onSuccess && result < 0 { return [] }
        var out: [MemoryRange] = []
        func add(_ addr: UInt64, _ len: Int) {
            if addr != 0 && len > 0 { out.append(MemoryRange(address: addr, length: len)) }
        }
        for rule in spec.outputs {
            switch rule {
            case .fixed(let a, let size):
                add(args[a], size)
            case .resultSized(let a):
                if result > 0 { add(args[a], Int(result)) }
            case .argSized(let a, let sizeArg, let unit):
                let n = argSize(spec, args, sizeArg)
                if n > 0 && n < (1 << 30) { add(args[a], n * unit) }
            case .iovecs(let a, let countArg):
                out += iovecRanges(args[a], count: args[countArg], result: result, readMemory: readMemory)
            case .sockaddr(let a, let lenArg):
                guard args[lenArg] != 0, let raw = readMemory(args[lenArg], 4) else { break }
                add(args[lenArg], 4)
                add(args[a], Int(raw.loadU32(at: 0)))
            case .dynamic:
                out += try dynamicRanges(spec: spec, args: args, result: result, readMemory: readMemory,
                                         semaphoreCount: semaphoreCount)
            }
        }
        return out
    }

    /// The outputs of a call that failed with EFAULT whose extent the arguments give (fixed sizes,
    /// argument-sized arrays): the kernel copies an output out with copy_to_user, which stops at
    /// the fault without undoing what it wrote (measured: newfstatat into a struct stat whose last
    /// 80 bytes are unmapped wrote its first 64 bytes and returned EFAULT; gettimeofday with an
    /// unmapped timezone wrote the timeval first; poll wrote the revents before the one in a
    /// read-only page). The recorder keeps the part of each range it can read, which holds what
    /// the kernel could have written. (A result-sized output's extent is not known: not kept.)
    public static func faultedRanges(for spec: SyscallSpec, args: [UInt64], result: Int64) -> [MemoryRange] {
        guard result == -14, spec.outputCondition == .onSuccess else { return [] }
        var out: [MemoryRange] = []
        for rule in spec.outputs {
            switch rule {
            case .fixed(let a, let size) where a < args.count && args[a] != 0 && size > 0:
                out.append(MemoryRange(address: args[a], length: size))
            case .argSized(let a, let sizeArg, let unit) where a < args.count && args[a] != 0:
                let n = argSize(spec, args, sizeArg)
                if n > 0 && n < (1 << 20) { out.append(MemoryRange(address: args[a], length: n * unit)) }
            default:
                break
            }
        }
        return out
    }

    /// An `.argSized` output's count: a C int takes the low 32 bits (poll(fds, 1L << 32 | 1, 0)
    /// polls one descriptor and writes its revents).
    static func argSize(_ spec: SyscallSpec, _ args: [UInt64], _ sizeArg: Int) -> Int {
        sizeArg < spec.args.count && spec.args[sizeArg] == .int
            ? Int(Int32(truncatingIfNeeded: args[sizeArg])) : Int(truncatingIfNeeded: args[sizeArg])
    }

    /// The iovec array of a call with an `.iovecs` output (readv, preadv...), read at its entry:
    /// the kernel takes the array before it writes anything, and a buffer may point into the array
    /// itself. nil for other calls, or an array `iovecRanges` would not read.
    public static func iovecArray(for spec: SyscallSpec, args: [UInt64],
                                  readMemory: ReadMemory) -> (address: UInt64, bytes: [UInt8])? {
        for case .iovecs(let a, let countArg) in spec.outputs {
            let address = args[a], count = args[countArg]
            guard address != 0, count > 0, count <= 1024, let raw = readMemory(address, Int(count) * 16),
                  raw.count == Int(count) * 16 else { return nil }
            return (address, raw)
        }
        return nil
    }

    /// The result's byte count scattered over `count` iovecs (16 bytes each: base, length) at
    /// `address`, in order. At most UIO_MAXIOV (1024) entries, as the kernel allows.
    static func iovecRanges(_ address: UInt64, count rawCount: UInt64, result: Int64,
                            readMemory: ReadMemory) -> [MemoryRange] {
        guard result > 0, address != 0, rawCount > 0, rawCount <= 1024,
              let raw = readMemory(address, Int(rawCount) * 16), raw.count == Int(rawCount) * 16 else { return [] }
        var out: [MemoryRange] = []
        var remaining = result
        for i in 0..<Int(rawCount) where remaining > 0 {
            let base = raw.loadU64(at: i * 16)
            let len = raw.loadU64(at: i * 16 + 8)
            let n = Int(min(len, UInt64(remaining)))
            if base != 0 && n > 0 { out.append(MemoryRange(address: base, length: n)) }
            remaining -= Int64(n)
        }
        return out
    }

    /// recvmsg's writes, found from its struct msghdr (56 bytes) as it is after the call:
    ///
    ///      0  msg_name        8  msg_namelen (u32)   16  msg_iov   24  msg_iovlen
    ///     32  msg_control    40  msg_controllen      48  msg_flags (i32)
    ///
    /// The kernel writes the sender's address at msg_name and its length at msg_namelen (only
    /// when msg_name is set), the data over the iovecs (`result` bytes; more when MSG_TRUNC
    /// reports a longer datagram, but never past an iovec), the control messages at msg_control
    /// with their total length at msg_controllen (cmsghdr headers of 16 bytes, then for
    /// SCM_RIGHTS the new descriptors), and msg_flags (MSG_TRUNC, MSG_CTRUNC...).
    static func msghdrRanges(_ address: UInt64, result: Int64, readMemory: ReadMemory) -> [MemoryRange] {
        guard address != 0, let h = readMemory(address, 56), h.count == 56 else { return [] }
        var out: [MemoryRange] = []
        func add(_ a: UInt64, _ n: UInt64) {
            // Names are at most 128 bytes (sockaddr_storage); control data is bounded by what the
            // program offered, so a larger length is not one the kernel wrote.
            if a != 0 && n > 0 && n <= 1 << 24 { out.append(MemoryRange(address: a, length: Int(n))) }
        }
        let name = h.loadU64(at: 0)
        if name != 0 {
            add(address &+ 8, 4)
            add(name, UInt64(h.loadU32(at: 8)))
        }
        out += iovecRanges(h.loadU64(at: 16), count: h.loadU64(at: 24), result: result, readMemory: readMemory)
        add(address &+ 40, 8)
        add(h.loadU64(at: 32), h.loadU64(at: 40))
        add(address &+ 48, 4)
        return out
    }

    /// sendmmsg's and recvmmsg's writes into their array of struct mmsghdr (64 bytes: a msghdr,
    /// then the u32 msg_len at 56) for the `count` entries the call processed (its result): each
    /// entry's msg_len and, for recvmmsg, what recvmsg writes through the entry's msghdr, with
    /// that msg_len as its byte count. At most UIO_MAXIOV (1024) entries, as the kernel allows.
    static func mmsghdrRanges(_ address: UInt64, count: Int64, received: Bool,
                              readMemory: ReadMemory) -> [MemoryRange] {
        guard address != 0, count > 0, count <= 1024 else { return [] }
        var out: [MemoryRange] = []
        for i in 0..<UInt64(count) {
            let entry = address &+ i * 64
            out.append(MemoryRange(address: entry &+ 56, length: 4))
            if received, let len = readMemory(entry &+ 56, 4), len.count == 4 {
                out += msghdrRanges(entry, result: Int64(len.loadU32(at: 0)), readMemory: readMemory)
            }
        }
        return out
    }

    /// SIOCGIFCONF's ifreqs (IoctlPointedOutput.ifconf): ifc_len bytes at ifc_buf, read from the
    /// struct ifconf at `address` after the call. A length the kernel cannot have written (negative,
    /// or beyond 1 MiB: 26,000 interface addresses) is none.
    static func ifconfRanges(_ address: UInt64, readMemory: ReadMemory) -> [MemoryRange] {
        guard address != 0, let s = readMemory(address, 16), s.count == 16 else { return [] }
        let length = Int32(bitPattern: s.loadU32(at: 0))
        let buffer = s.loadU64(at: 8)
        guard buffer != 0, length > 0, length <= 1 << 20 else { return [] }
        return [MemoryRange(address: buffer, length: Int(length))]
    }

    static func dynamicRanges(spec: SyscallSpec, args: [UInt64], result: Int64,
                              readMemory: ReadMemory, semaphoreCount: SemaphoreCount? = nil) throws -> [MemoryRange] {
        func r(_ a: UInt64, _ n: Int) -> [MemoryRange] {
            a == 0 || n <= 0 ? [] : [MemoryRange(address: a, length: n)]
        }
        switch spec.name {
        case "ioctl":
            guard let io = IoctlTable.spec(args[1]) else {
                throw Unsupported.ioctl(request: args[1], fd: Int64(bitPattern: args[0]))
            }
            switch io.pointed {
            case nil: return r(args[2], io.outputSize)
            case .ifconf: return r(args[2], io.outputSize) + ifconfRanges(args[2], readMemory: readMemory)
            }
        case "fcntl":
            switch args[1] {
            case 5, 36: return r(args[2], 32)      // F_GETLK, F_OFD_GETLK: struct flock
            case 16: return r(args[2], 8)          // F_GETOWN_EX
            default: return []
            }
        case "prctl":
            switch args[0] {
            case 16: return r(args[1], 16)         // PR_GET_NAME
            case 2: return r(args[1], 4)           // PR_GET_PDEATHSIG
            case 37: return r(args[1], 4)          // PR_GET_CHILD_SUBREAPER
            case 40: return r(args[1], 8)          // PR_GET_TID_ADDRESS
            case 22 where args[1] == 1:            // PR_SET_SECCOMP, SECCOMP_MODE_STRICT
                throw Unsupported.command(syscall: 157, command: 22, name: "PR_SET_SECCOMP with SECCOMP_MODE_STRICT",
                                          reason: "strict mode kills the process at any call but read, write, _exit and rt_sigreturn, swrr's own included")
            default: return []
            }
        case "ptrace":
            // A request the emulation refuses wrote nothing (its result is an error).
            guard let req = PtraceRequests.request(args[0]), req.emulated else { return [] }
            if req.outputIovec {
                // The iovec's iov_len, as the call left it, and that many bytes at its base.
                guard args[3] != 0, let iov = readMemory(args[3], 16), iov.count == 16 else { return r(args[3] &+ 8, 8) }
                let n = iov.loadU64(at: 8)
                return r(args[3] &+ 8, 8) + (n <= UInt64(PtraceRequests.regSetLimit) ? r(iov.loadU64(at: 0), Int(n)) : [])
            }
            return r(args[3], req.output)
        case "arch_prctl":
            switch args[0] {
            case 0x1003, 0x1004: return r(args[1], 8) // ARCH_GET_FS, ARCH_GET_GS
            default: return []
            }
        case "select", "pselect6":
            let nfds = Int(truncatingIfNeeded: args[0])
            guard nfds >= 0 && nfds <= 1 << 20 else { return [] }
            let setBytes = ((nfds + 63) / 64) * 8
            return r(args[1], setBytes) + r(args[2], setBytes) + r(args[3], setBytes) + r(args[4], 16)
        case "futex":
            switch args[1] & 0x7f {                   // without FUTEX_PRIVATE_FLAG (128)
            case 5: return r(args[4], 4)              // FUTEX_WAKE_OP changes *uaddr2
            case 6, 7, 8, 11, 12: return r(args[0], 4) // PI operations write the owner's tid
            default: return []
            }
        case "mincore":
            let pages = (Int(truncatingIfNeeded: args[1]) + 4095) / 4096
            return r(args[2], pages)
        case "recvfrom":
            // MSG_TRUNC: the result may be the datagram's length, larger than the buffer.
            guard result > 0 else { return [] }
            return r(args[1], Int(min(UInt64(result), args[2])))
        case "recvmsg":
            return msghdrRanges(args[1], result: result, readMemory: readMemory)
        case "sendmmsg", "recvmmsg":
            return mmsghdrRanges(args[1], count: result, received: spec.name == "recvmmsg", readMemory: readMemory)
        case "epoll_wait", "epoll_pwait", "epoll_pwait2":
            // `result` ready events of 12 bytes (struct epoll_event is packed on x86-64).
            guard result > 0 && result <= 1 << 24 else { return [] }
            return r(args[1], Int(result) * 12)
        case "shmctl":
            switch args[1] {                      // x86-64 takes no IPC_64 flag in the command
            case 2, 13, 15: return r(args[2], 112) // IPC_STAT, SHM_STAT, SHM_STAT_ANY: shmid_ds
            case 3: return r(args[2], 72)          // IPC_INFO: struct shminfo
            case 14: return r(args[2], 48)         // SHM_INFO: struct shm_info
            default: return []                    // IPC_RMID, IPC_SET, SHM_LOCK, SHM_UNLOCK
            }
        default:
            return try commandRanges(spec: spec, args: args, result: result, readMemory: readMemory,
                                     semaphoreCount: semaphoreCount) ?? []
        }
    }
}

extension Array where Element == UInt8 {
    /// Little-endian load of 8 bytes at `offset` (the caller checks bounds).
    public func loadU64(at offset: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(self[offset + i]) << (8 * UInt64(i)) }
        return v
    }
    public func loadU32(at offset: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(self[offset + i]) << (8 * UInt32(i)) }
        return v
    }
    /// Little-endian store of 4 bytes at `offset` (the caller checks bounds).
    public mutating func storeU32(_ v: UInt32, at offset: Int) {
        for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }
}
