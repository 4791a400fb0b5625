// A typed value read out of the target: its bytes (some possibly unavailable, when parts of
// an optimized variable live nowhere at this pc), its type, and where it lives if it is an
// lvalue in memory (so `&x`, `p->field` and pointer dereferences can be expressed).
public struct Value {
    public let type: DWType
    public internal(set) var bytes: [UInt8]
    /// Per-byte availability; nil when every byte is known.
    var valid: [Bool]?
    /// Memory address when the value is an object in memory.
    public let address: UInt64?
    /// True when the value could not be read at all (no location at this pc).
    /// Remaining dimensions when this value is a row of a multidimensional array.
    var subArrayCounts: [Int?]? = nil
    /// For a pointer or reference that was optimized away (DW_OP_implicit_pointer): what it
    /// pointed to. gdb calls these "synthetic pointers".
    var syntheticTarget: SyntheticTarget? = nil
    /// The variable has no location at all here (as opposed to pieces that are missing).
    var hasNoLocation = false
    public var isOptimizedOut: Bool { syntheticTarget == nil && (valid.map { !$0.contains(true) } ?? false) }

    init(type: DWType, bytes: [UInt8], valid: [Bool]? = nil, address: UInt64? = nil) {
        self.type = type
        self.bytes = bytes
        self.valid = valid
        self.address = address
    }

    final class SyntheticTarget {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    static func optimizedOut(_ type: DWType) -> Value {
        let n = min(max(type.size, 1), FrameScope.maxObjectRead)
        var v = Value(type: type, bytes: [UInt8](repeating: 0, count: n), valid: [Bool](repeating: false, count: n))
        v.hasNoLocation = true
        return v
    }

    static func integer(_ v: UInt64, type: DWType) -> Value {
        let n = min(max(type.size, 1), FrameScope.maxObjectRead)
        var b = [UInt8](repeating: 0, count: n)
        for i in 0..<min(n, 8) { b[i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        return Value(type: type, bytes: b)
    }

    func isAvailable(_ range: Range<Int>) -> Bool {
        guard let v = valid else { return true }
        return range.allSatisfy { $0 < v.count && v[$0] }
    }

    /// The first 8 bytes as an unsigned number (zero-extended).
    public var raw: UInt64 {
        var v: UInt64 = 0
        for (i, b) in bytes.prefix(8).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    /// As a signed or unsigned integer per the type, sign-extended from its size.
    public var integer: Int64 {
        let n = min(bytes.count, 8)
        let v = raw
        if type.isSigned && n < 8 && n > 0 {
            let shift = UInt64(64 - 8 * n)
            return Int64(bitPattern: v << shift) >> Int64(shift)
        }
        return Int64(bitPattern: v)
    }

    public var double: Double {
        if type.isFloat {
            if bytes.count == 4 { return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))) }
            if bytes.count == 8 { return Double(bitPattern: raw) }
            if bytes.count >= 10 { return Double(float80Bytes: bytes) }
        }
        return type.isSigned ? Double(integer) : Double(UInt64(bitPattern: integer))
    }

    /// A slice of this value as another type (a member or array element).
    /// Offsets and sizes come from DWARF: a slice is at most FrameScope.maxObjectRead bytes,
    /// and offsets past the value read as zero bytes (unavailable when the value has a mask).
    func slice(offset: Int, type: DWType, size explicitSize: Int? = nil) -> Value {
        let size = min(max(explicitSize ?? type.size, 0), FrameScope.maxObjectRead)
        let offset = max(offset, 0)
        let end = offset < bytes.count ? min(bytes.count - offset, size) + offset : offset
        let b = offset < end ? Array(bytes[offset..<end]) + [UInt8](repeating: 0, count: size - (end - offset)) : [UInt8](repeating: 0, count: size)
        let v = valid.map { vs in (0..<size).map { offset < vs.count && $0 < vs.count - offset ? vs[offset + $0] : false } }
        return Value(type: type, bytes: b, valid: v, address: address.map { $0 &+ UInt64(offset) })
    }

    /// A bit-field member: `bitSize` bits starting `bitOffset` bits into this value.
    func bitField(bitOffset: Int, bitSize: Int, type: DWType) -> Value {
        var v: UInt64 = 0
        for i in 0..<bitSize {
            let bit = bitOffset + i
            guard bit / 8 < bytes.count else { break }
            if (bytes[bit / 8] >> UInt8(bit % 8)) & 1 == 1 { v |= 1 << UInt64(i) }
        }
        if type.isSigned && bitSize > 0 && bitSize < 64 && (v >> UInt64(bitSize - 1)) & 1 == 1 {
            v |= ~0 << UInt64(bitSize)
        }
        let avail = isAvailable((bitOffset / 8)..<((bitOffset + bitSize + 7) / 8))
        var out = Value.integer(v, type: type)
        if !avail { out.valid = [Bool](repeating: false, count: out.bytes.count) }
        return out
    }
}

extension Double {
    /// x87 80-bit extended precision (long double), converted with rounding.
    init(float80Bytes b: [UInt8]) {
        var mant: UInt64 = 0
        for i in 0..<8 { mant |= UInt64(b[i]) << (8 * UInt64(i)) }
        let se = UInt16(b[8]) | UInt16(b[9]) << 8
        let sign: Double = se & 0x8000 != 0 ? -1 : 1
        let exp = Int(se & 0x7fff)
        if exp == 0 && mant == 0 { self = 0 * sign; return }
        if exp == 0x7fff { self = mant << 1 == 0 ? sign * .infinity : .nan; return }
        self = sign * Double(mant) * Double(sign: .plus, exponent: exp - 16383 - 63, significand: 1)
    }
}
