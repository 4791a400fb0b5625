// Go maps (the runtime's hash tables before Go 1.24's Swiss tables; go1.19 here). A
// `map[K]V` variable is a pointer to `hash<K,V>` {count int, flags uint8, B uint8, ...,
// buckets *bucket<K,V>, oldbuckets, ...}, both described in the binary's DWARF; the 2^B buckets
// are `bucket<K,V>` {tophash [8]uint8, keys [8]K, values [8]V, overflow *bucket<K,V>}. A slot
// holds an entry when its tophash is at least 5 (minTopHash: 0 and 1 mark empty slots, 2-4
// evacuated ones). During growth (oldbuckets != nil) entries not yet evacuated are still in the
// old array: both arrays are read, skipping evacuated slots.
//
// Everything here is read from the tracee: B, the bucket count and the overflow chains are
// bounded, and at most `limit` entries are collected.
import CLibDW

struct GoMap {
    var count: Int64
    var entries: [(key: Value, value: Value)]

    /// Bucket arrays beyond 2^16 buckets and chains beyond 64 overflow buckets are not read.
    static let maxBuckets = 1 << 16
    static let maxChain = 64

    /// The map a `*hash<K,V>` pointer value points to; nil for other values or unreadable
    /// memory. A nil map has no entries.
    init?(_ v: Value, target: TargetAccess?, limit: Int) {
        let t = v.type.resolved
        guard t.kind == .pointer, t.language == .go, t.die?.name?.hasPrefix("*hash<") == true else { return nil }
        let header = t.target.resolved
        guard header.kind == .structure else { return nil }
        count = 0
        entries = []
        let address = v.raw
        if address == 0 { return }
        guard let target, let bytes = try? target.readMemory(address, count: header.size) else { return nil }
        let h = Value(type: header, bytes: bytes, address: address)
        func member(_ n: String) -> Value? {
            header.members.first { $0.name == n }.map { h.slice(offset: $0.byteOffset, type: $0.type) }
        }
        guard let c = member("count"), let b = member("B"), let buckets = member("buckets"),
              buckets.type.resolved.kind == .pointer else { return nil }
        count = c.integer
        let bucketType = buckets.type.resolved.target.resolved
        let logBuckets = Int(min(b.raw & 0xff, 16))
        let arrays = [(buckets.raw, 1 << logBuckets), (member("oldbuckets")?.raw ?? 0, 1 << max(logBuckets - 1, 0))]
        for (base, n) in arrays where base != 0 {
            collect(base, buckets: min(n, Self.maxBuckets), type: bucketType, target: target, limit: limit)
        }
    }

    private mutating func collect(_ base: UInt64, buckets: Int, type: DWType, target: TargetAccess, limit: Int) {
        let members = Dictionary(type.members.compactMap { m in m.name.map { ($0, m) } }) { a, _ in a }
        guard let tophash = members["tophash"], let keys = members["keys"], let values = members["values"],
              type.size > 0 else { return }
        let keyType = keys.type.resolved.element, valueType = values.type.resolved.element
        guard keyType.size <= 1 << 20, valueType.size <= 1 << 20 else { return }
        for i in 0..<buckets {
            var address = base &+ UInt64(i) &* UInt64(type.size)
            var chain = 0
            while address != 0 && chain <= Self.maxChain {
                guard entries.count < limit, let bytes = try? target.readMemory(address, count: type.size) else { return }
                let bucket = Value(type: type, bytes: bytes, address: address)
                for slot in 0..<8 where bytes.indices.contains(tophash.byteOffset + slot) && bytes[tophash.byteOffset + slot] >= 5 {
                    guard entries.count < limit else { return }
                    entries.append((bucket.slice(offset: keys.byteOffset + slot * keyType.size, type: keyType),
                                    bucket.slice(offset: values.byteOffset + slot * valueType.size, type: valueType)))
                }
                address = members["overflow"].map { bucket.slice(offset: $0.byteOffset, type: $0.type).raw } ?? 0
                chain += 1
            }
        }
    }
}

extension ValueFormatter {
    /// `map["a": 1, "b": 2]`, as Go source writes a map literal (its keys in bucket order).
    func goMapText(_ v: Value, depth: Int) -> String? {
        guard let m = GoMap(v, target: target, limit: maxElements) else { return nil }
        if v.raw == 0 { return "map[] (nil)" }
        let shown = m.entries.map { "\(format($0.key, depth: depth + 1)): \(format($0.value, depth: depth + 1))" }
        return "map[" + shown.joined(separator: ", ") + (m.count > Int64(m.entries.count) ? ", ..." : "") + "]"
    }

    /// The entries of a Go map as children named by their keys.
    func goMapChildren(_ v: Value) -> [(name: String, value: Value)]? {
        guard let m = GoMap(v, target: target, limit: maxElements) else { return nil }
        return m.entries.map { ("[\(format($0.key, depth: 1))]", $0.value) }
    }
}
