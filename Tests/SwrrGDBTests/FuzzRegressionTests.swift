// Inputs of the gdb fuzz harness (Fuzz/gdb, `make fuzz`) that crashed the server, fed as gdb's
// bytes to a real `swrr replay --gdb-port`: each is answered and the server keeps serving. They
// are files of Fuzz/gdb/corpus, so every fuzzing run starts from them too.
//   crash-empty-Z-field: found by the harness in 30 s on the code before the dap-gdb-input merge
//     ("$Z#df": `split(separator: ";")[0]` of an empty field, index out of range).
//   qXfer-negative-offset, qXfer-offset-plus-length-overflow: the same class in qXfer's range
//     (a negative offset indexed the array; offset 1 + length 2^63-1 overflowed).
import Foundation
@testable import SwrrGDB
import SwrrTestSupport
import XCTest

final class FuzzRegressionTests: XCTestCase {
    static let corpus = GDBFixture.packageRoot.appendingPathComponent("Fuzz/gdb/corpus").path

    /// Sends the file's bytes, then a qXfer sentinel; returns the replies up to the sentinel's.
    private func serve(_ name: String) throws -> [String] {
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: Self.corpus + "/" + name), name)
        let server = try GDBServerProcess(trace: try GDBFixture.recording().trace)
        defer { XCTAssertTrue(server.stop(timeout: 20), "the server ends when asked") }
        let gdb = try RawRSPClient(port: server.port)
        gdb.sendRaw(Array(bytes))
        gdb.sendPacket("qXfer:features:read:target.xml:0,5")
        var replies: [String] = []
        while replies.last != "m<?xml" {
            replies.append(try gdb.readPacket(timeout: 30))
        }
        XCTAssertTrue(server.process.isRunning, "\(name): the server still serves")
        gdb.sendPacket("k")
        return replies
    }

    func testEmptyZFieldIsAnError() throws {
        let replies = try serve("crash-empty-Z-field")
        // qSupporty: unknown (empty); QStartNoAckMode: OK (twice); Hg: OK; Z: E01 (twice); Z1: OK or E01.
        XCTAssertGreaterThanOrEqual(replies.filter { $0 == "E01" }.count, 2, "\(replies)")
        XCTAssertEqual(replies.last, "m<?xml")
    }

    func testQXferRangesOutOfBoundsAreAnswered() throws {
        XCTAssertEqual(try serve("qXfer-negative-offset"), ["E01", "m<?xml"])
        XCTAssertEqual(try serve("qXfer-offset-plus-length-overflow"),
                       ["l" + String(TargetDescription.xml.dropFirst()), "m<?xml"])
    }
}
