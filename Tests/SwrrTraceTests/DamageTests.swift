// Cut, damaged, foreign and newer traces: cuts read as a prefix ending `.truncated`; damage,
// foreign files and newer formats are TraceErrors that name the file; nothing crashes or hangs.
import Foundation
import Glibc
@testable import SwrrTrace
import SwrrTracee
import XCTest

final class DamageTests: XCTestCase {
    /// A trace written in groups, each ended by flush(), with the stream sizes and event count
    /// after every flush: those sizes are exactly the chunk boundaries.
    struct Recorded {
        var directory: String
        var events: [Event]
        /// (events file size, data file size, events so far) after each flush, then after finish.
        var boundaries: [(events: Int, data: Int, count: Int)]
    }

    func record(_ name: String, groups: Int = 8, maxWrite: Int = 3000) throws -> Recorded {
        let dir = try temporaryDirectory(name) + "/trace"
        var random = TestRandom(seed: UInt64(groups * 1000 + maxWrite))
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        var events: [Event] = []
        var boundaries = [(events: 0, data: 0, count: 0)]
        for g in 0..<groups {
            for i in 0..<(1 + g % 4) {
                // Every event references data, so a cut data stream stops reading exactly there.
                let e = Sample.syscall(g * 10 + i, writes: [
                    MemoryWrite(address: random.next(), bytes: random.bytes(1 + random.below(maxWrite))),
                ])
                events.append(e)
                try writer.append(e)
            }
            try writer.flush()
            boundaries.append((TraceFiles.size(dir + "/events"), TraceFiles.size(dir + "/data"), events.count))
        }
        try writer.finish(.complete(waitStatus: 0))
        boundaries.append((TraceFiles.size(dir + "/events"), TraceFiles.size(dir + "/data"), events.count))
        return Recorded(directory: dir, events: events, boundaries: boundaries)
    }

    /// Offsets around every boundary (and inside each chunk header and frame).
    func cutOffsets(_ boundaries: [Int]) -> [Int] {
        var offsets = Set<Int>()
        for (b, next) in zip(boundaries, boundaries.dropFirst() + [boundaries.last ?? 0]) {
            for o in [b, b + 1, b + 4, b + 16, b + 31, b + 32, b + 33, (b + next) / 2, next - 1] { offsets.insert(o) }
        }
        let full = boundaries.last ?? 0
        return offsets.filter { $0 >= 0 && $0 <= full }.sorted()
    }

    /// Cuts `stream` at offsets around every chunk boundary: each cut reads without error as
    /// exactly the events of the chunks wholly before it, ending `.truncated`.
    func checkCuts(_ stream: String, boundary: ((events: Int, data: Int, count: Int)) -> Int) throws {
        let rec = try record("cut-\(stream)")
        let full = boundary(rec.boundaries.last!)
        let work = try temporaryDirectory("cut-\(stream)-work")
        let original = try TraceFiles.bytes(rec.directory + "/" + stream)
        for cut in cutOffsets(rec.boundaries.map(boundary)) {
            let dir = work + "/cut-\(cut)"
            let what = "\(stream) cut at \(cut)"
            try TraceFiles.copy(rec.directory, to: dir, replacing: stream, with: Array(original[0..<cut]))
            let result = TraceFiles.readAll(dir)
            XCTAssertNil(result.error, "\(what): \(result.error.map { "\($0)" } ?? "")")
            // In the data stream too: every event references data, so reading stops at the cut.
            let expected = rec.boundaries.last { boundary($0) <= cut }!.count
            XCTAssertEqual(result.events.count, expected, what)
            XCTAssertTrue(result.events == Array(rec.events.prefix(result.events.count)), "\(what): not a prefix")
            XCTAssertEqual(result.end, cut == full ? .complete(waitStatus: 0) : .truncated, what)
        }
    }

    func testCutsInTheEventsStreamReadAsAPrefix() throws {
        try checkCuts("events") { $0.events }
    }

    func testCutsInTheDataStreamReadAsAPrefix() throws {
        try checkCuts("data") { $0.data }
    }

    func testEveryCutOfTheHeaderIsAnError() throws {
        let rec = try record("cut-header", groups: 1)
        let work = try temporaryDirectory("cut-header-work")
        let original = try TraceFiles.bytes(rec.directory + "/header")
        for cut in 0..<original.count {
            let dir = work + "/cut-\(cut)"
            try TraceFiles.copy(rec.directory, to: dir, replacing: "header", with: Array(original[0..<cut]))
            assertTraceError("header cut at \(cut)", mentioning: "header") { try TraceReader(directory: dir) }
        }
    }

    /// A recorder killed while appending a chunk: the streams end inside it.
    func testKilledWriterLeavesAReadablePrefix() throws {
        let dir = try temporaryDirectory("killed") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        var random = TestRandom(seed: 11)
        var events: [Event] = []
        for i in 0..<50 {
            let e = Sample.syscall(i, writes: [MemoryWrite(address: 0x4000, bytes: random.bytes(2000))])
            events.append(e)
            try writer.append(e)
            if i % 10 == 9 { try writer.flush() }
        }
        let before = (events: TraceFiles.size(dir + "/events"), data: TraceFiles.size(dir + "/data"))
        for i in 50..<60 {
            try writer.append(Sample.syscall(i, writes: [MemoryWrite(address: 0x4000, bytes: random.bytes(2000))]))
        }
        try writer.flush()
        let after = (events: TraceFiles.size(dir + "/events"), data: TraceFiles.size(dir + "/data"))
        // The kill: the last appends stop half-way.
        XCTAssertEqual(truncate(dir + "/events", off_t((before.events + after.events) / 2)), 0)
        XCTAssertEqual(truncate(dir + "/data", off_t((before.data + after.data) / 2)), 0)
        let result = TraceFiles.readAll(dir)
        XCTAssertNil(result.error)
        XCTAssertTrue(result.events == events, "read \(result.events.count) events, expected the first 50")
        XCTAssertEqual(result.end, .truncated)
        // The summary agrees.
        let summary = TraceStore.summary(of: dir)
        XCTAssertEqual(summary.eventCount, 50)
        XCTAssertEqual(summary.end, .truncated)
        XCTAssertNil(summary.error)
    }

    // MARK: damage

    /// Flips bytes of `name` at `offsets` and checks that reading the whole trace fails with a
    /// TraceError naming that file.
    func checkFlips(_ rec: Recorded, _ name: String, _ offsets: [Int], work: String) throws {
        let original = try TraceFiles.bytes(rec.directory + "/" + name)
        for offset in offsets where offset < original.count {
            var bytes = original
            bytes[offset] ^= (offset % 2 == 0 ? 0x01 : 0xA5)
            let dir = work + "/\(name)-\(offset)"
            try TraceFiles.copy(rec.directory, to: dir, replacing: name, with: bytes)
            let result = TraceFiles.readAll(dir)
            guard let error = result.error as? TraceError else {
                XCTFail("\(name) byte \(offset) flipped: expected a TraceError, got \(String(describing: result.error)) "
                        + "after \(result.events.count) events, end \(String(describing: result.end))")
                continue
            }
            XCTAssertTrue(error.description.contains("/" + name) || error.description.contains("'\(name)'"),
                          "\(name) byte \(offset) flipped: the error should name the file: \(error)")
            XCTAssertTrue([.damaged, .foreign, .newerFormat].contains(error.kind), "\(name) byte \(offset): \(error)")
        }
    }

    func testFlippedBytesInEveryEventsByte() throws {
        let rec = try record("flip-events", groups: 4, maxWrite: 300)
        let size = TraceFiles.size(rec.directory + "/events")
        try checkFlips(rec, "events", Array(0..<size), work: try temporaryDirectory("flip-events-work"))
    }

    func testFlippedBytesInData() throws {
        let rec = try record("flip-data", groups: 4, maxWrite: 300)
        let size = TraceFiles.size(rec.directory + "/data")
        let offsets = Array(0..<40) + Array(stride(from: 40, to: size, by: 7)) + [size - 1]
        try checkFlips(rec, "data", offsets, work: try temporaryDirectory("flip-data-work"))
    }

    func testFlippedBytesInEveryHeaderByte() throws {
        let rec = try record("flip-header", groups: 1, maxWrite: 10)
        let size = TraceFiles.size(rec.directory + "/header")
        try checkFlips(rec, "header", Array(0..<size), work: try temporaryDirectory("flip-header-work"))
    }

    func testDamageIsReportedWithFileAndOffset() throws {
        let rec = try record("offset", groups: 3)
        var bytes = try TraceFiles.bytes(rec.directory + "/events")
        let second = rec.boundaries[1].events   // start of the second events chunk
        bytes[second + 40] ^= 0xFF               // inside its compressed bytes
        let dir = try temporaryDirectory("offset-work") + "/t"
        try TraceFiles.copy(rec.directory, to: dir, replacing: "events", with: bytes)
        let result = TraceFiles.readAll(dir)
        let error = try XCTUnwrap(result.error as? TraceError)
        XCTAssertEqual(error.kind, .damaged)
        XCTAssertEqual(error.path, dir + "/events")
        XCTAssertEqual(error.offset, UInt64(second))
        XCTAssertTrue(error.description.contains("offset \(second)"), "\(error)")
        XCTAssertTrue(error.description.contains("checksum"), "\(error)")
        // The events before the damaged chunk were delivered first.
        XCTAssertEqual(result.events.count, rec.boundaries[1].count)
        // Once failed, the reader keeps failing the same way.
        let reader = try TraceReader(directory: dir)
        for _ in 0..<rec.boundaries[1].count { XCTAssertNotNil(try reader.next()) }
        assertTraceError("first failure", kind: .damaged) { try reader.next() }
        assertTraceError("second failure", kind: .damaged) { try reader.next() }
    }

    func testDuplicatedChunkIsDamage() throws {
        let rec = try record("dup", groups: 3)
        var bytes = try TraceFiles.bytes(rec.directory + "/events")
        let firstChunk = Array(bytes[0..<rec.boundaries[1].events])
        bytes.insert(contentsOf: firstChunk, at: rec.boundaries[1].events)
        let dir = try temporaryDirectory("dup-work") + "/t"
        try TraceFiles.copy(rec.directory, to: dir, replacing: "events", with: bytes)
        let result = TraceFiles.readAll(dir)
        XCTAssertEqual((result.error as? TraceError)?.kind, .damaged, "\(String(describing: result.error))")
        XCTAssertTrue("\(result.error!)".contains("event"), "\(result.error!)")
    }

    func testBytesAfterTheEndMarkerAreDamage() throws {
        let rec = try record("trailing", groups: 2)
        let bytes = try TraceFiles.bytes(rec.directory + "/events") + Array("garbage".utf8)
        let dir = try temporaryDirectory("trailing-work") + "/t"
        try TraceFiles.copy(rec.directory, to: dir, replacing: "events", with: bytes)
        let result = TraceFiles.readAll(dir)
        XCTAssertEqual((result.error as? TraceError)?.kind, .damaged)
        XCTAssertTrue("\(result.error!)".contains("end marker"), "\(result.error!)")
    }

    func testSwappedStreamsAreDamage() throws {
        let rec = try record("swap", groups: 2)
        let dir = try temporaryDirectory("swap-work") + "/t"
        try TraceFiles.copy(rec.directory, to: dir, replacing: "events",
                            with: try TraceFiles.bytes(rec.directory + "/data"))
        let result = TraceFiles.readAll(dir)
        XCTAssertEqual((result.error as? TraceError)?.kind, .damaged)
        XCTAssertTrue("\(result.error!)".contains("data chunk in the events stream"), "\(result.error!)")
    }

    /// Chunks with valid checksums around content that is not event records: the decoder
    /// must throw, never trap.
    func testGarbageInsideValidChunksIsDamage() throws {
        let rec = try record("garbage", groups: 1)
        var random = TestRandom(seed: 99)
        let work = try temporaryDirectory("garbage-work")
        for round in 0..<200 {
            var raw = random.bytes(random.below(400))
            if !raw.isEmpty { raw[0] = UInt8(1 + random.below(7)) }   // a plausible tag
            let chunk = try ChunkEncoder.encode(kind: .events, first: 0, raw: raw)
            let dir = work + "/\(round)"
            try TraceFiles.copy(rec.directory, to: dir, replacing: "events", with: chunk)
            let result = TraceFiles.readAll(dir)
            if let error = result.error {
                XCTAssertEqual((error as? TraceError)?.kind, .damaged, "round \(round): \(error)")
            } else {
                XCTAssertEqual(result.end, .truncated, "round \(round)")
            }
        }
    }

    // MARK: versions and foreign directories

    func testNewerFormatIsRefused() throws {
        let dir = try temporaryDirectory("newer") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header(formatVersion: TraceFormat.version + 1))
        try writer.finish(.complete(waitStatus: 0))
        let error = assertTraceError("newer format", kind: .newerFormat, mentioning: "upgrade swrr") {
            try TraceReader(directory: dir)
        }
        XCTAssertTrue(error?.description.contains("newer") ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.description.contains("\(TraceFormat.version + 1)") ?? false, "\(String(describing: error))")
    }

    func testMuchNewerFormatIsStillNewer() throws {
        let dir = try temporaryDirectory("newer9999") + "/trace"
        try TraceWriter(directory: dir, header: Sample.header(formatVersion: 9999)).finish(.complete(waitStatus: 0))
        assertTraceError("format 9999", kind: .newerFormat, mentioning: "9999") { try TraceReader(directory: dir) }
    }

    func testForeignDirectories() throws {
        let base = try temporaryDirectory("foreign")
        assertTraceError("missing directory", kind: .notATrace, mentioning: "no such directory") {
            try TraceReader(directory: base + "/nothing-here")
        }
        let empty = base + "/empty"
        XCTAssertEqual(mkdir(empty, 0o700), 0)
        assertTraceError("empty directory", kind: .notATrace, mentioning: "empty") { try TraceReader(directory: empty) }

        let file = base + "/plain-file"
        try TraceFiles.write(Array("hello".utf8), to: file)
        assertTraceError("a file", kind: .notATrace, mentioning: "not a directory") { try TraceReader(directory: file) }

        let photos = base + "/photos"
        XCTAssertEqual(mkdir(photos, 0o700), 0)
        var random = TestRandom(seed: 5)
        for name in ["a.jpg", "b.jpg", "notes.txt"] { try TraceFiles.write(random.bytes(1000), to: photos + "/" + name) }
        assertTraceError("random files", kind: .foreign, mentioning: "no 'header'") { try TraceReader(directory: photos) }

        let junk = base + "/junk"
        XCTAssertEqual(mkdir(junk, 0o700), 0)
        for name in ["header", "events", "data"] {
            try TraceFiles.write(Array("this is not a swrr trace\n".utf8), to: junk + "/" + name)
        }
        assertTraceError("text files", kind: .foreign, mentioning: "SWRRHDR1") { try TraceReader(directory: junk) }

        let magicOnly = base + "/magic"
        XCTAssertEqual(mkdir(magicOnly, 0o700), 0)
        for name in ["header", "events", "data"] {
            try TraceFiles.write(Array("SWRRHDR1".utf8) + random.bytes(4096), to: magicOnly + "/" + name)
        }
        assertTraceError("right magic, random bytes", mentioning: "header") { try TraceReader(directory: magicOnly) }
    }

    func testRandomStreamsAfterAValidHeaderAreDamage() throws {
        let rec = try record("random-streams", groups: 1)
        var random = TestRandom(seed: 8)
        let dir = try temporaryDirectory("random-streams-work") + "/t"
        try TraceFiles.copy(rec.directory, to: dir, replacing: "events", with: random.bytes(5000))
        let result = TraceFiles.readAll(dir)
        XCTAssertEqual((result.error as? TraceError)?.kind, .damaged)
        XCTAssertTrue("\(result.error!)".contains("/events"), "\(result.error!)")
        XCTAssertTrue("\(result.error!)".contains("magic"), "\(result.error!)")
    }

    func testMissingFiles() throws {
        let rec = try record("missing", groups: 1)
        for name in ["header", "events", "data"] {
            let dir = try temporaryDirectory("missing-\(name)") + "/t"
            try TraceFiles.copy(rec.directory, to: dir)
            XCTAssertEqual(unlink(dir + "/" + name), 0)
            assertTraceError("no \(name)", kind: .missingFile, mentioning: "'\(name)' is missing") {
                try TraceReader(directory: dir)
            }
        }
    }
}
