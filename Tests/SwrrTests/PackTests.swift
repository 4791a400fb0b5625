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
        func linkCounts() throws -> [String: Int] {
            var out: [String: Int] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: files) {
                let attrs = try FileManager.default.attributesOfItem(atPath: files + "/" + name)
                out[name] = (attrs[.referenceCount] as? NSNumber)?.intValue ?? 0
            }
            return out
        }
        let before = try linkCounts()
        XCTAssertTrue(before.values.contains { $0 > 1 }, "libc is hard-linked before packing: \(before)")
        let pack = try Swrr.run(["pack", recording.trace])
        assertClean(pack)
        XCTAssertEqual(pack.status, 0, "\(pack)")
        let after = try linkCounts()
        XCTAssertEqual(Set(after.keys), Set(before.keys), "the same files, no leftovers")
        XCTAssertTrue(after.values.allSatisfy { $0 == 1 }, "no hard link left: \(after)")
        try assertReplaysIdentically(recording)
    }
}
