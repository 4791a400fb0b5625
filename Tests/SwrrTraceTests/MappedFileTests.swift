// TraceWriter.addFile: copies, hard links of system files, deduplication.
import Foundation
import Glibc
import SwrrTrace
import XCTest

final class MappedFileTests: XCTestCase {
    func status(_ path: String) throws -> stat {
        var st = stat()
        guard stat(path, &st) == 0 else { throw NSError(domain: "stat", code: Int(errno)) }
        return st
    }

    func testUserFilesAreCopiedAndDeduplicated() throws {
        let base = try temporaryDirectory("addfile")
        let source = base + "/libdemo.so.1"
        var random = TestRandom(seed: 1)
        let original = random.bytes(200_000)
        try TraceFiles.write(original, to: source)
        XCTAssertEqual(chmod(source, 0o755), 0)

        let writer = try TraceWriter(directory: base + "/trace", header: Sample.header())
        let kept = try writer.addFile(path: source)
        XCTAssertEqual(kept, MappedFile(traceName: "files/0-libdemo.so.1", originalPath: source))
        let copy = base + "/trace/" + kept.traceName
        XCTAssertEqual(try TraceFiles.bytes(copy), original)
        XCTAssertNotEqual(try status(copy).st_ino, try status(source).st_ino, "a file outside system directories is copied")
        XCTAssertNotEqual(try status(copy).st_mode & 0o100, 0, "the execute bit is kept")

        // The same file again, by the same path or through a symlink: kept once.
        XCTAssertEqual(try writer.addFile(path: source), kept)
        XCTAssertEqual(symlink(source, base + "/alias.so"), 0)
        XCTAssertEqual(try writer.addFile(path: base + "/alias.so"), kept)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: base + "/trace/files").count, 1)

        // Changed in place (new size and mtime): kept again, under the next number; the first
        // copy still has the bytes the program mapped first.
        let changed = random.bytes(1000)
        try TraceFiles.write(changed, to: source)
        let keptAgain = try writer.addFile(path: source)
        XCTAssertEqual(keptAgain.traceName, "files/1-libdemo.so.1")
        XCTAssertEqual(try TraceFiles.bytes(base + "/trace/" + keptAgain.traceName), changed)
        XCTAssertEqual(try TraceFiles.bytes(copy), original)

        // A different file with the same name gets its own number.
        try FileManager.default.createDirectory(atPath: base + "/other", withIntermediateDirectories: false)
        try TraceFiles.write([1, 2, 3], to: base + "/other/libdemo.so.1")
        XCTAssertEqual(try writer.addFile(path: base + "/other/libdemo.so.1").traceName, "files/2-libdemo.so.1")

        try writer.finish(.complete(waitStatus: 0))
        let reader = try TraceReader(directory: base + "/trace")
        XCTAssertEqual(try TraceFiles.bytes(reader.path(of: kept)), original)
    }

    func testSystemFilesAreHardLinkedOnTheSameFilesystem() throws {
        // A regular file under /usr, found through its real path (e.g. /bin → /usr/bin).
        let candidates = ["/usr/bin/env", "/usr/bin/true", "/usr/bin/ls", "/bin/sh"]
        guard let system = candidates.compactMap({ p -> String? in
            guard let r = realpath(p, nil) else { return nil }
            defer { free(r) }
            return String(cString: r)
        }).first(where: { $0.hasPrefix("/usr/") || $0.hasPrefix("/bin/") }) else {
            throw XCTSkip("no system executable found")
        }
        let base = try temporaryDirectory("hardlink")
        let writer = try TraceWriter(directory: base + "/trace", header: Sample.header())
        let kept = try writer.addFile(path: system)
        let keptPath = base + "/trace/" + kept.traceName
        let sameFilesystem = try status(base).st_dev == status(system).st_dev
        XCTAssertEqual(try TraceFiles.bytes(keptPath), try TraceFiles.bytes(system))
        if sameFilesystem {
            XCTAssertEqual(try status(keptPath).st_ino, try status(system).st_ino, "\(system) should be hard-linked")
        } else {
            XCTAssertNotEqual(try status(keptPath).st_ino, try status(system).st_ino, "another filesystem: copied")
        }
        XCTAssertEqual(try writer.addFile(path: system), kept)
        try writer.finish(.complete(waitStatus: 0))
    }

    func testFilesThatCannotBeKept() throws {
        let base = try temporaryDirectory("addfile-errors")
        let writer = try TraceWriter(directory: base + "/trace", header: Sample.header())
        assertTraceError("missing file", kind: .io, mentioning: base + "/nope") {
            try writer.addFile(path: base + "/nope")
        }
        assertTraceError("a directory", kind: .invalidUse, mentioning: "not a regular file") {
            try writer.addFile(path: base)
        }
        // The failures did not consume numbers.
        try TraceFiles.write([7], to: base + "/ok")
        XCTAssertEqual(try writer.addFile(path: base + "/ok").traceName, "files/0-ok")
        try writer.finish(.complete(waitStatus: 0))
    }
}
