// Hostile and damaged trace input at the format level (issue 13): kept files are checked against
// their checksums before use, nothing of a trace is read or written through a link, trailing
// bytes after the last chunk are damage, and TraceCheck/TracePacker report all of it.
import Foundation
import Glibc
@testable import SwrrTrace
import SwrrTracee
import XCTest

final class TraceInputTests: XCTestCase {
    /// A finished trace keeping two files (one 300 KB), with an event naming each.
    func traceWithFiles(_ name: String) throws -> (dir: String, files: [MappedFile], contents: [[UInt8]]) {
        let base = try temporaryDirectory(name)
        var random = TestRandom(seed: 13)
        let contents = [random.bytes(300_000), random.bytes(5000)]
        let writer = try TraceWriter(directory: base + "/trace", header: Sample.header())
        var kept: [MappedFile] = []
        for (i, bytes) in contents.enumerated() {
            try TraceFiles.write(bytes, to: base + "/lib\(i).so")
            let file = try writer.addFile(path: base + "/lib\(i).so")
            kept.append(file)
            var e = Sample.syscall(i)
            if case .syscall(var s) = e {
                s.mappedFile = file
                e = .syscall(s)
            }
            try writer.append(e)
        }
        try writer.append(Sample.syscall(7, writes: [MemoryWrite(address: 0x1000, bytes: random.bytes(2000))]))
        try writer.finish(.complete(waitStatus: 0))
        return (base + "/trace", kept, contents)
    }

    func flipBytes(_ path: String, at offset: Int, count: Int) throws {
        // Break a hard link first, as an editor would; the file is a copy here anyway.
        var bytes = try TraceFiles.bytes(path)
        for i in offset..<offset + count { bytes[i] ^= 0xa5 }
        unlink(path)
        try TraceFiles.write(bytes, to: path)
    }

    // MARK: checksums

    func testEveryKeptFileHasAChecksumRecordAndIsCheckedBeforeUse() throws {
        let t = try traceWithFiles("sums")
        let reader = try TraceReader(directory: t.dir)
        XCTAssertTrue(reader.header.fileChecksums)
        let sums = try XCTUnwrap(try reader.keptFileChecksums())
        XCTAssertEqual(sums.count, 2)
        for (file, bytes) in zip(t.files, t.contents) {
            XCTAssertEqual(sums[file.traceName], FileChecksum(size: UInt64(bytes.count), crc32: CRC32.checksum(bytes)))
            XCTAssertEqual(try reader.path(of: file), t.dir + "/" + file.traceName)
        }
        XCTAssertTrue(TraceCheck.run(directory: t.dir).isIntact, "\(TraceCheck.run(directory: t.dir).problems)")

        // 64 flipped bytes in the middle of the large copy: named, with both checksums.
        try flipBytes(t.dir + "/" + t.files[0].traceName, at: 150_000, count: 64)
        let fresh = try TraceReader(directory: t.dir)
        let error = assertTraceError("flipped copy", kind: .damaged, mentioning: "'files/0-lib0.so') is damaged: its CRC-32 is ") {
            try fresh.path(of: t.files[0])
        }
        XCTAssertTrue(error?.description.contains(t.files[0].originalPath) ?? false, "\(String(describing: error))")
        XCTAssertEqual(try fresh.path(of: t.files[1]), t.dir + "/" + t.files[1].traceName, "the other copy is intact")

        // A copy cut short says so by size.
        try TraceFiles.write(Array(t.contents[1].prefix(100)), to: t.dir + "/" + t.files[1].traceName)
        assertTraceError("cut copy", kind: .damaged, mentioning: "it has 100 bytes where the recording kept 5000") {
            try TraceReader(directory: t.dir).path(of: t.files[1])
        }
        let report = TraceCheck.run(directory: t.dir)
        XCTAssertEqual(report.problems.count, 2, "\(report.problems)")
        XCTAssertEqual(report.filesChecked, 0)
        XCTAssertEqual(report.eventCount, 3)
        XCTAssertEqual(report.end, .complete(waitStatus: 0))
    }

    func testChecksumRecordsAreValidated() throws {
        let t = try traceWithFiles("sum-records")
        let path = t.dir + "/checksums"
        let original = try TraceFiles.bytes(path)
        // No record at all for a file an event names.
        unlink(path)
        assertTraceError("no checksums file", kind: .missingFile, mentioning: "'checksums' is missing") {
            try TraceReader(directory: t.dir).path(of: t.files[0])
        }
        // Cut inside the second record (a killed recorder): the first file is still checked, the
        // second has no checksum, which is damage since an event names it.
        try TraceFiles.write(Array(original.prefix(original.count - 3)), to: path)
        XCTAssertEqual(try TraceReader(directory: t.dir).path(of: t.files[0]), t.dir + "/" + t.files[0].traceName)
        assertTraceError("second record cut", kind: .damaged, mentioning: "has no checksum") {
            try TraceReader(directory: t.dir).path(of: t.files[1])
        }
        // Bytes after the last record that are no chunk are damage; so is a flipped record.
        try TraceFiles.write(original + Array("junk".utf8), to: path)
        assertTraceError("trailing junk", kind: .damaged, mentioning: "not the start of one (bad magic)") {
            try TraceReader(directory: t.dir).path(of: t.files[0])
        }
        var flipped = original
        flipped[40] ^= 1
        try TraceFiles.write(flipped, to: path)
        assertTraceError("flipped record", kind: .damaged, mentioning: "checksum") {
            try TraceReader(directory: t.dir).path(of: t.files[0])
        }
        // A record naming a path outside files/.
        let evil = try ChunkEncoder.encode(kind: .fileChecksum, first: 0,
                                           raw: FileChecksums.encode(traceName: "files/../header", FileChecksum(size: 1, crc32: 2)))
        try TraceFiles.write(evil, to: path)
        assertTraceError("record outside files/", kind: .damaged, mentioning: "not a file inside files/") {
            try TraceReader(directory: t.dir).keptFileChecksums()
        }
    }

    /// Traces written before checksums (no `fileChecksums` in the header, no `checksums` file)
    /// still read, and their copies are used unchecked but confined.
    func testOlderTracesWithoutChecksumsStillRead() throws {
        let json = String(decoding: try HeaderCodec.encode(Sample.header())[HeaderCodec.frameSize...], as: UTF8.self)
        XCTAssertTrue(json.contains("\"fileChecksums\" : true"), json)
        let t = try traceWithFiles("old-source")
        let dir = try temporaryDirectory("old") + "/trace"
        XCTAssertEqual(Glibc.system("cp -a '\(t.dir)' '\(dir)'"), 0)
        unlink(dir + "/checksums")
        // The header as an older swrr wrote it: no fileChecksums key at all.
        try TraceFiles.write(try reframedHeader(Sample.header()) { $0.removeValue(forKey: "fileChecksums") },
                             to: dir + "/header")

        let reader = try TraceReader(directory: dir)
        XCTAssertFalse(reader.header.fileChecksums)
        XCTAssertNil(try reader.keptFileChecksums())
        try flipBytes(dir + "/" + t.files[0].traceName, at: 10, count: 64)
        XCTAssertEqual(try reader.path(of: t.files[0]), dir + "/" + t.files[0].traceName, "unchecked: no checksum to compare")
        let report = TraceCheck.run(directory: dir)
        XCTAssertTrue(report.isIntact, "\(report.problems)")
        XCTAssertFalse(report.hasChecksums)
        XCTAssertEqual(report.filesChecked, 2)
        // Still confined.
        unlink(dir + "/" + t.files[1].traceName)
        XCTAssertEqual(symlink("/etc/passwd", dir + "/" + t.files[1].traceName), 0)
        assertTraceError("link in an old trace", kind: .leavesTrace, mentioning: "is a symbolic link") {
            try reader.path(of: t.files[1])
        }
    }

    // MARK: confinement

    func testNothingIsReadThroughALink() throws {
        let t = try traceWithFiles("links")
        let outside = try temporaryDirectory("links-outside")
        try TraceFiles.write(t.contents[0], to: outside + "/same-bytes")
        // A kept file replaced by a link to a file with the very same bytes: still refused.
        unlink(t.dir + "/" + t.files[0].traceName)
        XCTAssertEqual(symlink(outside + "/same-bytes", t.dir + "/" + t.files[0].traceName), 0)
        assertTraceError("kept file is a link", kind: .leavesTrace,
                         mentioning: "'files/0-lib0.so' in the trace '\(t.dir)' is a symbolic link") {
            try TraceReader(directory: t.dir).path(of: t.files[0])
        }
        // A FIFO or device there is no regular file (and opening it must not block).
        unlink(t.dir + "/" + t.files[0].traceName)
        XCTAssertEqual(mkfifo(t.dir + "/" + t.files[0].traceName, 0o600), 0)
        assertTraceError("kept file is a FIFO", kind: .leavesTrace, mentioning: "is not a regular file") {
            try TraceReader(directory: t.dir).path(of: t.files[0])
        }
        // Names from events that lead out of files/.
        let reader = try TraceReader(directory: t.dir)
        for name in ["files/../header", "files/", "files/..", "files/a/b", "/etc/passwd", "header", "files/x\u{0}y"] {
            assertTraceError("name \(name.debugDescription)", kind: .leavesTrace) {
                try reader.path(of: MappedFile(traceName: name, originalPath: "/x"))
            }
        }
        // files/ itself a link to a directory holding the same names.
        let moved = outside + "/files"
        XCTAssertEqual(rename(t.dir + "/files", moved), 0)
        XCTAssertEqual(symlink(moved, t.dir + "/files"), 0)
        assertTraceError("files/ is a link", kind: .leavesTrace, mentioning: "'files' in the trace '\(t.dir)' is a symbolic link") {
            try TraceReader(directory: t.dir).path(of: t.files[1])
        }
        // The streams and the header too.
        for name in ["header", "events", "data"] {
            let copy = try temporaryDirectory("links-\(name)") + "/trace"
            let fresh = try traceWithFiles("links-src-\(name)")
            XCTAssertEqual(rename(fresh.dir, copy), 0)
            XCTAssertEqual(rename(copy + "/" + name, outside + "/" + name), 0)
            XCTAssertEqual(symlink(outside + "/" + name, copy + "/" + name), 0)
            assertTraceError("\(name) is a link", kind: .leavesTrace, mentioning: "'\(name)' in the trace") {
                try TraceReader(directory: copy)
            }
        }
        // The trace directory itself may be reached through a link (latest-trace is one).
        let fresh = try traceWithFiles("links-dir")
        XCTAssertEqual(symlink(fresh.dir, outside + "/via-link"), 0)
        XCTAssertEqual(try TraceReader(directory: outside + "/via-link").path(of: fresh.files[0]),
                       outside + "/via-link/" + fresh.files[0].traceName)
    }

    func testPackWritesNothingOutsideTheTrace() throws {
        let t = try traceWithFiles("pack-links")
        let outside = try temporaryDirectory("pack-outside")
        XCTAssertEqual(rename(t.dir + "/files", outside + "/files"), 0)
        // Hard links inside the moved directory, so a pack that followed files/ would copy them.
        XCTAssertEqual(link(outside + "/files/" + "0-lib0.so", outside + "/extra-link"), 0)
        XCTAssertEqual(symlink(outside + "/files", t.dir + "/files"), 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: outside + "/files").sorted()
        assertTraceError("pack through files/ link", kind: .leavesTrace, mentioning: "is a symbolic link") {
            try TracePacker.pack(directory: t.dir)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside + "/files").sorted(), before)
        XCTAssertFalse(TraceCheck.run(directory: t.dir).isIntact)

        // A link inside files/ is refused too, before anything is copied.
        let u = try traceWithFiles("pack-inner-link")
        XCTAssertEqual(symlink("/etc/passwd", u.dir + "/files/9-evil"), 0)
        assertTraceError("pack with a link in files/", kind: .leavesTrace, mentioning: "'files/9-evil'") {
            try TracePacker.pack(directory: u.dir)
        }
        let report = TraceCheck.run(directory: u.dir)
        XCTAssertEqual(report.problems.count, 1, "\(report.problems)")
        XCTAssertTrue(report.problems.first?.contains("'files/9-evil' in the trace") ?? false, "\(report.problems)")
    }

    func testPackChecksEachCopyAgainstItsChecksum() throws {
        let t = try traceWithFiles("pack-sums")
        let kept = t.dir + "/" + t.files[0].traceName
        let elsewhere = try temporaryDirectory("pack-sums-link") + "/link"
        XCTAssertEqual(link(kept, elsewhere), 0)   // nlink 2: pack copies it
        XCTAssertEqual(try TracePacker.pack(directory: t.dir), 1)
        XCTAssertEqual(try TraceFiles.bytes(kept), t.contents[0])
        XCTAssertTrue(TraceCheck.run(directory: t.dir).isIntact)

        // Damaged in place through its other link: pack refuses and leaves the link.
        XCTAssertEqual(unlink(elsewhere), 0)
        XCTAssertEqual(link(kept, elsewhere), 0)
        let fd = open(elsewhere, O_WRONLY)
        XCTAssertEqual(pwrite(fd, [UInt8](repeating: 0, count: 64), 64, 1000), 64)
        close(fd)
        assertTraceError("pack of a damaged copy", kind: .damaged, mentioning: "pack leaves it as it is") {
            try TracePacker.pack(directory: t.dir)
        }
        var st = stat()
        XCTAssertEqual(stat(kept, &st), 0)
        XCTAssertEqual(st.st_nlink, 2, "the link is left in place")
        XCTAssertFalse(FileManager.default.fileExists(atPath: kept + ".packing"))
    }

    // MARK: trailing bytes

    func testBytesAfterTheLastDataChunkAreDamage() throws {
        let t = try traceWithFiles("trailing-data")
        let data = try TraceFiles.bytes(t.dir + "/data")
        for extra in [[UInt8](repeating: 0, count: 1), Array("garbage".utf8), [UInt8](repeating: 0x41, count: 100),
                      Array(data.prefix(40))] {
            try TraceFiles.write(data + extra, to: t.dir + "/data")
            let result = TraceFiles.readAll(t.dir)
            XCTAssertEqual(result.events.count, 3, "every event reads before the end marker finds the damage")
            XCTAssertEqual((result.error as? TraceError)?.kind, .damaged, "\(extra.count) bytes: \(String(describing: result.error))")
            XCTAssertEqual((result.error as? TraceError)?.offset, UInt64(data.count), "\(String(describing: result.error))")
            XCTAssertTrue("\(result.error!)".contains("\(extra.count) unexpected bytes follow the last chunk"), "\(result.error!)")
            XCTAssertFalse(TraceCheck.run(directory: t.dir).isIntact)
        }
        // A whole extra data chunk, properly numbered, is extra too.
        let chunk = try ChunkEncoder.encode(kind: .data, first: UInt64(2000), raw: [1, 2, 3])
        try TraceFiles.write(data + chunk, to: t.dir + "/data")
        let result = TraceFiles.readAll(t.dir)
        XCTAssertTrue("\(result.error!)".contains("\(chunk.count) unexpected bytes follow the last chunk"), "\(result.error!)")
    }

    func testTruncatedTracesAcceptACutButNotGarbage() throws {
        let dir = try temporaryDirectory("trailing-cut") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        try writer.append(Sample.syscall(1, writes: [MemoryWrite(address: 8, bytes: [1, 2, 3])]))
        try writer.flush()
        let data = try TraceFiles.bytes(dir + "/data")
        let events = try TraceFiles.bytes(dir + "/events")
        // A killed recorder's partial chunk (a prefix of a real one) in either stream: truncated.
        let next = try ChunkEncoder.encode(kind: .data, first: 3, raw: [9, 9])
        for cut in [1, 4, 5, 8, 20, 31, 32, 40] {
            try TraceFiles.write(data + next.prefix(cut), to: dir + "/data")
            try TraceFiles.write(events + next.prefix(cut), to: dir + "/events")
            let result = TraceFiles.readAll(dir)
            XCTAssertNil(result.error, "cut \(cut): \(String(describing: result.error))")
            XCTAssertEqual(result.end, .truncated)
            XCTAssertEqual(result.events.count, 1)
        }
        // Bytes no chunk starts with, in either stream.
        for (stream, bytes) in [("data", data), ("events", events)] {
            for garbage in [Array("x".utf8), Array("SWRCz".utf8), [UInt8](Array("SWRC".utf8)) + [2, 0, 7]] {
                try TraceFiles.write(data, to: dir + "/data")
                try TraceFiles.write(events, to: dir + "/events")
                try TraceFiles.write(bytes + garbage, to: dir + "/" + stream)
                let result = TraceFiles.readAll(dir)
                XCTAssertEqual((result.error as? TraceError)?.kind, .damaged, "\(stream) + \(garbage)")
                XCTAssertTrue("\(result.error.map { "\($0)" } ?? "")".contains("after the last chunk are not the start of one"),
                              "\(stream): \(String(describing: result.error))")
            }
        }
        withExtendedLifetime(writer) {}
    }
}
