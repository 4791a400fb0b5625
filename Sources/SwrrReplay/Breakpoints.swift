// Software breakpoints of a debugger over a replay: an int3 (0xCC) written over the first byte
// of the instruction, in every live address space of the replay. The original bytes are kept
// per address space so that memory reads show the program's code, never the int3s, and so that
// a breakpoint can be lifted for the single step that carries the task over it.
//
// A replay re-executes the program's own code, so an int3 is the only change the debugger makes
// to it; it is invisible to the engine (which compares registers, not code) as long as every hit
// is taken back before the engine sees it (TrapControl.classify rewinds rip).
import SwrrTracee

final class SoftwareBreakpoints {
    /// Addresses the debugger asked for.
    private(set) var addresses: Set<UInt64> = []
    /// The original byte under each inserted int3, by address space (tgid) and address.
    private var saved: [Int32: [UInt64: UInt8]] = [:]
    /// The replay's coverage int3s at function entries in memory now (StretchCoverage.swift),
    /// with the byte under each, by address space: never where one of `addresses` is (that
    /// int3's trap notes the entry), hidden like those, and erased from checkpoints alike.
    private var coverage: [Int32: [UInt64: UInt8]] = [:]

    func contains(_ address: UInt64) -> Bool { addresses.contains(address) }

    /// Inserts a breakpoint into every address space (one task of each is enough).
    func add(_ address: UInt64, in spaces: [Task]) throws {
        var inserted = 0
        var lastError: Error?
        for t in spaces {
            do {
                try insert(address, in: t)
                inserted += 1
            } catch {
                lastError = error
            }
        }
        if inserted == 0, let e = lastError { throw e }
        addresses.insert(address)
    }

    func remove(_ address: UInt64, in spaces: [Task]) {
        addresses.remove(address)
        for t in spaces { lift(address, in: t) }
        for k in saved.keys { saved[k]?[address] = nil }
    }

    /// Puts the int3 back (after the step over it); no-op when the breakpoint was removed.
    func insert(_ address: UInt64, in task: Task) throws {
        if saved[task.tgid]?[address] != nil {
            try task.writeMemory(address, [0xCC])
            return
        }
        if let original = coverage[task.tgid]?.removeValue(forKey: address) {
            // A coverage int3 stands there: it becomes this breakpoint's.
            saved[task.tgid, default: [:]][address] = original
            return
        }
        let original = try task.readMemory(address, count: 1)[0]
        try task.writeMemory(address, [0xCC])
        saved[task.tgid, default: [:]][address] = original
    }

    /// Restores the original byte (for a step over it, or removal); keeps the record.
    func lift(_ address: UInt64, in task: Task) {
        guard let original = saved[task.tgid]?[address] else { return }
        try? task.writeMemory(address, [original])
    }

    /// Re-inserts a breakpoint lifted for a step, if it still exists.
    func reinsert(_ address: UInt64, in task: Task) {
        guard addresses.contains(address), saved[task.tgid]?[address] != nil else { return }
        try? task.writeMemory(address, [0xCC])
    }

    /// `bytes` read at `address` in `tgid`'s memory, with the original code under every int3.
    func hide(in bytes: inout [UInt8], at address: UInt64, tgid: Int32) {
        let end = address &+ UInt64(bytes.count)
        for map in [saved[tgid], coverage[tgid]] {
            for (a, original) in map ?? [:] where a >= address && a < end {
                bytes[Int(a - address)] = original
            }
        }
    }

    /// Puts the original bytes back under every int3 in `copy`, a copy of `tgid`'s memory (a
    /// checkpoint's). Coverage int3s, thousands with the C library's functions, a page at a
    /// time: one read and one write per page instead of per int3 (benchmarks/reverse, 4234
    /// entries in about 400 pages: 3 syscalls per int3 made each checkpoint 37 ms longer in a
    /// debug build).
    func erase(tgid: Int32, in copy: Task) throws {
        for (address, byte) in saved[tgid] ?? [:] where (try? copy.readMemory(address, count: 1)) == [0xCC] {
            try copy.writeMemory(address, [byte])
        }
        let page: UInt64 = 4096
        var byPage: [UInt64: [(UInt64, UInt8)]] = [:]
        for (a, byte) in coverage[tgid] ?? [:] { byPage[a & ~(page - 1), default: []].append((a, byte)) }
        for (start, list) in byPage {
            var bytes = try copy.readMemory(start, count: Int(page))
            for (a, byte) in list where bytes[Int(a - start)] == 0xCC { bytes[Int(a - start)] = byte }
            try copy.writeMemory(start, bytes)
        }
    }

    /// A new process was forked from `parent`: it has the same int3s at the same places.
    func forked(parent: Int32, child: Int32) {
        if let map = saved[parent] { saved[child] = map }
        if let map = coverage[parent] { coverage[child] = map }
    }

    /// The address space was replaced (exec): the int3s are gone with it; put them into the new
    /// image where the addresses are mapped.
    func execed(_ task: Task) {
        saved[task.tgid] = nil
        coverage[task.tgid] = nil
        for a in addresses { try? insert(a, in: task) }
    }

    /// A process ended.
    func forget(tgid: Int32) {
        saved[tgid] = nil
        coverage[tgid] = nil
    }

    /// A new replay of the same trace (reverse execution re-runs it): the addresses stay, the
    /// new address spaces get their int3s from `add`/`execed`.
    func newReplay() {
        saved = [:]
        coverage = [:]
    }

    /// Inserts every breakpoint into these address spaces where the address is mapped and it
    /// is not in yet (after a replay starts, and after each mmap/mprotect: a breakpoint in a
    /// shared library goes in once the library is there).
    /// An int3 inserted earlier is checked too: the dynamic loader maps a library's segments
    /// over its first, provisional mapping, which takes the int3 away with the old pages.
    func insertAll(in spaces: [Task]) {
        for t in spaces {
            for a in addresses {
                if let original = coverage[t.tgid]?.removeValue(forKey: a) {
                    saved[t.tgid, default: [:]][a] = original
                    continue
                }
                guard let byte = try? t.readMemory(a, count: 1)[0] else { continue }
                if byte == 0xCC && saved[t.tgid]?[a] != nil { continue }
                if (try? t.writeMemory(a, [0xCC])) != nil { saved[t.tgid, default: [:]][a] = byte }
            }
        }
    }

    // MARK: coverage int3s (StretchCoverage.swift)

    /// Puts a coverage int3 at `address` in `task`'s memory (or re-inserts one a trap took out).
    /// True when the entry traps now: this int3, or a breakpoint's at the same address.
    func armCoverage(_ address: UInt64, in task: Task) -> Bool {
        if addresses.contains(address) && saved[task.tgid]?[address] != nil { return true }
        if coverage[task.tgid]?[address] != nil {
            // Recorded as armed; written again (a process sharing this memory, vfork's child,
            // may have taken it out).
            return (try? task.writeMemory(address, [0xCC])) != nil
        }
        guard let byte = try? task.readMemory(address, count: 1).first, byte != 0xCC,
              (try? task.writeMemory(address, [0xCC])) != nil else { return false }
        coverage[task.tgid, default: [:]][address] = byte
        return true
    }

    /// Takes the coverage int3 at `address` out of `task`'s memory; false when there is none.
    func disarmCoverage(_ address: UInt64, in task: Task) -> Bool {
        guard let original = coverage[task.tgid]?.removeValue(forKey: address) else { return false }
        try? task.writeMemory(address, [original])
        return true
    }

    /// Takes every coverage int3 out of `task`'s process.
    func disarmAllCoverage(in task: Task) {
        for (a, original) in coverage[task.tgid] ?? [:] { try? task.writeMemory(a, [original]) }
        coverage[task.tgid] = nil
    }

    /// Whether a coverage int3 is in memory in any address space.
    var coverageArmed: Bool { coverage.values.contains { !$0.isEmpty } }

    /// Whether a coverage int3 is in `range` in any address space.
    func hasCoverage(in range: Range<UInt64>) -> Bool {
        coverage.values.contains { $0.keys.contains(where: range.contains) }
    }
}
