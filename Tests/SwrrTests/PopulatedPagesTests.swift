// PopulatedPages (Sources/SwrrTracee/PopulatedPages.swift): the present pages of a huge sparse
// mapping found without one word per page of its size. A 1 TiB MAP_NORESERVE mapping of the
// test process with six touched pages gives exactly their runs by PAGEMAP_SCAN and by the
// windowed pagemap reading of older kernels; an AddressSanitizer program's memory (its 14 TiB
// shadow mapping included, whose digest was a 30 GB allocation that aborted `swrr record`)
// digests in milliseconds, and a page touched deep in the shadow changes it. The times are
// printed.
import Foundation
import Glibc
import SwrrKernel
import SwrrTestSupport
@testable import SwrrTracee
import XCTest

final class PopulatedPagesTests: XCTestCase {
    static let page: UInt64 = 4096

    /// The runs `method` finds in `range` of this process.
    func runs(_ range: Range<UInt64>, _ method: PopulatedPages.Method) throws -> (runs: [Range<UInt64>], seconds: Double) {
        let fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0, "open /proc/self/pagemap: errno \(errno)")
        defer { close(fd) }
        var reader = PopulatedPages(pagemap: fd, method: method)
        var out: [Range<UInt64>] = []
        let t = Date()
        try reader.forEachRun(in: range) { out.append($0) }
        return (out, Date().timeIntervalSince(t))
    }

    /// 1 TiB reserved (MAP_NORESERVE, no transparent huge pages so that a touch populates one
    /// page), six pages written: two adjacent at the start, one alone, one past 1 GiB, one at
    /// 512 GiB, the last one. Both methods list exactly those runs; a page written and cleared
    /// again stays present (the digest reads it and finds zeros).
    func testTebibyteSparseMappingRuns() throws {
        let size = 1 << 40
        guard let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              base != MAP_FAILED else { return XCTFail("mmap 1 TiB: errno \(errno)") }
        defer { munmap(base, size) }
        XCTAssertEqual(madvise(base, size, MADV_NOHUGEPAGE), 0)
        let start = UInt64(UInt(bitPattern: base)), p = Self.page
        let touched: [UInt64] = [0, p, 3 * p, (1 << 30) + 5 * p, 1 << 39, UInt64(size) - p]
        for offset in touched { base.storeBytes(of: 0x5a, toByteOffset: Int(offset), as: UInt8.self) }
        base.storeBytes(of: 0, toByteOffset: 3 * Int(p), as: UInt8.self)
        let expected = [0..<2 * p, 3 * p..<4 * p, (1 << 30) + 5 * p..<(1 << 30) + 6 * p, (1 << 39)..<(1 << 39) + p,
                        UInt64(size) - p..<UInt64(size)].map { (start + $0.lowerBound)..<(start + $0.upperBound) }
        let range = start..<(start + UInt64(size))
        let scan = try runs(range, .scan), windows = try runs(range, .windows)
        XCTAssertEqual(scan.runs, expected, "PAGEMAP_SCAN")
        XCTAssertEqual(windows.runs, expected, "pagemap read in windows")
        // Part of the mapping: runs cut at its bounds (the first run's second page only).
        XCTAssertEqual(try runs((start + p)..<(start + (1 << 30) + 6 * p), .scan).runs, Array(expected[0..<3]).enumerated().map {
            $0.offset == 0 ? (start + p)..<(start + 2 * p) : $0.element
        })
        print(String(format: "populated runs of 1 TiB with 6 pages touched: PAGEMAP_SCAN %.3f ms, pagemap windows %.0f ms",
                     scan.seconds * 1000, windows.seconds * 1000))
    }

    /// The digest of `task`'s process with the populated pages found by `method`.
    func digest(_ task: Task, _ method: PopulatedPages.Method) throws -> MemoryDigest {
        var builder = DigestBuilder()
        let store = PageStore()
        try PageReader.read(task, excluding: [], chunk: 1 << 20, method: method, buffer: { store.room($0) }) { builder.add($0) }
        return builder.digest
    }

    /// A small C fixture's memory digests the same with the populated pages found either way
    /// (what makes a recording on one kernel replay on another).
    func testBothMethodsDigestAlike() throws {
        let (task, _, _) = try ProgressFixture.startSolo("spin", .o0Dynamic)
        defer { task.kill() }
        let scan = try digest(task, .scan)
        XCTAssertEqual(scan, try MemoryDigest.of(task))
        XCTAssertEqual(try digest(task, .windows), scan)
    }

    /// An AddressSanitizer program waiting on stdin, stopped: its writable memory digests by
    /// PAGEMAP_SCAN, as the snapshot does; a byte written into a page 8 TiB into the shadow
    /// changes the digest, and zeroed again leaves it as it was (an all-zero page counts as
    /// absent). Not run here, too slow for a test: the windowed reading of older kernels, which
    /// gave the same digest in 27.8 s (2 s per TiB, the kernel's pagemap_read; docs/POSITIONS.md).
    func testAddressSanitizerShadowDigest() throws {
        let exe = try SanitizerTests.sanitized("address")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["wait"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        var printed = ""
        while !printed.contains("waiting\n") {
            let d = output.fileHandleForReading.availableData
            guard !d.isEmpty else { break }
            printed += String(decoding: d, as: UTF8.self)
        }
        XCTAssertEqual(printed, "sum of squares: 14\nwaiting\n")
        let pid = p.processIdentifier, task = Task(tid: pid)
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        var state = ""
        for _ in 0..<2000 {
            state = (readTextFile("/proc/\(pid)/stat") ?? "").split(separator: ")").last?.dropFirst().first.map(String.init) ?? ""
            if state == "T" { break }
            usleep(1000)
        }
        XCTAssertEqual(state, "T", "the ASan program stopped")

        let regions = try WritableMemory.regions(of: task)
        let shadow = try XCTUnwrap(regions.max { $0.count < $1.count })
        XCTAssertGreaterThan(shadow.count, 1 << 43, "ASan's shadow: over 8 TiB in one mapping (\(shadow))")
        func timed<T>(_ f: () throws -> T) rethrows -> (T, Double) {
            let t = Date()
            let v = try f()
            return (v, Date().timeIntervalSince(t) * 1000)
        }
        let (digest, scanMs) = try timed { try MemoryDigest.of(task) }
        XCTAssertEqual(try MemorySnapshot.take(task).digest, digest)
        XCTAssertEqual(digest.bytes, regions.reduce(0) { $0 + UInt64($1.count) })
        let (snapshot, snapshotMs) = try timed { try MemorySnapshot.take(task) }

        let deep = (shadow.start + (1 << 43)) & ~(Self.page - 1)
        XCTAssertEqual(try task.readMemory(deep, count: 1), [0])
        try task.writeMemory(deep, [1])
        XCTAssertNotEqual(try MemoryDigest.of(task), digest, "a byte in a page 8 TiB into the shadow")
        try task.writeMemory(deep, [0])
        XCTAssertEqual(try MemoryDigest.of(task), digest, "the page is present again, all zeros")
        print(String(format: "ASan program digest: %d writable regions, %.1f TiB writable, %.1f MiB of non-zero pages; "
                     + "digest %.1f ms, snapshot %.1f ms",
                     regions.count, Double(digest.bytes) / Double(1 << 40), Double(snapshot.byteCount) / 1048576,
                     scanMs, snapshotMs))
    }
}
