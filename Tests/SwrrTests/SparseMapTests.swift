// A program mapping a 10 GiB sparse file (issue 14, Tests/Fixtures/sparse_map.c): the trace keeps
// the file with its holes (SwrrTrace/FileCopy.swift), so it stays small, and replays exactly;
// a file that cannot fit where the trace is stops the recording with a message saying so.
import Foundation
import Glibc
import SwrrTestSupport
import XCTest

final class SparseMapTests: XCTestCase {
    /// The bytes the files of `directory` occupy on disk (st_blocks), not their apparent sizes.
    func allocatedBytes(_ directory: String) throws -> Int64 {
        var total: Int64 = 0
        for name in try FileManager.default.subpathsOfDirectory(atPath: directory) {
            var st = stat()
            if lstat(directory + "/" + name, &st) == 0 { total += Int64(st.st_blocks) * 512 }
        }
        return total
    }

    func testMappedTenGiBSparseFileKeepsTheTraceSmall() throws {
        let exe = try Fixture.sparseMap.executable(.o0Dynamic)
        let work = try makeTemporaryDirectory("sparse")
        // Measured on this 2-core VM under load: the recording takes 6-18 s, most of it spent
        // checksumming the kept copy (FileChecksum reads the holes as zeros).
        let recording = try record([exe, work], expectedStatus: 0, timeout: 180)
        try assertReplaysIdentically(recording)
        let out = recording.result.stdoutText
        XCTAssertEqual(lines(startingWith: "data at ", in: out).count, 3, out)
        XCTAssertEqual(lines(startingWith: "hole at ", in: out).map { $0.hasSuffix(": sum=00000000") }, [true, true], out)
        let kept = try FileManager.default.contentsOfDirectory(atPath: recording.trace + "/files").filter { $0.hasSuffix("-sparse-10240m") }
        XCTAssertEqual(kept.count, 1, "the sparse file is kept once")
        let attributes = try FileManager.default.attributesOfItem(atPath: recording.trace + "/files/" + (kept.first ?? ""))
        XCTAssertEqual((attributes[.size] as? NSNumber)?.int64Value, 10 << 30)
        // Its three 4 KiB blocks of data, the program and its libraries: a few MB, not 10 GiB.
        let size = try allocatedBytes(recording.trace)
        XCTAssertLessThan(size, 32 << 20, "the trace occupies \(size) bytes")
    }

    /// A 32 MiB file of random bytes mapped by a program recorded into a 16 MiB tmpfs: the
    /// recording stops at the mmap naming the file and the sizes, the disk is not filled, and
    /// the trace replays up to there.
    func testFileThatCannotFitStopsTheRecording() throws {
        let exe = try Fixture.sparseMap.executable(.o0Dynamic)
        let work = try makeTemporaryDirectory("full")
        let small = work + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: false)
        XCTAssertEqual(mount("tmpfs", small, "tmpfs", 0, "size=16m"), 0, "mounting a tmpfs (the tests run as root): errno \(errno)")
        defer { umount(small) }
        let dense = work + "/dense"
        let random = try XCTUnwrap(FileHandle(forReadingAtPath: "/dev/urandom"))
        try random.readData(ofLength: 32 << 20).write(to: URL(fileURLWithPath: dense))

        let r = try Swrr.record([exe, "--map", dense], to: small + "/trace")
        assertClean(r)
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "", "the program went on past the mmap")
        let message = "cannot keep '\(dense)' in the trace: its data (32 MiB) is more than the "
        XCTAssertTrue(r.stderrLines.contains { $0.hasPrefix("swrr: " + message) && $0.contains("MiB free where the trace is") }, "\(r)")
        let files = try FileManager.default.contentsOfDirectory(atPath: small + "/trace/files")
        XCTAssertFalse(files.contains { $0.hasSuffix("-dense") }, "a partial copy was left: \(files)")
        var fs = statvfs()
        XCTAssertEqual(statvfs(small, &fs), 0)
        XCTAssertGreaterThan(UInt64(fs.f_bavail) * UInt64(fs.f_frsize), 8 << 20, "the tmpfs was filled")

        let replay = try Swrr.replay(small + "/trace")
        assertClean(replay)
        XCTAssertEqual(replay.status, ReplayStatus.endsEarly, "\(replay)")
        XCTAssertTrue(replay.stderrText.contains("the recording stopped there: " + message), "\(replay)")
    }
}
