// The writable memory of a task's process, as a 64-bit digest (one number that changes when any
// byte does) and as snapshots whose words can be diffed: the memory half of a state signature
// (StateSignature.swift, docs/POSITIONS.md). Between two events one thread runs alone and makes no
// syscall, so everything it can change is in its registers and in the writable mappings of its
// process; read-only and executable-only mappings cannot change without a syscall (mprotect).
//
// Not digested either: the dead part of every thread's stack, below its stack pointer and the
// 128-byte red zone (`deadBelow`: the positioned thread's and the other threads'), which digests
// as zeros. The ABI lets the kernel overwrite it at any time (signal frames), so no correct
// program reads what is there, and it does differ between recording and replay:
// _dl_runtime_resolve saves the vector registers there with XSAVEC, whose header records which
// components the processor has in their initial state, and that bookkeeping is not part of the
// program's state (measured: program_ptrace "held", 0xa0 recorded and 0xa2 replayed at one word
// 2 KiB below rsp, the only difference in 56 pages, so the replay searched forever for a position
// it stood on). Another thread's dead stack differs the same way (measured: thread_exits'
// sigkill test, a struct stat the preload library's fstat left 56 bytes below the epoll thread's
// frame in the recording, zeros on replay, which answers from the trace: 5 of 5 replays missed
// the spinning thread's position). Only a mapping that is a thread's stack counts
// (`WritableMemory.deadStacks`): a Go goroutine's stack pointer is in a heap span, and the heap
// below it is live.

// Not digested: swrr's own pages, which differ between recording and replay or exist in only
// one of them (the scratch page, the syscall stub page, the threads' syscall buffers, a
// register-match stub page: the caller names the ones it mapped), and [vvar]/[vvar_vclock]/
// [vsyscall] (the kernel's clock data, read-only to the program anyway).
//
// The digest is of pages: every region's bounds, then each page that is not all zeros with its
// address (an all-zero page counts as absent). That makes it cheap where memory is mostly
// reserved: a page of a private anonymous mapping that /proc/PID/pagemap shows neither present
// nor swapped reads as zeros, so it is not read at all (PopulatedPages finds the others, in
// bounded memory: ASan's shadow is a 14 TiB mapping). Measured (debug build, 2 cores shared
// with other builds): a JVM sleeping after `println` has 482 MiB of writable mappings of which
// 37 MiB are resident; reading every byte took 1.1 s, the pages pagemap shows 38-42 ms
// (docs/POSITIONS.md has the table, MemoryDigestTests prints it). Hashing: swrr_hash64 in C at
// -O0 1-2 GB/s, zlib's crc32 1-1.7 GB/s (32 bits only), a Swift loop 0.16-1.1 GB/s.
import CSwrrShim
import Glibc
import Synchronization
import SwrrKernel

/// One writable mapping to digest.
public struct WritableRegion: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var name: String
    public var count: Int { Int(end - start) }
}

public enum WritableMemory {
    /// Mappings the kernel writes (clock data) or only swrr has, never the program.
    static let kernelNames: Set<String> = ["[vvar]", "[vvar_vclock]", "[vsyscall]"]

    /// swrr's fixed pages, present in every recorded and replayed process.
    public static let swrrPages: [Range<UInt64>] = [
        ScratchPage.address..<(ScratchPage.address + ScratchPage.size),
        SyscallBufferLayout.stubPage..<(SyscallBufferLayout.stubPage + 4096),
    ]

    /// The writable mappings of `maps`, without the `excluded` ranges (cut out of a mapping that
    /// contains them) and without swrr's and the kernel's pages. Mappings above 2^47 (none on
    /// 4-level paging) and empty ones are dropped.
    public static func regions(of maps: [MapsLine], excluding excluded: [Range<UInt64>] = []) -> [WritableRegion] {
        let cut = (swrrPages + excluded).sorted { $0.lowerBound < $1.lowerBound }
        var out: [WritableRegion] = []
        for m in maps where m.permissions.count >= 2 && Array(m.permissions)[1] == "w" && !kernelNames.contains(m.name) {
            guard m.start < m.end, m.end <= 0x8000_0000_0000 else { continue }
            var pieces = [m.start..<m.end]
            for c in cut {
                pieces = pieces.flatMap { p -> [Range<UInt64>] in
                    guard p.overlaps(c) else { return [p] }
                    return [p.lowerBound..<max(p.lowerBound, c.lowerBound), min(p.upperBound, c.upperBound)..<p.upperBound]
                        .filter { !$0.isEmpty }
                }
            }
            out += pieces.map { WritableRegion(start: $0.lowerBound, end: $0.upperBound, name: m.name) }
        }
        return out
    }

    /// The System V ABI's red zone: the 128 bytes below the stack pointer that leaf code may use
    /// without moving it (signal delivery skips them).
    public static let redZone: UInt64 = 128

    /// Whether `m` is one thread's stack: the main thread's `[stack]`, or a pthread-style stack,
    /// an anonymous private read-write mapping right above an anonymous PROT_NONE guard (glibc's
    /// allocate_stack maps the whole stack PROT_NONE and opens all but the guard, at the low end
    /// since the stack grows down; HotSpot's guard zones are PROT_NONE pages there too). The
    /// guard's size is not bounded: it merges with an adjacent PROT_NONE mapping, such as the
    /// reserved tail of a malloc arena mapped just below the stack. Heap that holds stack
    /// pointers is not such a mapping: Go's heap arenas (goroutine stacks, Go's g0 and signal
    /// stacks without cgo) are reserved PROT_NONE and mapped read-write from their low end up,
    /// so their PROT_NONE part lies above; malloc's heaps likewise; below a stack pointer there
    /// is live data.
    static func isThreadStack(_ m: MapsLine, below: MapsLine?) -> Bool {
        if m.name == "[stack]" { return true }
        guard m.inode == 0, m.name.isEmpty, m.permissions.hasPrefix("rw"), m.permissions.hasSuffix("p"),
              let g = below, g.end == m.start, g.inode == 0, g.name.isEmpty, g.permissions == "---p" else { return false }
        return true
    }

    /// The dead part of the stack `sp` points into: from the bottom of its mapping to the red
    /// zone under `sp`; nil when `sp` is in no writable mapping (a program may point rsp
    /// anywhere) or the red zone reaches the mapping's bottom.
    public static func deadStack(of maps: [MapsLine], stackPointer sp: UInt64) -> Range<UInt64>? {
        guard sp > redZone, let m = maps.first(where: { $0.start < sp && sp <= $0.end }),
              m.permissions.count >= 2, Array(m.permissions)[1] == "w", m.start < sp - redZone else { return nil }
        return m.start..<(sp - redZone)
    }

    /// The dead stacks of a position: the positioned thread's (stack pointer `sp`, in whatever
    /// writable mapping it points into, as signature version 2 had it: `deadStack`) and those
    /// of the other threads (`otherStacks`), each from the bottom of its mapping to the red
    /// zone under its stack pointer, only where that mapping `isThreadStack` and holds no other
    /// of the stack pointers (a mapping two threads point into is not one thread's stack: left
    /// whole). Another thread's stack pointer anywhere else leaves its memory in the digest: a
    /// false difference there is a divergence the replay reports, a false equality would be a
    /// wrong position reached silently. (The positioned thread keeps the wider rule: a Go
    /// program's positions replay with it and not without, docs/POSITIONS.md.)
    public static func deadStacks(of maps: [MapsLine], stackPointer sp: UInt64?, otherStacks: [UInt64]) -> [Range<UInt64>] {
        var out: [Range<UInt64>] = sp.flatMap { deadStack(of: maps, stackPointer: $0) }.map { [$0] } ?? []
        let all = (sp.map { [$0] } ?? []) + otherStacks
        for o in Set(otherStacks) where o > redZone && o != sp {
            guard let i = maps.firstIndex(where: { $0.start < o && o <= $0.end }) else { continue }
            let m = maps[i]
            guard isThreadStack(m, below: i > 0 ? maps[i - 1] : nil), m.start < o - redZone,
                  !all.contains(where: { $0 != o && m.start < $0 && $0 <= m.end }) else { continue }
            out.append(m.start..<(o - redZone))
        }
        return out.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// The regions of `task`'s process now.
    public static func regions(of task: Task, excluding excluded: [Range<UInt64>] = []) throws -> [WritableRegion] {
        regions(of: try task.mappings(), excluding: excluded)
    }
}

/// A 64-bit digest of writable memory: every region's bounds and every page that is not all
/// zeros, with its address.
public struct MemoryDigest: Equatable, Hashable, Sendable {
    public var value: UInt64
    /// Bytes of the regions (the sum of their lengths), and bytes that could not be read (a
    /// MAP_SHARED mapping past its file's end: they count as unreadable in the digest).
    public var bytes: UInt64
    public var unreadable: UInt64

    public init(value: UInt64, bytes: UInt64, unreadable: UInt64) {
        self.value = value
        self.bytes = bytes
        self.unreadable = unreadable
    }

    /// Reads the writable memory of `task`'s process (process_vm_readv, up to `chunk` bytes at
    /// a time) and digests it.
    /// `deadBelow`: the stack pointer of the thread at the position, `otherStacks` those of the
    /// process's other threads: their stacks below them and their red zones digest as zeros
    /// (`WritableMemory.deadStacks`).
    public static func of(_ task: Task, excluding excluded: [Range<UInt64>] = [], deadBelow sp: UInt64? = nil,
                          otherStacks: [UInt64] = [],
                          chunk: Int = 4 << 20) throws -> MemoryDigest {
        var builder = DigestBuilder()
        let size = max(4096, chunk & ~4095)
        let scratch = PageStore()   // a spare one: no page faults when the last digest left it
        let into = scratch.room(size)
        try PageReader.read(task, excluding: excluded, deadBelow: sp, otherStacks: otherStacks, chunk: size, buffer: { _ in into }) { builder.add($0) }
        return builder.digest
    }

    /// The digest of a snapshot: `of(task)` at the moment it was taken.
    public static func of(_ snapshot: MemorySnapshot) -> MemoryDigest { snapshot.digest }
}

/// What PageReader finds, in address order.
enum PageEvent {
    case region(WritableRegion)
    /// Pages at `address` (a multiple of 4096 bytes), read into the buffer the reader was given:
    /// the visitor may move them (MemorySnapshot compacts them in place).
    case pages(address: UInt64, UnsafeMutableRawBufferPointer)
    case unreadable(address: UInt64)
}

/// The digest of a sequence of page events: independent of how the pages were grouped.
struct DigestBuilder {
    private var hasher = Hasher64()
    private var total: UInt64 = 0
    private var unreadable: UInt64 = 0

    /// Adds `e`; for pages, with `keep` (where to move the non-zero pages and their addresses)
    /// returns how many were kept, else 0.
    @discardableResult
    mutating func add(_ e: PageEvent, keep: (UnsafeMutableRawPointer, UnsafeMutablePointer<UInt64>)? = nil) -> Int {
        switch e {
        case .region(let r):
            hasher.add(words: [r.start, r.end])
            total += UInt64(r.count)
        case .pages(let address, let bytes):
            return hasher.addPages(bytes, at: address, keep: keep)
        case .unreadable(let address):
            hasher.add(words: [0xDEAD_0000_0000_0000 | address])
            unreadable += 4096
        }
        return 0
    }

    var digest: MemoryDigest { MemoryDigest(value: hasher.value, bytes: total, unreadable: unreadable) }
}

/// Reads a process's writable memory page run by page run, skipping the pages of private
/// anonymous mappings that are neither present nor swapped (they read as zeros).
enum PageReader {
    /// `buffer(n)`: where to read the next `n` bytes (n <= `chunk`, a multiple of 4096); the
    /// pages read there are visited before the next call.
    /// `method`: how the populated pages of anonymous mappings are found (PopulatedPages; the
    /// digest does not depend on it).
    static func read(_ task: Task, excluding excluded: [Range<UInt64>], deadBelow sp: UInt64? = nil,
                     otherStacks: [UInt64] = [], chunk: Int, method: PopulatedPages.Method = .scan,
                     buffer: (Int) -> UnsafeMutableRawPointer, _ visit: (PageEvent) -> Void) throws {
        let maps = try task.mappings()
        let dead = WritableMemory.deadStacks(of: maps, stackPointer: sp, otherStacks: otherStacks)
        let anonymous = maps.filter { $0.inode == 0 && $0.permissions.hasSuffix("p") && $0.name != "[vsyscall]" }
        let pagemap = open("/proc/\(task.tgid)/pagemap", O_RDONLY | O_CLOEXEC)
        defer { if pagemap >= 0 { close(pagemap) } }
        let chunk = max(4096, chunk & ~4095)
        var populated = PopulatedPages(pagemap: pagemap, method: method)
        for r in WritableMemory.regions(of: maps, excluding: excluded) {
            visit(.region(r))
            let isAnonymous = anonymous.contains { $0.start <= r.start && r.end <= $0.end }
            func readRun(_ run: Range<UInt64>) {
                var at = run.lowerBound
                while at < run.upperBound {
                    let want = Int(min(UInt64(chunk), run.upperBound - at))
                    let into = buffer(want)
                    let n = swrr_read_memory(task.tid, at, into, want)
                    if n > 0 {
                        let whole = n & ~4095
                        if whole > 0 {
                            for d in dead { zero(into, at: at, count: whole, where: d) }
                            visit(.pages(address: at, UnsafeMutableRawBufferPointer(start: into, count: whole)))
                            at += UInt64(whole)
                            continue
                        }
                    }
                    visit(.unreadable(address: at))
                    at += 4096
                }
            }
            if isAnonymous && pagemap >= 0 {
                try populated.forEachRun(in: r.start..<r.end, readRun)
            } else {
                readRun(r.start..<r.end)
            }
        }
    }

    /// Zeros the bytes at `buffer` (holding `count` bytes read at `address`) that lie in `dead`.
    static func zero(_ buffer: UnsafeMutableRawPointer, at address: UInt64, count: Int, where dead: Range<UInt64>) {
        let lo = max(address, dead.lowerBound), hi = min(address + UInt64(count), dead.upperBound)
        guard lo < hi else { return }
        _ = memset(buffer + Int(lo - address), 0, Int(hi - lo))
    }
}

/// swrr_hash64 (CSwrrShim/hash64.c) over a sequence of inputs.
public struct Hasher64 {
    private var state: (UInt64, UInt64, UInt64, UInt64) = (0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344,
                                                           0xA409_3822_299F_31D0, 0x082E_FA98_EC4E_6C89)
    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        withUnsafeMutableBytes(of: &state) { s in
            swrr_hash64_update(s.baseAddress!.assumingMemoryBound(to: UInt64.self), base, bytes.count)
        }
    }

    /// The non-zero pages of `pages` (the first at `address`), each as its address then its
    /// bytes (swrr_digest_pages); with `keep`, moved there and their addresses listed. Returns
    /// the pages kept.
    mutating func addPages(_ pages: UnsafeMutableRawBufferPointer, at address: UInt64,
                           keep: (UnsafeMutableRawPointer, UnsafeMutablePointer<UInt64>)?) -> Int {
        guard let base = pages.baseAddress else { return 0 }
        return withUnsafeMutableBytes(of: &state) { s in
            swrr_digest_pages(s.baseAddress!.assumingMemoryBound(to: UInt64.self), base, pages.count / 4096, address,
                              keep?.0, keep?.1)
        }
    }

    public mutating func add(words: [UInt64]) {
        words.withUnsafeBytes { add($0) }
    }

    public mutating func add(bytes: [UInt8]) {
        bytes.withUnsafeBytes { add($0) }
    }

    public var value: UInt64 {
        var s = state
        return withUnsafeBytes(of: &s) { swrr_hash64_finish($0.baseAddress!.assumingMemoryBound(to: UInt64.self)) }
    }
}

/// The bytes of a snapshot's pages: one allocation that grows by realloc while pages are read
/// straight into its free end (glibc moves a large block with mremap, without copying). Written
/// only while the snapshot is taken, read-only after: hence Sendable.
///
/// The allocation of a store that ends is kept for the next one (at most `spareCount`), because
/// a fresh one costs as much as the copy into it: profiled on a release recording of node with
/// 100 MiB snapshots, the kernel's page faults, page clearing and munmap for the destination were
/// 30% of the pass analysis' samples, process_vm_readv's copy 19%, the hash 10%. A pass analysis
/// holds two snapshots at a time, every slice of a computing program. The spare allocations are
/// MADV_FREE: the kernel may take their pages back under memory pressure (they read as zeros
/// again, which does not matter), and until it does, writing them again costs no fault.
final class PageStore: @unchecked Sendable {
    private(set) var base: UnsafeMutableRawPointer?
    private var capacity = 0
    /// Bytes kept: the pages at the front.
    var count = 0

    /// Spare allocations (address, capacity), the largest last.
    private static let spares = Mutex<[(UInt, Int)]>([])
    static let spareCount = 2

    init() {
        if let (address, size) = Self.spares.withLock({ $0.popLast() }) {
            base = UnsafeMutableRawPointer(bitPattern: address)
            capacity = size
        }
    }

    /// Room for `n` bytes after the kept ones: where they go.
    func room(_ n: Int) -> UnsafeMutableRawPointer {
        if count + n > capacity {
            let grown = max(count + n, capacity * 2, 1 << 20)
            guard let p = realloc(base, grown) else { fatalError("MemorySnapshot: out of memory (\(grown) bytes)") }
            base = p
            capacity = grown
        }
        return base! + count
    }

    deinit {
        guard let b = base else { return }
        // Whole pages inside the allocation only (a large one starts 16 bytes into its mapping).
        let start = (UInt(bitPattern: b) + 4095) & ~4095, end = (UInt(bitPattern: b) + UInt(capacity)) & ~4095
        // MADV_FREE before it is offered: another thread may take it and write it at once.
        if start < end { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), MADV_FREE) }
        let offered = Self.spares.withLock { spares -> Bool in
            guard spares.count < Self.spareCount else { return false }
            spares.append((UInt(bitPattern: b), capacity))
            spares.sort { $0.1 < $1.1 }
            return true
        }
        if !offered { free(b) }
    }
}

/// A copy of a process's writable memory, to find the words a stretch of execution changed: its
/// pages that are not all zeros (the others are zeros), and its digest.
///
/// Taking one reads each run of pages straight into the snapshot's storage (process_vm_readv)
/// and one C pass (swrr_digest_pages) skips the all-zero pages, hashes the others and compacts
/// them in place: no per-page Swift work. Measured (release, a computing node with 108-112 MiB
/// kept, stopped whole, load average 5-6): 101-125 ms per snapshot (median), where per-page
/// Array appends and slices into a fresh array took 236-355 ms; the diff 0.6-1.0 ms, was 12-18.
public struct MemorySnapshot: Sendable {
    /// The addresses of the pages kept, ascending; their bytes are in `store` (4096 each, in
    /// that order).
    public private(set) var pageAddresses: [UInt64] = []
    private var store = PageStore()
    public private(set) var digest = MemoryDigest(value: 0, bytes: 0, unreadable: 0)

    public var byteCount: Int { store.count }

    /// A word that differs between two snapshots.
    public struct Change: Equatable, Sendable {
        public var address: UInt64
        public var old: UInt64
        public var new: UInt64

        public init(address: UInt64, old: UInt64, new: UInt64) {
            self.address = address
            self.old = old
            self.new = new
        }
    }

    /// How much is read at a time (and the most the store grows by before a read).
    static let chunk = 1 << 20

    /// Reads the writable memory of `task`'s process; `deadBelow` and `otherStacks` as for
    /// `MemoryDigest.of`.
    public static func take(_ task: Task, excluding excluded: [Range<UInt64>] = [], deadBelow sp: UInt64? = nil,
                            otherStacks: [UInt64] = []) throws -> MemorySnapshot {
        var s = MemorySnapshot()
        let store = s.store
        var builder = DigestBuilder()
        var addresses = [UInt64](repeating: 0, count: chunk / 4096)
        try PageReader.read(task, excluding: excluded, deadBelow: sp, otherStacks: otherStacks, chunk: chunk, buffer: { store.room($0) }) { e in
            guard case .pages = e else {
                builder.add(e)
                return
            }
            // The pages were read at the store's free end: the non-zero ones stay there, moved
            // down over the zero ones.
            let kept = addresses.withUnsafeMutableBufferPointer { a in
                builder.add(e, keep: (store.room(0), a.baseAddress!))
            }
            s.pageAddresses.append(contentsOf: addresses[0..<kept])
            store.count += kept * 4096
        }
        s.digest = builder.digest
        return s
    }

    /// The aligned 8-byte words that differ from `earlier` (a page only one of them has is
    /// compared with zeros), at most `limit`, in address order.
    public func changes(since earlier: MemorySnapshot, limit: Int = 4096) -> [Change] {
        var out: [Change] = []
        let zeros = [UInt8](repeating: 0, count: 4096)
        var i = 0, j = 0
        let now = store.base, then = earlier.store.base
        zeros.withUnsafeBytes { zero in
            while (i < pageAddresses.count || j < earlier.pageAddresses.count) && out.count < limit {
                let a = i < pageAddresses.count ? pageAddresses[i] : UInt64.max
                let b = j < earlier.pageAddresses.count ? earlier.pageAddresses[j] : UInt64.max
                let address = min(a, b)
                let newPage = a == address ? UnsafeRawPointer(now! + i * 4096) : zero.baseAddress!
                let oldPage = b == address ? UnsafeRawPointer(then! + j * 4096) : zero.baseAddress!
                if a == address { i += 1 }
                if b == address { j += 1 }
                guard memcmp(newPage, oldPage, 4096) != 0 else { continue }
                for off in stride(from: 0, to: 4096, by: 8) where out.count < limit {
                    let x = oldPage.loadUnaligned(fromByteOffset: off, as: UInt64.self)
                    let y = newPage.loadUnaligned(fromByteOffset: off, as: UInt64.self)
                    if x != y { out.append(Change(address: address + UInt64(off), old: x, new: y)) }
                }
            }
        }
        return out
    }
}
