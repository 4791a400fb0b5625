// Writing and reading back: every event kind, the header, the end markers, many chunks, and
// the writer's flush policy.
import Foundation
import Glibc
import SwrrTrace
import SwrrTracee
import XCTest

final class RoundTripTests: XCTestCase {
    func testEveryEventKindRoundTrips() throws {
        let dir = try temporaryDirectory("kinds") + "/trace"
        let events = Sample.everyKind()
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        for e in events { try writer.append(e) }
        XCTAssertEqual(writer.eventCount, events.count)
        try writer.finish(.complete(waitStatus: 0x8b))

        let reader = try TraceReader(directory: dir)
        var read: [Event] = []
        while let e = try reader.next() { read.append(e) }
        XCTAssertEqual(read.count, events.count)
        for (i, (a, b)) in zip(read, events).enumerated() {
            XCTAssertTrue(a == b, "event \(i) differs after the round trip")
        }
        XCTAssertEqual(reader.end, .complete(waitStatus: 0x8b))
        XCTAssertEqual(reader.eventsRead, events.count)
        // After the end, next() keeps returning nil.
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.eventsRead, events.count)
        // The 3 MiB write went to the data stream, not the events stream.
        XCTAssertGreaterThan(TraceFiles.size(dir + "/data"), 3 << 20)
        XCTAssertLessThan(TraceFiles.size(dir + "/events"), 64 << 10)
    }

    func testHeaderRoundTrips() throws {
        let dir = try temporaryDirectory("header") + "/trace"
        let header = Sample.header()
        try TraceWriter(directory: dir, header: header).finish(.complete(waitStatus: 0))
        let reader = try TraceReader(directory: dir)
        XCTAssertEqual(reader.header, header)
        XCTAssertEqual(reader.directory, dir)
        let bytes = try TraceFiles.bytes(dir + "/header")
        XCTAssertEqual(Array(bytes[0..<8]), Array("SWRRHDR1".utf8))
        XCTAssertEqual(bytes[8], UInt8(TraceFormat.version))
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.end, .complete(waitStatus: 0))
        XCTAssertEqual(reader.eventsRead, 0)
    }

    func testAbortedEndMarker() throws {
        let dir = try temporaryDirectory("aborted") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        try writer.append(Sample.syscall(1))
        try writer.finish(.aborted(reason: "unsupported syscall io_uring_setup (425) at event 1 — sorry"))
        let result = TraceFiles.readAll(dir)
        XCTAssertNil(result.error)
        XCTAssertEqual(result.events, [Sample.syscall(1)])
        XCTAssertEqual(result.end, .aborted(reason: "unsupported syscall io_uring_setup (425) at event 1 — sorry"))
    }

    func testNoEndMarkerReadsAsTruncated() throws {
        let dir = try temporaryDirectory("nomarker") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        try writer.append(Sample.syscall(1))
        try writer.finish(.truncated)   // writes no marker
        let result = TraceFiles.readAll(dir)
        XCTAssertNil(result.error)
        XCTAssertEqual(result.events.count, 1)
        XCTAssertEqual(result.end, .truncated)
    }

    func testWriterDroppedWithoutFinishKeepsItsEvents() throws {
        let dir = try temporaryDirectory("dropped") + "/trace"
        do {
            let writer = try TraceWriter(directory: dir, header: Sample.header())
            for i in 0..<10 { try writer.append(Sample.syscall(i)) }
        }
        let result = TraceFiles.readAll(dir)
        XCTAssertNil(result.error)
        XCTAssertEqual(result.events, (0..<10).map { Sample.syscall($0) })
        XCTAssertEqual(result.end, .truncated)
    }

    func testManyChunksRoundTrip() throws {
        let dir = try temporaryDirectory("many") + "/trace"
        var random = TestRandom(seed: 7)
        var events: [Event] = []
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        for i in 0..<3000 {
            let writes = (0..<random.below(3)).map { _ in
                MemoryWrite(address: random.next(), bytes: random.bytes(random.below(700)))
            }
            let e = Sample.syscall(i, writes: writes, result: Int64(i) - 1500)
            events.append(e)
            try writer.append(e)
            if i % 97 == 0 { try writer.flush() }
        }
        try writer.finish(.complete(waitStatus: 256))
        let result = TraceFiles.readAll(dir)
        XCTAssertNil(result.error)
        XCTAssertTrue(result.events == events, "\(result.events.count) events read of \(events.count)")
        XCTAssertEqual(result.end, .complete(waitStatus: 256))
    }

    func testAppendAfterFinishIsRefused() throws {
        let dir = try temporaryDirectory("finished") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        try writer.finish(.complete(waitStatus: 0))
        assertTraceError("append after finish", kind: .invalidUse, mentioning: "finished") {
            try writer.append(Sample.syscall(0))
        }
        assertTraceError("finish twice", kind: .invalidUse) { try writer.finish(.complete(waitStatus: 0)) }
    }

    func testWriterRefusesAnExistingDirectory() throws {
        let dir = try temporaryDirectory("exists")
        assertTraceError("existing directory", kind: .alreadyExists, mentioning: "already exists") {
            try TraceWriter(directory: dir, header: Sample.header())
        }
        let file = dir + "/a-file"
        try TraceFiles.write([1, 2, 3], to: file)
        assertTraceError("existing file", kind: .alreadyExists) { try TraceWriter(directory: file, header: Sample.header()) }
    }

    func testWriterCreatesPrivateDirectories() throws {
        let base = try temporaryDirectory("mkdir")
        let dir = base + "/a/b/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        XCTAssertEqual(writer.directory, dir)
        for path in [base + "/a", base + "/a/b", dir, dir + "/files"] {
            var st = stat()
            XCTAssertEqual(stat(path, &st), 0, path)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFDIR, path)
            XCTAssertEqual(st.st_mode & 0o077, 0, "\(path) should be private: mode \(String(st.st_mode & 0o777, radix: 8))")
        }
        try writer.finish(.complete(waitStatus: 0))
    }

    func testRelativeDirectoryBecomesAbsolute() throws {
        let base = try temporaryDirectory("relative")
        let saved = FileManager.default.currentDirectoryPath
        defer { _ = chdir(saved) }
        XCTAssertEqual(chdir(base), 0)
        XCTAssertEqual(FileManager.default.createFile(atPath: "x", contents: Data([1, 2, 3])), true)
        let writer = try TraceWriter(directory: "rel-trace", header: Sample.header())
        let kept = try writer.addFile(path: "x")
        try writer.finish(.complete(waitStatus: 0))
        let reader = try TraceReader(directory: "rel-trace")
        XCTAssertTrue(reader.directory.hasPrefix("/"))
        XCTAssertEqual(try reader.path(of: kept), reader.directory + "/files/0-x")
    }

    // MARK: flush policy

    func testEventsFlushAt256KiB() throws {
        let dir = try temporaryDirectory("flush-events") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        let start = Date()
        try writer.append(Sample.syscall(0))
        XCTAssertEqual(TraceFiles.size(dir + "/events"), 0, "one small event should stay buffered")
        // Each record is a few hundred bytes; 256 KiB of them must have produced a chunk.
        var appended = 1
        while TraceFiles.size(dir + "/events") == 0 && appended < 5000 {
            try writer.append(Sample.syscall(appended, writes: [], result: 1))
            appended += 1
            try writer.waitForWrites()   // chunks are written on a background thread
        }
        XCTAssertGreaterThan(TraceFiles.size(dir + "/events"), 0)
        if Date().timeIntervalSince(start) < 0.2 {
            XCTAssertGreaterThan(appended, 256, "flushed before 256 KiB were buffered without the timer's help")
        }
        try writer.finish(.complete(waitStatus: 0))
        XCTAssertEqual(TraceFiles.readAll(dir).events.count, appended)
    }

    func testDataFlushesAt1MiB() throws {
        let dir = try temporaryDirectory("flush-data") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        var random = TestRandom(seed: 3)
        let big = MemoryWrite(address: 0x1000, bytes: random.bytes((1 << 20) + 4096))
        try writer.append(Sample.syscall(0, writes: [big]))
        // Both streams have their chunks on disk without flush() (once the background thread has
        // written them): the recording survives a kill.
        try writer.waitForWrites()
        XCTAssertGreaterThan(TraceFiles.size(dir + "/data"), 1 << 20)
        XCTAssertGreaterThan(TraceFiles.size(dir + "/events"), 0)
        let result = TraceFiles.readAll(dir)
        XCTAssertEqual(result.events, [Sample.syscall(0, writes: [big])])
        XCTAssertEqual(result.end, .truncated)
        try writer.finish(.complete(waitStatus: 0))
    }

    func testTimerFlushesAfter200ms() throws {
        let dir = try temporaryDirectory("flush-timer") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        try writer.append(Sample.syscall(0))
        usleep(250_000)
        try writer.append(Sample.syscall(1))
        try writer.waitForWrites()
        let result = TraceFiles.readAll(dir)
        XCTAssertEqual(result.events, [Sample.syscall(0), Sample.syscall(1)])
        XCTAssertEqual(result.end, .truncated)
        try writer.finish(.complete(waitStatus: 0))
    }

    func testExplicitFlushMakesEventsReadable() throws {
        let dir = try temporaryDirectory("flush") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        try writer.append(Sample.syscall(0, writes: [MemoryWrite(address: 8, bytes: [1, 2, 3])]))
        XCTAssertEqual(TraceFiles.readAll(dir).events.count, 0)
        try writer.flush()
        let result = TraceFiles.readAll(dir)
        XCTAssertEqual(result.events.count, 1)
        XCTAssertEqual(result.end, .truncated)
        try writer.finish(.complete(waitStatus: 0))
    }
}
