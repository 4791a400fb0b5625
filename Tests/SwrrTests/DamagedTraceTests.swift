// Damaged, truncated, foreign and newer-format traces (issue 2, item 8): `swrr replay` says so in
// one `swrr: …` line with a distinct status (75 for a trace that ends early, 66 for one it cannot
// read), never crashes, hangs or leaves a process behind; what it replays of a truncated trace is
// a prefix of what was recorded. `swrr dump` must survive the same traces.
import Foundation
import SwrrTestSupport
import XCTest

final class DamagedTraceTests: XCTestCase {
    /// One recording per test process that the tests copy and then damage.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared: Recording?

    func sharedRecording() throws -> Recording {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        if let shared = Self.shared { return shared }
        let exe = try Fixture.syscallFamilies.executable(.o0Dynamic)
        let work = try TestDirectory.makeUnique(prefix: "damage-work")
        let trace = try TestDirectory.makeUnique(prefix: "damage-source") + "/trace"
        let r = try Swrr.record([exe, work], to: trace)
        guard r.status == 0, !r.timedOut, Swrr.isDirectory(trace) else {
            throw Subprocess.SpawnError(description: "cannot record the trace to damage: \(r)")
        }
        Self.shared = Recording(trace: trace, result: r)
        return Self.shared!
    }

    /// A copy of the shared trace that the test may damage.
    func copyOfTrace() throws -> (trace: String, recording: Recording) {
        let recording = try sharedRecording()
        let copy = try makeTemporaryDirectory("damaged") + "/trace"
        try FileManager.default.copyItem(atPath: recording.trace, toPath: copy)
        return (copy, recording)
    }

    func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Replays (and dumps) a damaged trace and checks the outcome is one of `allowed`.
    @discardableResult
    func assertRejectedOrEndsEarly(_ trace: String, allowed: Set<Int32>, what: String, recording: Recording?,
                                   file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let r = try Swrr.replay(trace)
        assertClean(r, file: file, line: line)
        XCTAssertNil(r.signal, "\(what): swrr replay crashed: \(r)", file: file, line: line)
        XCTAssertTrue(allowed.contains(r.status), "\(what): status \(r.status), expected one of \(allowed.sorted()): \(r)",
                      file: file, line: line)
        XCTAssertTrue(r.stderrLines.last?.hasPrefix("swrr: ") ?? false,
                      "\(what): the last line on stderr should be swrr's explanation: \(r)", file: file, line: line)
        if r.status == ReplayStatus.endsEarly {
            XCTAssertTrue(r.stderrText.contains("the trace ends early at event"), "\(what): \(r)", file: file, line: line)
        }
        if let recording {
            XCTAssertTrue(recording.result.stdout.starts(with: r.stdout),
                          "\(what): the replay printed something the recording did not:\n"
                          + firstDifference(recording.result.stdoutText, r.stdoutText), file: file, line: line)
        }
        let dump = try Swrr.run(["dump", trace])
        assertClean(dump, file: file, line: line)
        XCTAssertNil(dump.signal, "\(what): swrr dump crashed: \(dump)", file: file, line: line)
        return r
    }

    /// Offsets to cut or flip a file of `size` bytes at: near the start, inside, near the end.
    func offsets(_ size: Int) -> [Int] {
        Array(Set([0, 1, 7, 8, 16, 20, 64, size / 4, size / 2, 3 * size / 4, size - 8, size - 1]
            .filter { $0 >= 0 && $0 < size })).sorted()
    }

    func checkCuts(_ file: String) throws {
        let probe = try copyOfTrace()
        let full = try size(probe.trace + "/" + file)
        XCTAssertGreaterThan(full, 0, "the trace has no \(file) file")
        for offset in offsets(full) {
            let (trace, recording) = try copyOfTrace()
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: trace + "/" + file))
            try handle.truncate(atOffset: UInt64(offset))
            try handle.close()
            try assertRejectedOrEndsEarly(trace, allowed: [ReplayStatus.endsEarly, ReplayStatus.badTrace],
                                          what: "\(file) cut at \(offset) of \(full)", recording: recording)
        }
    }

    func testEventsCutAtSeveralOffsets() throws { try checkCuts("events") }
    func testDataCutAtSeveralOffsets() throws { try checkCuts("data") }

    func testHeaderCut() throws {
        let probe = try copyOfTrace()
        let full = try size(probe.trace + "/header")
        for offset in [0, 4, 8, 12, 19, full / 2, full - 1] where offset < full {
            let (trace, _) = try copyOfTrace()
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: trace + "/header"))
            try handle.truncate(atOffset: UInt64(offset))
            try handle.close()
            try assertRejectedOrEndsEarly(trace, allowed: [ReplayStatus.badTrace],
                                          what: "header cut at \(offset) of \(full)", recording: nil)
        }
    }

    func flip(_ path: String, at offset: Int) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[offset] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    func checkFlips(_ file: String, allowed: Set<Int32>) throws {
        let probe = try copyOfTrace()
        let full = try size(probe.trace + "/" + file)
        for offset in [full / 3, full / 2, full - 2] where offset >= 0 && offset < full {
            let (trace, recording) = try copyOfTrace()
            try flip(trace + "/" + file, at: offset)
            try assertRejectedOrEndsEarly(trace, allowed: allowed, what: "\(file) byte \(offset) of \(full) flipped",
                                          recording: recording)
        }
    }

    func testFlippedBytesInEvents() throws { try checkFlips("events", allowed: [ReplayStatus.badTrace]) }
    func testFlippedBytesInData() throws { try checkFlips("data", allowed: [ReplayStatus.badTrace]) }
    func testFlippedBytesInHeader() throws { try checkFlips("header", allowed: [ReplayStatus.badTrace]) }

    func testFlippedMagic() throws {
        let (trace, _) = try copyOfTrace()
        try flip(trace + "/header", at: 0)
        try assertRejectedOrEndsEarly(trace, allowed: [ReplayStatus.badTrace], what: "header magic", recording: nil)
    }

    func testMissingStreams() throws {
        for file in ["header", "events", "data"] {
            let (trace, _) = try copyOfTrace()
            try FileManager.default.removeItem(atPath: trace + "/" + file)
            try assertRejectedOrEndsEarly(trace, allowed: [ReplayStatus.badTrace], what: "no \(file) file", recording: nil)
        }
    }

    func testForeignDirectoriesAndFiles() throws {
        let dir = try makeTemporaryDirectory("foreign")
        let empty = dir + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        try assertRejectedOrEndsEarly(empty, allowed: [ReplayStatus.badTrace], what: "empty directory", recording: nil)

        let junk = dir + "/junk"
        try FileManager.default.createDirectory(atPath: junk, withIntermediateDirectories: false)
        for name in ["header", "events", "data"] {
            try "this is not a swrr trace\n".write(toFile: junk + "/" + name, atomically: false, encoding: .utf8)
        }
        try assertRejectedOrEndsEarly(junk, allowed: [ReplayStatus.badTrace], what: "directory of text files", recording: nil)

        let random = dir + "/random"
        try FileManager.default.createDirectory(atPath: random, withIntermediateDirectories: false)
        for name in ["header", "events", "data"] {
            var bytes = Data(count: 4096)
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
            bytes.replaceSubrange(0..<8, with: Array("SWRRHDR1".utf8))
            try bytes.write(to: URL(fileURLWithPath: random + "/" + name))
        }
        try assertRejectedOrEndsEarly(random, allowed: [ReplayStatus.badTrace], what: "right magic, random bytes",
                                      recording: nil)

        let file = dir + "/a-file"
        try "not a directory".write(toFile: file, atomically: false, encoding: .utf8)
        try assertRejectedOrEndsEarly(file, allowed: [ReplayStatus.badTrace], what: "a regular file", recording: nil)

        try assertRejectedOrEndsEarly(dir + "/does-not-exist", allowed: [ReplayStatus.badTrace],
                                      what: "a missing path", recording: nil)
    }

    func testNewerFormatVersion() throws {
        let (trace, _) = try copyOfTrace()
        let version = try TraceHeaderFile.bumpVersion(trace + "/header")
        let r = try assertRejectedOrEndsEarly(trace, allowed: [ReplayStatus.badTrace], what: "format version \(version)",
                                              recording: nil)
        XCTAssertTrue(r.stderrText.contains("newer"), "the message should say the format is newer: \(r)")
        XCTAssertTrue(r.stderrText.contains("version \(version)"), "the message should name the version: \(r)")
    }
}

extension DamagedTraceTests {
    /// The copies of mapped files are part of the trace: without them it cannot replay.
    func testMissingMappedFileCopies() throws {
        let (trace, _) = try copyOfTrace()
        let files = trace + "/files"
        let names = try FileManager.default.contentsOfDirectory(atPath: files)
        XCTAssertFalse(names.isEmpty, "the trace keeps no copies of mapped files")
        for name in names { try FileManager.default.removeItem(atPath: files + "/" + name) }
        try assertRejectedOrEndsEarly(trace, allowed: [ReplayStatus.badTrace], what: "files/ emptied", recording: nil)
    }

    /// A copy cut short (a damaged disk, a careless edit): replay must stop cleanly, never crash.
    func testTruncatedMappedFileCopies() throws {
        let (trace, _) = try copyOfTrace()
        let files = trace + "/files"
        for name in try FileManager.default.contentsOfDirectory(atPath: files) {
            let path = files + "/" + name
            // Break the hard link first: the original file must stay intact.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try FileManager.default.removeItem(atPath: path)
            try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: path))
        }
        try assertRejectedOrEndsEarly(trace, allowed: [ReplayStatus.badTrace, ReplayStatus.divergence],
                                      what: "files/ copies cut to a third", recording: nil)
    }
}
