// CRC-32 (IEEE 802.3, the zlib/PNG polynomial, reflected 0xEDB88320), computed by zlib.
// check value: CRC32("123456789") == 0xCBF43926.
//
// zlib rather than a Swift table loop: the trace checksums every file it keeps (whole shared
// libraries, 100+ MB for rustc's), and the table loop runs at 21 MB/s in a debug build here
// against zlib's 1.0-1.2 GB/s (measured on 64 MiB, same value).
import CZlib

enum CRC32 {
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    /// Continues the CRC `crc` of earlier bytes over `bytes` (start with 0).
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return UInt32(truncatingIfNeeded: crc32_z(UInt(crc), base.assumingMemoryBound(to: Bytef.self), bytes.count))
    }

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
