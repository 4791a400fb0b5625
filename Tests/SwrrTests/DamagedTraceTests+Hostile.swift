// Hostile and damaged traces through the command line (issue 13), on copies of DamagedTraceTests'
// recording: a damaged copy in files/ is named before anything runs it, links out of the trace
// are refused by replay and check, trailing data and an end marker with a status no program ends
// with are damage, and `swrr check` reports all of it (pack: PackTests).
import Foundation
import SwrrTestSupport
import XCTest

extension DamagedTraceTests {
    func keptFile(_ trace: String, containing part: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: trace + "/files")
        let name = try XCTUnwrap(names.first { $0.contains(part) }, "no \(part) in \(names)")
        return trace + "/files/" + name
    }

    func check(_ trace: String) throws -> RunResult {
        let r = try Swrr.run(["check", trace])
        assertClean(r)
        XCTAssertNil(r.signal, "\(r)")
        return r
    }

    /// Replay and check both refuse `trace` with status 66, each with a line containing
    /// `message` (replay's last); returns the replay.
    @discardableResult
    func assertReplayAndCheckRefuse(_ trace: String, saying message: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let r = try Swrr.replay(trace)
        assertClean(r, file: file, line: line)
        XCTAssertEqual(r.status, ReplayStatus.badTrace, "\(r)", file: file, line: line)
        XCTAssertTrue(r.stderrLines.last?.contains(message) ?? false, "replay: \(r)", file: file, line: line)
        let c = try check(trace)
        XCTAssertEqual(c.status, ReplayStatus.badTrace, "\(c)", file: file, line: line)
        XCTAssertTrue(c.stderrText.contains(message), "check: \(c)", file: file, line: line)
        XCTAssertTrue(c.stderrLines.last?.hasSuffix(": damaged (1 problem)") ?? false, "check: \(c)", file: file, line: line)
        return r
    }

    func testIntactTraceChecksAndTheCopyIsChecked() throws {
        let (trace, recording) = try copyOfTrace()
        let r = try check(trace)
        XCTAssertEqual(r.status, 0, "\(r)")
        let files = try FileManager.default.contentsOfDirectory(atPath: trace + "/files").count
        XCTAssertTrue(r.stderrText.contains("intact: "), "\(r)")
        XCTAssertTrue(r.stderrText.contains("\(files) kept files match their checksums; the recording is complete (wait status 0)"), "\(r)")
        try assertReplaysIdentically(Recording(trace: trace, result: recording.result))
    }

    /// 64 flipped bytes inside the kept libc (replayed with status 0 and no message before).
    func testFlippedBytesInAKeptLibraryAreNamed() throws {
        let (trace, _) = try copyOfTrace()
        let libc = try keptFile(trace, containing: "libc.so")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: libc))
        for i in 400_000..<400_064 { bytes[i] ^= 0x5a }
        try FileManager.default.removeItem(atPath: libc)
        try bytes.write(to: URL(fileURLWithPath: libc))
        let name = "files/" + URL(fileURLWithPath: libc).lastPathComponent

        let r = try assertReplayAndCheckRefuse(trace, saying: "libc.so.6 ('\(name)') is damaged: its CRC-32 is 0x")
        XCTAssertEqual(r.stdout, Data(), "nothing of the program ran: \(r)")
        XCTAssertTrue(r.stderrLines.last?.hasPrefix("swrr: the trace's copy of /") ?? false, "\(r)")
        let pack = try Swrr.run(["pack", trace])
        assertClean(pack)
        XCTAssertEqual(pack.status, ReplayStatus.badTrace, "\(pack)")
        XCTAssertTrue(pack.stderrText.contains("('\(name)') is damaged"), "\(pack)")
        XCTAssertTrue(pack.stderrLines.last?.hasPrefix("swrr: pack refuses to change") ?? false, "\(pack)")
    }

    /// A kept file replaced by a link to a file outside the trace (here a stand-in for
    /// /etc/shadow): replay maps nothing through it.
    func testKeptFileLinkingOutsideIsRefused() throws {
        let (trace, _) = try copyOfTrace()
        let cache = try keptFile(trace, containing: "ld.so.cache")
        let secret = try makeTemporaryDirectory("secret") + "/shadow"
        try FileManager.default.copyItem(atPath: cache, toPath: secret)   // even the same bytes
        try FileManager.default.removeItem(atPath: cache)
        try FileManager.default.createSymbolicLink(atPath: cache, withDestinationPath: secret)
        let name = "files/" + URL(fileURLWithPath: cache).lastPathComponent

        let r = try assertReplayAndCheckRefuse(trace, saying: "'\(name)' in the trace '\(trace)' is a symbolic link")
        XCTAssertEqual(r.stderrLines.last, "swrr: '\(name)' in the trace '\(trace)' is a symbolic link: "
                       + "swrr reads and writes nothing outside a trace", "\(r)")
    }

    /// Bytes appended to `data` after its last chunk: everything replays, then the damage is
    /// reported (as for bytes after the end marker).
    func testBytesAfterTheLastDataChunkAreReported() throws {
        let (trace, recording) = try copyOfTrace()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: trace + "/data"))
        let size = try handle.seekToEnd()
        try handle.write(contentsOf: Data("appended by someone".utf8))
        try handle.close()
        let r = try assertReplayAndCheckRefuse(trace, saying: "19 unexpected bytes follow the last chunk")
        XCTAssertEqual(r.stdout, recording.result.stdout, "the whole recording replays before the end finds the damage")
        XCTAssertEqual(r.stderrLines.last, "swrr: the trace file '\(trace)/data' is damaged at offset \(size): 19 unexpected "
                       + "bytes follow the last chunk (the end marker says the data stream ends there)", "\(r)")
    }

    /// An end marker whose wait status is 0x7f (a stopped process, no exit): dump said
    /// "complete (127)"; now dump and replay call it damage, naming the status.
    func testEndMarkerWithAStatusNoProgramEndsWith() throws {
        let (trace, recording) = try copyOfTrace()
        // The rewriting itself is sound: the status the program really had still replays.
        try TraceChunkFile.setEndStatus(trace, 0)
        try assertReplaysIdentically(Recording(trace: trace, result: recording.result))

        try TraceChunkFile.setEndStatus(trace, 0x7f)
        let expected = "the end marker does not decode: wait status 0x7f is no exit status (it describes a stopped process)"
        let dump = try Swrr.run(["dump", trace])
        assertClean(dump)
        XCTAssertEqual(dump.status, ReplayStatus.badTrace, "\(dump)")
        XCTAssertFalse(dump.stdoutText.contains("# end: complete"), "\(dump.stdoutText.suffix(500))")
        XCTAssertTrue(dump.stdoutText.contains("exit_group("), "the events are still shown: \(dump.stdoutText.suffix(500))")
        XCTAssertTrue(dump.stderrLines.last?.contains(expected) ?? false, "\(dump)")
        try assertReplayAndCheckRefuse(trace, saying: expected)
    }
}
