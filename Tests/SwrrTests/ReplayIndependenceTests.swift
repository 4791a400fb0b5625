// A replay depends on the trace alone: not on the replaying process's stdin, environment or
// working directory, nor on where the trace directory lives, nor on the files the program read.
import Foundation
import SwrrTestSupport
import XCTest

final class ReplayIndependenceTests: XCTestCase {
    func testStdinComesFromTheTrace() throws {
        let dir = try makeTemporaryDirectory("stdin")
        let input = (0..<3000).map { "input line \($0)\n" }.joined()
        try input.write(toFile: dir + "/input", atomically: false, encoding: .utf8)
        let recording = try record(["/bin/cat"], expectedStatus: 0, stdin: dir + "/input")
        XCTAssertEqual(recording.result.stdoutText, input)
        try FileManager.default.removeItem(atPath: dir + "/input")
        // replay's stdin is /dev/null: the input must come from the trace
        try assertReplaysIdentically(recording)
    }

    func testEnvironmentAndDirectoryComeFromTheTrace() throws {
        let recordedIn = try makeTemporaryDirectory("recorded-in")
        let env = try record(["/usr/bin/env"], expectedStatus: 0, environment: ["SWRR_E2E_MARK": "recorded"],
                             directory: recordedIn)
        XCTAssertTrue(env.result.stdoutText.contains("SWRR_E2E_MARK=recorded\n"), env.result.stdoutText)
        let pwd = try record(["/bin/pwd", "-P"], expectedStatus: 0, directory: recordedIn)
        XCTAssertEqual(pwd.result.stdoutText, URL(fileURLWithPath: recordedIn).resolvingSymlinksInPath().path + "\n")

        for recording in [env, pwd] {
            let r = try Swrr.run(["replay", recording.trace], environment: ["SWRR_E2E_MARK": "replayed", "LANG": "C"],
                                 directory: "/")
            assertClean(r)
            XCTAssertEqual(r.status, 0, "\(r)")
            XCTAssertEqual(r.stdout, recording.result.stdout,
                           "replay with another environment and directory: " + firstDifference(recording.result.stdoutText, r.stdoutText))
        }
    }

    func testMovedTraceDirectory() throws {
        let work = try makeTemporaryDirectory("moved-work")
        let recording = try record([try Fixture.mmapFiles.executable(.o2Dynamic), work], expectedStatus: 0)
        let moved = try makeTemporaryDirectory("moved") + "/elsewhere"
        try FileManager.default.moveItem(atPath: recording.trace, toPath: moved)
        try assertReplaysIdentically(Recording(trace: moved, result: recording.result))
    }

    func testRecordedFilesChangedAfterwards() throws {
        let dir = try makeTemporaryDirectory("changed-input")
        try "original contents\n".write(toFile: dir + "/file", atomically: false, encoding: .utf8)
        let recording = try record(["/bin/cat", dir + "/file"], expectedStatus: 0)
        try "changed\n".write(toFile: dir + "/file", atomically: false, encoding: .utf8)
        let r = try assertReplaysIdentically(recording)
        XCTAssertEqual(r.stdoutText, "original contents\n")
    }
}
