// TraceStore: the default location, naming, latest-trace, resolve and list.
import Foundation
import Glibc
import SwrrTrace
import XCTest

final class TraceStoreTests: XCTestCase {
    private var root = ""
    private var savedTraceDir: String?
    private var savedHome: String?

    override func setUpWithError() throws {
        savedTraceDir = getenv("SWRR_TRACE_DIR").map { String(cString: $0) }
        savedHome = getenv("HOME").map { String(cString: $0) }
        root = try temporaryDirectory("store") + "/traces"
        setenv("SWRR_TRACE_DIR", root, 1)
    }

    override func tearDown() {
        if let savedTraceDir { setenv("SWRR_TRACE_DIR", savedTraceDir, 1) } else { unsetenv("SWRR_TRACE_DIR") }
        if let savedHome { setenv("HOME", savedHome, 1) } else { unsetenv("HOME") }
    }

    func record(_ path: String, createdAt: Double, events: Int, end: TraceEnd?) throws {
        let writer = try TraceWriter(directory: path, header: Sample.header(createdAt: createdAt, program: "/usr/bin/ls"))
        for i in 0..<events {
            try writer.append(Sample.syscall(i, writes: [MemoryWrite(address: 1, bytes: [UInt8(i & 0xff)])]))
        }
        if let end { try writer.finish(end) } else { try writer.flush() }
    }

    func testRootComesFromTheEnvironment() throws {
        XCTAssertEqual(TraceStore.root(), root)
        let home = try temporaryDirectory("home")
        setenv("SWRR_TRACE_DIR", "", 1)
        setenv("HOME", home, 1)
        XCTAssertEqual(TraceStore.root(), home + "/.local/share/swrr")
        unsetenv("SWRR_TRACE_DIR")
        XCTAssertEqual(TraceStore.root(), home + "/.local/share/swrr")
    }

    func testNamingLatestAndResolve() throws {
        let error = assertTraceError("no recordings", kind: .noRecordings, mentioning: "no recordings yet: run swrr record first") {
            try TraceStore.resolve(nil)
        }
        XCTAssertNotNil(error)

        let first = try TraceStore.newTracePath(programName: "/usr/bin/ls")
        XCTAssertEqual(first, root + "/ls-0")
        var st = stat()
        XCTAssertEqual(stat(root, &st), 0, "the root is created")
        XCTAssertEqual(st.st_mode & 0o077, 0, "the root is private")
        XCTAssertFalse(FileManager.default.fileExists(atPath: first), "the trace directory itself is not created")
        XCTAssertEqual(try TraceStore.newTracePath(programName: "ls"), first, "unused until recorded")

        try record(first, createdAt: 100, events: 1, end: .complete(waitStatus: 0))
        let second = try TraceStore.newTracePath(programName: "./ls")
        XCTAssertEqual(second, root + "/ls-1")
        try record(second, createdAt: 200, events: 2, end: .complete(waitStatus: 0))
        XCTAssertEqual(try TraceStore.newTracePath(programName: "/bin/ls"), root + "/ls-2")
        XCTAssertEqual(try TraceStore.newTracePath(programName: "cat"), root + "/cat-0")

        try TraceStore.setLatest(second)
        XCTAssertEqual(try TraceStore.resolve(nil), second)
        try TraceStore.setLatest(first)   // replaced
        XCTAssertEqual(try TraceStore.resolve(nil), first)
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: root + "/latest-trace")
        XCTAssertTrue(link == "ls-0" || link == first, link)

        XCTAssertEqual(try TraceStore.resolve("ls-1"), second)
        XCTAssertEqual(try TraceStore.resolve(second), second)
        let elsewhere = try temporaryDirectory("elsewhere") + "/mytrace"
        try record(elsewhere, createdAt: 300, events: 0, end: .complete(waitStatus: 0))
        XCTAssertEqual(try TraceStore.resolve(elsewhere), elsewhere)
        try TraceStore.setLatest(elsewhere)
        XCTAssertEqual(try TraceStore.resolve(nil), elsewhere)
        assertTraceError("unknown name", mentioning: "ls-9") { try TraceStore.resolve("ls-9") }
        assertTraceError("unknown path", mentioning: "/no/such/trace") { try TraceStore.resolve("/no/such/trace") }

        // The latest recording was removed.
        try FileManager.default.removeItem(atPath: elsewhere)
        assertTraceError("dangling latest", mentioning: elsewhere) { try TraceStore.resolve(nil) }
    }

    func testListIsOldestFirstWithCountsAndErrors() throws {
        XCTAssertTrue(TraceStore.list().isEmpty, "no root yet")
        // Created out of order on purpose.
        try record(root + "/b-0", createdAt: 2000, events: 5, end: .aborted(reason: "unsupported"))
        try record(root + "/a-0", createdAt: 1000, events: 3, end: .complete(waitStatus: 256))
        try record(root + "/c-0", createdAt: 3000, events: 4, end: nil)   // killed: no end marker
        try FileManager.default.createDirectory(atPath: root + "/junk", withIntermediateDirectories: false)
        try TraceFiles.write(Array("not a trace".utf8), to: root + "/junk/readme")
        try TraceStore.setLatest(root + "/c-0")

        let list = TraceStore.list()
        XCTAssertEqual(list.map { Posix_basename($0.path) }.filter { $0 != "junk" }, ["a-0", "b-0", "c-0"])
        XCTAssertEqual(list.count, 4, "the latest-trace link is not a trace; the junk directory is listed")
        let byName = Dictionary(uniqueKeysWithValues: list.map { (Posix_basename($0.path), $0) })
        let a = try XCTUnwrap(byName["a-0"])
        XCTAssertEqual(a.eventCount, 3)
        XCTAssertEqual(a.end, .complete(waitStatus: 256))
        XCTAssertEqual(a.program, "/usr/bin/ls")
        XCTAssertEqual(a.argv.first, "/usr/bin/ls")
        XCTAssertEqual(a.createdAt, 1000)
        XCTAssertNil(a.error)
        let files = ["header", "events", "data"].map { TraceFiles.size(root + "/a-0/" + $0) }
        XCTAssertEqual(a.sizeBytes, UInt64(files.reduce(0, +)))
        XCTAssertEqual(byName["b-0"]?.end, .aborted(reason: "unsupported"))
        XCTAssertEqual(byName["b-0"]?.eventCount, 5)
        XCTAssertEqual(byName["c-0"]?.end, .truncated)
        XCTAssertEqual(byName["c-0"]?.eventCount, 4)
        let junk = try XCTUnwrap(byName["junk"])
        XCTAssertNotNil(junk.error)
        XCTAssertTrue(junk.error?.contains("not a swrr trace") ?? false, "\(junk.error ?? "")")
        XCTAssertNil(junk.end)
    }

    func testSummaryOfADamagedTraceCarriesTheError() throws {
        let path = root + "/d-0"
        try record(path, createdAt: 10, events: 3, end: nil)
        var bytes = try TraceFiles.bytes(path + "/events")
        bytes[bytes.count - 3] ^= 0xFF
        try TraceFiles.write(bytes, to: path + "/events")
        let summary = TraceStore.summary(of: path)
        XCTAssertEqual(summary.program, "/usr/bin/ls")
        XCTAssertTrue(summary.error?.contains("damaged") ?? false, "\(String(describing: summary.error))")
    }
}

private func Posix_basename(_ path: String) -> String {
    String(path.split(separator: "/").last ?? "")
}
