// CRC-32 (IEEE 802.3, the zlib/PNG polynomial, reflected 0xEDB88320), computed by zlib.
// check value: CRC32("123456789") == 0xCBF43926.
//
// zlib rather than a Swift table loop: the trace checksums every file it keeps (whole shared
// libraries, 100+ MB for rustc's), and the table loop runs at 21 MB/s in a debug build here
// against zlib's 1.0-1.2 GB/s (measured on 64 MiB, same value). Runs of 64 bytes and more go
// through the carry-less multiply instead where the CPU has it (CSwrrShim's swrr_crc32.h: about
// 6 times zlib's speed in a release build), and the last bytes through zlib.
import CSwrrShim
import CZlib

enum CRC32 {
    /// Whether update uses the CPU's carry-less multiply (PCLMULQDQ and SSE4.1) for bulk data.
    static let carrylessMultiply = swrr_crc32_clmul_available() != 0

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    /// Continues the CRC `crc` of earlier bytes over `bytes` (start with 0).
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        var crc = crc, done = 0
        if bytes.count >= 64 && carrylessMultiply {
            done = bytes.count & ~15   // what swrr_crc32_clmul takes: 64 or more, whole 16s
            crc = swrr_crc32_clmul(crc, base, done)
        }
        guard done < bytes.count else { return crc }
        return UInt32(truncatingIfNeeded: crc32_z(UInt(crc), (base + done).assumingMemoryBound(to: Bytef.self),
                                                  bytes.count - done))
    }

    /// Continues `crc` over `count` zero bytes without touching them: a hole of a sparse file
    /// (a mapped 10 GiB file holding 12 KiB of data took 4 s to checksum by reading its holes,
    /// again at every replay). The CRC of 2^k MiB of zeros is built by doubling with
    /// crc32_combine, O(log count).
    static func updateZeros(_ crc: UInt32, count: UInt64) -> UInt32 {
        guard count > 0 else { return crc }
        let block = UInt64(zeroBlock.count)
        var zerosCRC: UInt32 = 0           // of the zeros combined so far
        var power = zeroBlockCRC, powerLength = block
        var blocks = count / block
        while blocks > 0 {
            if blocks & 1 != 0 { zerosCRC = combine(zerosCRC, power, powerLength) }
            blocks >>= 1
            if blocks > 0 {
                power = combine(power, power, powerLength)
                powerLength *= 2
            }
        }
        let rest = Int(count % block)
        let restCRC = zeroBlock.withUnsafeBytes { update(0, UnsafeRawBufferPointer(rebasing: $0[0..<rest])) }
        zerosCRC = combine(zerosCRC, restCRC, UInt64(rest))
        return combine(crc, zerosCRC, count)
    }

    /// The CRC of A followed by B, from A's and B's CRCs and B's length.
    private static func combine(_ a: UInt32, _ b: UInt32, _ bLength: UInt64) -> UInt32 {
        guard bLength > 0 else { return a }
        return UInt32(truncatingIfNeeded: crc32_combine(UInt(a), UInt(b), Int(bLength)))
    }

    private static let zeroBlock = [UInt8](repeating: 0, count: 1 << 20)
    private static let zeroBlockCRC = checksum(zeroBlock)

    static func checksum<C: ContiguousCollection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}

/// Collections whose bytes can be checksummed in place.
protocol ContiguousCollection: Collection {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousCollection {}
extension ArraySlice: ContiguousCollection {}
