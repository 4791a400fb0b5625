// The `swrr` executable as the tests drive it, temporary directories, and the central assertion:
// record a program, replay it, and compare.
import Foundation
import SwrrTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

enum Swrr {
    struct NotFound: Error, CustomStringConvertible {
        var description: String
    }

    /// Where `swrr` is: $SWRR_BIN, else next to the running test bundle (the build directory's
    /// debug or release folder), else the package's default build directory.
    static let executable: String? = BuiltProduct.path("swrr", overriddenBy: "SWRR_BIN")

    static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }

    static func path() throws -> String {
        guard let executable else {
            throw NotFound(description: "the swrr executable was not found next to the test bundle; "
                           + "run `swift build` first (make test does) or set SWRR_BIN")
        }
        return executable
    }

    /// `swrr ARGS…`.
    static func run(_ args: [String], environment: [String: String?] = [:], stdin: String = "/dev/null",
                    directory: String? = nil, timeout: TimeInterval = Subprocess.defaultTimeout) throws -> RunResult {
        try Subprocess.run([path()] + args, environment: environment, stdin: stdin, directory: directory,
                           timeout: timeout)
    }

    /// `swrr record -o TRACE -- PROGRAM…`.
    static func record(_ program: [String], to trace: String, environment: [String: String?] = [:],
                       stdin: String = "/dev/null", directory: String? = nil) throws -> RunResult {
        try run(["record", "-o", trace, "--"] + program, environment: environment, stdin: stdin, directory: directory)
    }

    /// `swrr replay [-q] TRACE`.
    static func replay(_ trace: String, quiet: Bool = false) throws -> RunResult {
        try run(["replay"] + (quiet ? ["-q"] : []) + [trace])
    }

    /// What the program wrote on stderr: swrr's own `swrr: …` lines removed.
    static func programStderr(_ r: RunResult) -> Data {
        let newline = UInt8(ascii: "\n"), prefix = Array("swrr: ".utf8)
        let lines = r.stderr.split(separator: newline, omittingEmptySubsequences: false)
        return Data(lines.filter { !$0.starts(with: prefix) }.joined(separator: [newline]))
    }
}

/// Exit statuses of `swrr replay` (see docs/CLI.md).
enum ReplayStatus {
    static let divergence: Int32 = 70
    static let endsEarly: Int32 = 75
    static let badTrace: Int32 = 66
}

/// A recording made by a test.
struct Recording {
    var trace: String
    var result: RunResult
}

extension XCTestCase {
    /// A fresh directory for this test, removed when the test ends.
    func makeTemporaryDirectory(_ prefix: String = "t") throws -> String {
        let dir = try TestDirectory.makeUnique(prefix: prefix)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Asserts that `r` finished by itself and left nothing running.
    func assertClean(_ r: RunResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.timedOut, "timed out: \(r)", file: file, line: line)
        XCTAssertEqual(r.leftovers, [], "processes left running: \(r)", file: file, line: line)
    }

    /// Records `program` into a new trace directory, checking the record run itself.
    func record(_ program: [String], expectedStatus: Int32? = nil, environment: [String: String?] = [:],
                stdin: String = "/dev/null", directory: String? = nil,
                file: StaticString = #filePath, line: UInt = #line) throws -> Recording {
        let trace = try makeTemporaryDirectory("trace") + "/trace"
        let r = try Swrr.record(program, to: trace, environment: environment, stdin: stdin, directory: directory)
        assertClean(r, file: file, line: line)
        XCTAssertNil(r.signal, "swrr record itself died: \(r)", file: file, line: line)
        XCTAssertTrue(r.stderrText.contains("swrr: recording to"), "no status line: \(r)", file: file, line: line)
        XCTAssertFalse(r.stderrText.contains("recording stopped"), "\(r)", file: file, line: line)
        if let expectedStatus {
            XCTAssertEqual(r.status, expectedStatus, "recorded exit status: \(r)", file: file, line: line)
        }
        XCTAssertTrue(Swrr.isDirectory(trace), "no trace directory at \(trace): \(r)", file: file, line: line)
        return Recording(trace: trace, result: r)
    }

    /// Replays `recording` and asserts the replay is indistinguishable from the recording: same
    /// stdout bytes, same program stderr bytes, same exit status, no divergence.
    @discardableResult
    func assertReplaysIdentically(_ recording: Recording, file: StaticString = #filePath,
                                  line: UInt = #line) throws -> RunResult {
        let r = try Swrr.replay(recording.trace)
        assertClean(r, file: file, line: line)
        XCTAssertFalse(r.stderrText.contains("divergence"), "replay diverged: \(r)", file: file, line: line)
        XCTAssertEqual(r.status, recording.result.status, "replay exit status: \(r)", file: file, line: line)
        XCTAssertNil(r.signal, "swrr replay itself died: \(r)", file: file, line: line)
        if r.stdout != recording.result.stdout {
            XCTFail("replay stdout differs from the recording's:\n"
                    + firstDifference(recording.result.stdoutText, r.stdoutText), file: file, line: line)
        }
        let recordedErr = Swrr.programStderr(recording.result), replayedErr = Swrr.programStderr(r)
        if recordedErr != replayedErr {
            XCTFail("replay stderr differs from the recording's:\n"
                    + firstDifference(String(decoding: recordedErr, as: UTF8.self),
                                      String(decoding: replayedErr, as: UTF8.self)), file: file, line: line)
        }
        return r
    }

    /// Records `program`, then replays it `replays` times, each identical to the recording.
    @discardableResult
    func assertRoundTrip(_ program: [String], expectedStatus: Int32? = nil, replays: Int = 2,
                         environment: [String: String?] = [:],
                         file: StaticString = #filePath, line: UInt = #line) throws -> Recording {
        let recording = try record(program, expectedStatus: expectedStatus, environment: environment,
                                   file: file, line: line)
        for _ in 0..<replays {
            try assertReplaysIdentically(recording, file: file, line: line)
        }
        return recording
    }
}

/// "line N: expected … / got …" for the first differing line of two texts.
func firstDifference(_ expected: String, _ actual: String) -> String {
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, b.count) {
        let x = i < a.count ? String(a[i]) : "<end>", y = i < b.count ? String(b[i]) : "<end>"
        if x != y { return "line \(i + 1): recorded \(x.debugDescription)\n         replayed \(y.debugDescription)" }
    }
    return "(same lines; the bytes differ: \(expected.utf8.count) vs \(actual.utf8.count))"
}
