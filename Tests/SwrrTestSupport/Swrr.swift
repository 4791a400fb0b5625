// The `swrr` executable as the tests drive it, temporary directories, and the central assertion:
// record a program, replay it, and compare (shared by every test target that runs swrr).
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

public enum Swrr {
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where `swrr` is: $SWRR_BIN, else next to the running test bundle (the build directory's
    /// debug or release folder), else the package's default build directory.
    public static let executable: String? = BuiltProduct.path("swrr", overriddenBy: "SWRR_BIN")

    public static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }

    public static func path() throws -> String {
        guard let executable else {
            throw NotFound(description: "the swrr executable was not found next to the test bundle; "
                           + "run `swift build` first (make test does) or set SWRR_BIN")
        }
        return executable
    }

    /// `swrr ARGS…`.
    public static func run(_ args: [String], environment: [String: String?] = [:], stdin: String = "/dev/null",
                           directory: String? = nil, timeout: TimeInterval = Subprocess.defaultTimeout) throws -> RunResult {
        try Subprocess.run([path()] + args, environment: environment, stdin: stdin, directory: directory,
                           timeout: timeout)
    }

    /// `swrr record -o TRACE -- PROGRAM…`.
    public static func record(_ program: [String], to trace: String, environment: [String: String?] = [:],
                              stdin: String = "/dev/null", directory: String? = nil,
                              timeout: TimeInterval = Subprocess.defaultTimeout) throws -> RunResult {
        try run(["record", "-o", trace, "--"] + program, environment: environment, stdin: stdin, directory: directory,
                timeout: timeout)
    }

    /// `swrr replay [-q] TRACE`.
    public static func replay(_ trace: String, quiet: Bool = false,
                              timeout: TimeInterval = Subprocess.defaultTimeout) throws -> RunResult {
        try run(["replay"] + (quiet ? ["-q"] : []) + [trace], timeout: timeout)
    }

    /// What the program wrote on stderr: swrr's own `swrr: …` lines removed.
    public static func programStderr(_ r: RunResult) -> Data {
        let newline = UInt8(ascii: "\n"), prefix = Array("swrr: ".utf8)
        let lines = r.stderr.split(separator: newline, omittingEmptySubsequences: false)
        return Data(lines.filter { !$0.starts(with: prefix) }.joined(separator: [newline]))
    }
}

/// Exit statuses of `swrr replay` (see docs/CLI.md).
public enum ReplayStatus {
    public static let divergence: Int32 = 70
    public static let endsEarly: Int32 = 75
    public static let badTrace: Int32 = 66
}

/// A recording made by a test.
public struct Recording {
    public var trace: String
    public var result: RunResult
    public init(trace: String, result: RunResult) {
        self.trace = trace
        self.result = result
    }

    /// True when replay run `r` ended by itself with the recorded status, stdout and program
    /// stderr (what `assertReplaysIdentically` asserts in detail).
    public func isReplayedIdentically(by r: RunResult) -> Bool {
        !r.timedOut && r.signal == nil && r.status == result.status && r.stdout == result.stdout
            && Swrr.programStderr(r) == Swrr.programStderr(result) && !r.stderrText.contains("divergence")
    }
}

extension XCTestCase {
    /// A fresh directory for this test, removed when the test ends.
    public func makeTemporaryDirectory(_ prefix: String = "t") throws -> String {
        let dir = try TestDirectory.makeUnique(prefix: prefix)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Asserts that `r` finished by itself and left nothing running.
    public func assertClean(_ r: RunResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.timedOut, "timed out: \(r)", file: file, line: line)
        XCTAssertEqual(r.leftovers, [], "processes left running: \(r)", file: file, line: line)
    }

    /// Asserts that `text` contains every string of `expected`.
    public func assertContains(_ text: String, _ expected: [String], _ what: String = "the output",
                        file: StaticString = #filePath, line: UInt = #line) {
        for e in expected where !text.contains(e) {
            XCTFail("\(what) lacks \(e.debugDescription):\n\(text.prefix(4000))", file: file, line: line)
        }
    }

    /// Records `program` into a new trace directory, checking the record run itself.
    public func record(_ program: [String], expectedStatus: Int32? = nil, environment: [String: String?] = [:],
                       stdin: String = "/dev/null", directory: String? = nil,
                       timeout: TimeInterval = Subprocess.defaultTimeout,
                       file: StaticString = #filePath, line: UInt = #line) throws -> Recording {
        let trace = try makeTemporaryDirectory("trace") + "/trace"
        let r = try Swrr.record(program, to: trace, environment: environment, stdin: stdin, directory: directory,
                                timeout: timeout)
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
    public func assertReplaysIdentically(_ recording: Recording, timeout: TimeInterval = Subprocess.defaultTimeout,
                                         file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let r = try Swrr.replay(recording.trace, timeout: timeout)
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
    public func assertRoundTrip(_ program: [String], expectedStatus: Int32? = nil, replays: Int = 2,
                                environment: [String: String?] = [:],
                                file: StaticString = #filePath, line: UInt = #line) throws -> Recording {
        let recording = try record(program, expectedStatus: expectedStatus, environment: environment,
                                   file: file, line: line)
        for _ in 0..<replays {
            try assertReplaysIdentically(recording, file: file, line: line)
        }
        return recording
    }

    /// Records `program`, replays it `replays` times (each replay identical to the recording, as
    /// `assertReplaysIdentically` checks) and prints a `timing:` line with how long recording and
    /// replays took (never asserted: speed is measured by the benchmarks). A replay that fails
    /// ends the series: the next ones would only repeat it. `replayTimeout` gives each replay's
    /// limit from the recording (default: `timeout`, the recording's).
    @discardableResult
    public func timedRoundTrip(_ program: [String], label: String, expectedStatus: Int32? = 0, replays: Int = 2,
                               environment: [String: String?] = [:], directory: String? = nil,
                               timeout: TimeInterval = Subprocess.defaultTimeout,
                               replayTimeout: ((Recording) -> TimeInterval)? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws -> Recording {
        let recording = try record(program, expectedStatus: expectedStatus, environment: environment,
                                   directory: directory, timeout: timeout, file: file, line: line)
        var times: [String] = []
        defer {
            print("timing: \(label): record " + String(format: "%.2f", recording.result.seconds) + " s, replays "
                  + (times.isEmpty ? "none" : times.joined(separator: ", ")))
        }
        // A recording that timed out or stopped has been reported; its replays would only repeat that.
        if recording.result.timedOut || recording.result.stderrText.contains("recording stopped") { return recording }
        for _ in 0..<replays {
            let r = try assertReplaysIdentically(recording, timeout: replayTimeout?(recording) ?? timeout,
                                                 file: file, line: line)
            let same = recording.isReplayedIdentically(by: r)
            times.append(String(format: "%.2f s", r.seconds) + (same ? "" : " (failed)"))
            if !same { break }
        }
        return recording
    }
}

/// "line N: expected … / got …" for the first differing line of two texts.
public func firstDifference(_ expected: String, _ actual: String) -> String {
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, b.count) {
        let x = i < a.count ? String(a[i]) : "<end>", y = i < b.count ? String(b[i]) : "<end>"
        if x != y { return "line \(i + 1): recorded \(x.debugDescription)\n         replayed \(y.debugDescription)" }
    }
    return "(same lines; the bytes differ: \(expected.utf8.count) vs \(actual.utf8.count))"
}
