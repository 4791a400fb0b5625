// A straightforward reading of a process's writable memory, page by page, kept in the tests to
// check MemorySnapshot (MemoryDigest.swift) against: the same pages kept, the same digest, the
// same changed words. Slow on purpose (one process_vm_readv and one pagemap entry per page, a
// dictionary of pages, a word loop): nothing here shares code with the fast path but the public
// region list (WritableMemory.regions/deadStacks) and the hash function.
import CSwrrShim
import Glibc
import SwrrKernel
import SwrrTracee

struct SnapshotReference {
    /// The non-zero pages by address, and the digest.
    var pages: [UInt64: [UInt8]] = [:]
    var digest = MemoryDigest(value: 0, bytes: 0, unreadable: 0)

    static func take(_ task: Task, excluding excluded: [Range<UInt64>] = [], deadBelow sp: UInt64? = nil,
                     otherStacks: [UInt64] = []) throws -> SnapshotReference {
        let maps = try task.mappings()
        let dead = WritableMemory.deadStacks(of: maps, stackPointer: sp, otherStacks: otherStacks)
        let pagemap = open("/proc/\(task.tgid)/pagemap", O_RDONLY | O_CLOEXEC)
        defer { if pagemap >= 0 { close(pagemap) } }
        var out = SnapshotReference()
        var hasher = Hasher64()
        var total: UInt64 = 0, unreadable: UInt64 = 0
        let zeros = [UInt8](repeating: 0, count: 4096)
        for r in WritableMemory.regions(of: maps, excluding: excluded) {
            hasher.add(words: [r.start, r.end])
            total += UInt64(r.count)
            // A private anonymous mapping's page that is neither present nor swapped reads as
            // zeros: skipped, as the fast path does (reading it would map the zero page).
            let anonymous = maps.contains { $0.inode == 0 && $0.permissions.hasSuffix("p") && $0.name != "[vsyscall]"
                && $0.start <= r.start && r.end <= $0.end }
            for address in stride(from: r.start, to: r.end, by: 4096) {
                if anonymous && pagemap >= 0 {
                    var entry: UInt64 = 0
                    if pread(pagemap, &entry, 8, off_t(Int64(bitPattern: address / 4096 * 8))) == 8, entry & (3 << 62) == 0 { continue }
                }
                var page = [UInt8](repeating: 0, count: 4096)
                guard page.withUnsafeMutableBytes({ swrr_read_memory(task.tid, address, $0.baseAddress, 4096) }) == 4096 else {
                    hasher.add(words: [0xDEAD_0000_0000_0000 | address])
                    unreadable += 4096
                    continue
                }
                for d in dead where d.overlaps(address..<address + 4096) {
                    for i in 0..<4096 where d.contains(address + UInt64(i)) { page[i] = 0 }
                }
                guard memcmp(page, zeros, 4096) != 0 else { continue }
                hasher.add(words: [address])
                hasher.add(bytes: page)
                out.pages[address] = page
            }
        }
        out.digest = MemoryDigest(value: hasher.value, bytes: total, unreadable: unreadable)
        return out
    }

    /// Every aligned word that differs from `earlier`'s (a missing page reads as zeros), in
    /// address order, at most `limit`.
    func changes(since earlier: SnapshotReference, limit: Int = 4096) -> [MemorySnapshot.Change] {
        let zeros = [UInt8](repeating: 0, count: 4096)
        var out: [MemorySnapshot.Change] = []
        for address in Set(pages.keys).union(earlier.pages.keys).sorted() {
            let new = pages[address] ?? zeros, old = earlier.pages[address] ?? zeros
            guard memcmp(new, old, 4096) != 0 else { continue }
            for off in stride(from: 0, to: 4096, by: 8) {
                let x = old[off..<off + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let y = new[off..<off + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                if x != y {
                    guard out.count < limit else { return out }
                    out.append(MemorySnapshot.Change(address: address + UInt64(off), old: x, new: y))
                }
            }
        }
        return out
    }
}
