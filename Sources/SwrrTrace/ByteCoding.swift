// ByteWriter and ByteReader: the little-endian, varint-based primitives of every binary record
// in a trace. The reader checks every access against the bytes it has and throws DecodeError
// instead of trapping, whatever it is given.

/// Something in a binary record that does not decode; `position` is the byte where it was found.
struct DecodeError: Error {
    let message: String
    let position: Int
}

struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func u8(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Unsigned LEB128.
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func varint(_ value: Int) {
        varint(UInt64(value))
    }

    /// Signed values, zigzag-encoded so that small negative numbers stay short.
    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func bool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    /// Length-prefixed UTF-8.
    mutating func string(_ value: String) {
        var s = value
        s.withUTF8 { utf8 in
            varint(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func append<C: Collection>(_ raw: C) where C.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }
}

struct ByteReader {
    private let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = max(0, min(position, bytes.count))
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }

    func failure(_ message: String) -> DecodeError {
        DecodeError(message: message, position: position)
    }

    private mutating func need(_ n: Int, _ what: String) throws {
        guard n >= 0, n <= remaining else {
            throw failure("\(what) needs \(n) bytes but only \(remaining) remain")
        }
    }

    mutating func u8() throws -> UInt8 {
        try need(1, "a byte")
        defer { position += 1 }
        return bytes[position]
    }

    /// A fixed-width little-endian integer.
    private mutating func littleEndian<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        try need(size, "a \(size * 8)-bit integer")
        var v: T = 0
        for i in 0..<size { v |= T(bytes[position + i]) << (8 * i) }
        position += size
        return v
    }

    mutating func u32() throws -> UInt32 { try littleEndian(UInt32.self) }
    mutating func u64() throws -> UInt64 { try littleEndian(UInt64.self) }

    mutating func varint() throws -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            if shift == 63 && byte > 1 {
                position = start
                throw failure("a varint overflows 64 bits")
            }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func zigzag() throws -> Int64 {
        let u = try varint()
        return Int64(bitPattern: u >> 1) ^ (0 &- Int64(bitPattern: u & 1))
    }

    /// A varint that must fit `T` (signed types are zigzag-encoded).
    private mutating func narrow<T: FixedWidthInteger>(_: T.Type, bits: Int) throws -> T {
        let start = position
        let value: T?
        let shown: String
        if T.isSigned {
            let v = try zigzag()
            value = T(exactly: v)
            shown = "\(v)"
        } else {
            let v = try varint()
            value = T(exactly: v)
            shown = "\(v)"
        }
        guard let value else {
            position = start
            throw failure("\(shown) does not fit a \(bits)-bit field")
        }
        return value
    }

    mutating func int32() throws -> Int32 { try narrow(Int32.self, bits: 32) }
    mutating func uint32() throws -> UInt32 { try narrow(UInt32.self, bits: 32) }
    mutating func uint8() throws -> UInt8 { try narrow(UInt8.self, bits: 8) }

    mutating func bool() throws -> Bool {
        let start = position
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b:
            position = start
            throw failure("a boolean byte is \(b), not 0 or 1")
        }
    }

    /// An element count, which can never exceed the bytes left (every element takes at least
    /// `minimumElementSize` of them): so no allocation is ever sized by an unchecked number.
    mutating func count(of what: String, minimumElementSize: Int = 1) throws -> Int {
        let start = position
        let n = try varint()
        guard n <= UInt64(remaining / max(1, minimumElementSize)) else {
            position = start
            throw failure("the count of \(what) (\(n)) is larger than the record")
        }
        return Int(n)
    }

    mutating func bytes(_ n: Int) throws -> ArraySlice<UInt8> {
        try need(n, "a byte string")
        defer { position += n }
        return bytes[position..<position + n]
    }

    mutating func string() throws -> String {
        let start = position
        let n = try count(of: "string bytes")
        let utf8 = try bytes(n)
        guard let s = String(validating: utf8, as: UTF8.self) else {
            position = start
            throw failure("a string is not valid UTF-8")
        }
        return s
    }
}
