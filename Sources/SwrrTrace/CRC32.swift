// CRC-32 (IEEE 802.3, the zlib/PNG polynomial, reflected 0xEDB88320), table-driven.
// check value: CRC32("123456789") == 0xCBF43926.

enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { (n: UInt32) -> UInt32 in
        var c = n
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { t in
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
            return crc ^ 0xFFFF_FFFF
        }
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
