// `swrr pack` (issue 2): hard links to system files in files/ become private copies, and the
// packed trace still replays identically.
import Foundation
import SwrrTestSupport
import XCTest

final class PackTests: XCTestCase {
    func testPackReplacesLinksByCopiesAndStillReplays() throws {
        let recording = try record([try Fixture.mmapFiles.executable(.o0Dynamic), try makeTemporaryDirectory("pack-work")],
                                   expectedStatus: 0)
        let files = recording.trace + "/files"
        let before = try linkCounts(files)
        XCTAssertTrue(before.values.contains { $0 > 1 }, "libc is hard-linked before packing: \(before)")
        let pack = try Swrr.run(["pack", recording.trace])
        assertClean(pack)
        XCTAssertEqual(pack.status, 0, "\(pack)")
        let after = try linkCounts(files)
        XCTAssertEqual(Set(after.keys), Set(before.keys), "the same files, no leftovers")
        XCTAssertTrue(after.values.allSatisfy { $0 == 1 }, "no hard link left: \(after)")
        try assertReplaysIdentically(recording)
    }

    /// `pack` of a trace whose files/ links to another directory holding hard links (issue 13):
    /// it refuses, and that directory is left exactly as it was.
    func testPackRefusesFilesLinkingToAnotherDirectory() throws {
        let recording = try record([try Fixture.mmapFiles.executable(.o0Dynamic), try makeTemporaryDirectory("pack-work")],
                                   expectedStatus: 0)
        let elsewhere = try makeTemporaryDirectory("elsewhere") + "/files"
        try FileManager.default.moveItem(atPath: recording.trace + "/files", toPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: recording.trace + "/files", withDestinationPath: elsewhere)
        let before = try linkCounts(elsewhere), beforeInodes = try inodes(elsewhere)
        XCTAssertTrue(before.values.contains { $0 > 1 }, "libc is hard-linked: pack would copy it: \(before)")
        let pack = try Swrr.run(["pack", recording.trace])
        assertClean(pack)
        XCTAssertEqual(pack.status, ReplayStatus.badTrace, "\(pack)")
        XCTAssertTrue(pack.stderrText.contains("'files' in the trace '\(recording.trace)' is a symbolic link"), "\(pack)")
        XCTAssertTrue(pack.stderrLines.last?.hasPrefix("swrr: pack refuses to change \(recording.trace)") ?? false, "\(pack)")
        // The same files (inodes): link counts of libc and ld.so also move whenever another
        // recording on the machine links them (measured: 606 -> 607 during a test run beside it).
        XCTAssertEqual(try inodes(elsewhere), beforeInodes, "pack wrote outside the trace")
        let r = try Swrr.replay(recording.trace)
        assertClean(r)
        XCTAssertEqual(r.status, ReplayStatus.badTrace, "\(r)")
    }

    /// The names in `directory` with their inode numbers (a copy put in place of a link is
    /// another inode).
    func inodes(_ directory: String) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let attrs = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            out[name] = (attrs[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        }
        return out
    }

    /// The names in `directory` with their link counts.
    func linkCounts(_ directory: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let attrs = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            out[name] = (attrs[.referenceCount] as? NSNumber)?.intValue ?? 0
        }
        return out
    }
}
