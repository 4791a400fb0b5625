// The populated pages of a private anonymous mapping of another process: the runs that
// /proc/PID/pagemap shows present or swapped. The others read as zeros, so the memory digest
// (MemoryDigest.swift) does not read them, and it must not spend memory or time on them either:
// AddressSanitizer's shadow is one rw-p mapping 0x2008fff7000-0x10007fff8000 (14,336 GiB) of
// which a few MiB are ever touched, and one pagemap word per page of it was a 30 GB allocation
// that aborted `swrr record` at the first preemption of an ASan program.
//
// How: the PAGEMAP_SCAN ioctl (Linux 6.7+) returns the present and swapped ranges only; the
// kernel skips empty page-table levels, so its cost follows what is populated, not the size
// of the mapping. On an older kernel (ENOTTY) pagemap is read in windows of `window` entries
// (512 KiB of buffer for 256 MiB of addresses), which takes time in proportion to the mapping's
// size but memory bounded by the window (measured in MemoryDigestTests).
//
// Which method found a run cannot change a digest: all-zero pages count as absent, and both
// methods list every page that can hold a non-zero byte (the same two pagemap bits), so
// recording and replay agree even on different kernels.
import CSwrrShim
import Glibc

struct PopulatedPages {
    enum Method: Sendable {
        /// PAGEMAP_SCAN, falling back to windows when the kernel refuses it.
        case scan
        /// pread of pagemap, `window` entries at a time.
        case windows
    }

    /// PAGE_IS_PRESENT and PAGE_IS_SWAPPED of uapi linux/fs.h (PAGEMAP_SCAN's categories).
    static let scanCategories: UInt64 = 1 << 3 | 1 << 4
    /// A pagemap entry's present (63) and swapped (62) bits (Documentation/admin-guide/mm/pagemap.rst).
    static let entryPopulated: UInt64 = 3 << 62
    /// Ranges per PAGEMAP_SCAN call (24 bytes each).
    static let scanRanges = 512
    /// pagemap entries per pread in the fallback (8 bytes each).
    static let window = 1 << 16
    static let pageSize: UInt64 = 4096

    let pagemap: Int32
    var method: Method
    private var ranges: [UInt64] = []
    private var entries: [UInt64] = []

    /// `pagemap`: an open /proc/PID/pagemap.
    init(pagemap: Int32, method: Method = .scan) {
        self.pagemap = pagemap
        self.method = method
    }

    /// Calls `visit` with each maximal run of populated pages of `range` (page-aligned), in
    /// address order. Throws when neither method can read pagemap (the process is gone): taking
    /// the rest of the range as populated would read terabytes page by page.
    mutating func forEachRun(in range: Range<UInt64>, _ visit: (Range<UInt64>) -> Void) throws {
        var pending: Range<UInt64>?
        // Runs arrive in address order, possibly cut where one call ended: joined here.
        func add(_ run: Range<UInt64>) {
            guard !run.isEmpty else { return }
            if let p = pending, p.upperBound == run.lowerBound {
                pending = p.lowerBound..<run.upperBound
                return
            }
            if let p = pending { visit(p) }
            pending = run
        }
        var at = range.lowerBound
        while at < range.upperBound {
            let next = method == .scan ? scan(from: at, to: range.upperBound, add) : windows(from: at, to: range.upperBound, add)
            guard let next, next > at, next <= range.upperBound else {
                let error = errno
                if method == .scan {
                    method = .windows   // an older kernel (ENOTTY), or an argument it refuses
                    continue
                }
                throw TraceeError("cannot read the tracee's pagemap at 0x\(String(at, radix: 16)): errno \(error)")
            }
            at = next
        }
        if let p = pending { visit(p) }
    }

    /// One PAGEMAP_SCAN call from `start`: adds the ranges it found and returns where the kernel
    /// stopped, or nil when the call failed.
    private mutating func scan(from start: UInt64, to end: UInt64, _ add: (Range<UInt64>) -> Void) -> UInt64? {
        if ranges.isEmpty { ranges = [UInt64](repeating: 0, count: 3 * Self.scanRanges) }
        var walkEnd: UInt64 = 0
        let n = ranges.withUnsafeMutableBufferPointer {
            swrr_pagemap_scan(pagemap, start, end, Self.scanCategories, $0.baseAddress, Self.scanRanges, &walkEnd)
        }
        guard n >= 0, n <= Self.scanRanges else { return nil }
        for i in 0..<n {
            // Clamped: a range outside the one asked for would be a kernel bug, not a reason to trap.
            let lo = max(start, ranges[3 * i]), hi = min(walkEnd, end, ranges[3 * i + 1])
            if lo < hi { add(lo..<hi) }
        }
        return walkEnd
    }

    /// Reads up to `window` pagemap entries from `start`: adds the populated runs among them
    /// and returns the address after the last entry read, or nil when nothing could be read.
    private mutating func windows(from start: UInt64, to end: UInt64, _ add: (Range<UInt64>) -> Void) -> UInt64? {
        if entries.isEmpty { entries = [UInt64](repeating: 0, count: Self.window) }
        let pages = Int(min(UInt64(Self.window), (end - start) / Self.pageSize))
        guard pages > 0 else { return nil }
        let offset = off_t(Int64(bitPattern: start / Self.pageSize * 8))
        let n = entries.withUnsafeMutableBytes { pread(pagemap, $0.baseAddress, pages * 8, offset) }
        guard n >= 8 else { return nil }
        let read = min(n / 8, pages)
        entries.withUnsafeBufferPointer { e in
            var i = 0
            while i < read {
                let first = swrr_find_masked(e.baseAddress, i, read, Self.entryPopulated, 1)
                guard first < read else { break }
                let past = swrr_find_masked(e.baseAddress, first, read, Self.entryPopulated, 0)
                add((start + UInt64(first) * Self.pageSize)..<(start + UInt64(past) * Self.pageSize))
                i = past
            }
        }
        return start + UInt64(read) * Self.pageSize
    }
}
