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

    public var description: String {
        switch self {
        case .syscall(let n):
            return "unsupported syscall \(SyscallTable.name(n)) (number \(n))"
        case .ioctl(let req, let fd):
            let hex = "0x" + String(req, radix: 16)
            return "unsupported ioctl \(hex) on fd \(fd)"
        }
    }
}

public enum SyscallOutputs {
    public typealias ReadMemory = (_ address: UInt64, _ count: Int) -> [UInt8]?

    /// The memory the kernel wrote for a call with these arguments and result.
    public static func ranges(for spec: SyscallSpec, args: [UInt64], result: Int64,
                              readMemory: ReadMemory) throws -> [MemoryRange] {
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
                let n = Int(truncatingIfNeeded: args[sizeArg])
                if n > 0 && n < (1 << 30) { add(args[a], n * unit) }
            case .iovecs(let a, let countArg):
                guard result > 0 else { break }
                var remaining = Int(result)
                let count = Int(truncatingIfNeeded: args[countArg])
                guard count > 0, count <= 1024, let raw = readMemory(args[a], count * 16) else { break }
                for i in 0..<count where remaining > 0 {
                    let base = raw.loadU64(at: i * 16)
                    let len = Int(truncatingIfNeeded: raw.loadU64(at: i * 16 + 8))
                    let n = min(len, remaining)
                    add(base, n)
                    remaining -= n
                }
            case .sockaddr(let a, let lenArg):
                guard args[lenArg] != 0, let raw = readMemory(args[lenArg], 4) else { break }
                add(args[lenArg], 4)
                add(args[a], Int(raw.loadU32(at: 0)))
            case .dynamic:
                out += try dynamicRanges(spec: spec, args: args, result: result)
            }
        }
        return out
    }

    static func dynamicRanges(spec: SyscallSpec, args: [UInt64], result: Int64) throws -> [MemoryRange] {
        func r(_ a: UInt64, _ n: Int) -> [MemoryRange] {
            a == 0 || n <= 0 ? [] : [MemoryRange(address: a, length: n)]
        }
        switch spec.name {
        case "ioctl":
            guard let io = IoctlTable.spec(args[1]) else {
                throw Unsupported.ioctl(request: args[1], fd: Int64(bitPattern: args[0]))
            }
            return r(args[2], io.outputSize)
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
            case 40: return r(args[1], 8)          // PR_GET_TID_ADDRESS
            default: return []
            }
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
        default:
            return []
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
}
