// Real programs from the system, as users run them.
import Foundation
import SwrrTestSupport
import XCTest

final class SystemProgramTests: XCTestCase {
    func testLsLaEtc() throws {
        let recording = try assertRoundTrip(["/bin/ls", "-la", "/etc"], expectedStatus: 0)
        XCTAssertTrue(recording.result.stdoutText.contains("passwd"), "\(recording.result.stdoutText)")
    }

    func testCatOfAFile() throws {
        // Large enough for several read(2) calls of cat's buffer.
        let dir = try makeTemporaryDirectory("cat")
        let text = (0..<20_000).map { "line \($0) of a file for cat\n" }.joined()
        try text.write(toFile: dir + "/input.txt", atomically: false, encoding: .utf8)
        let recording = try assertRoundTrip(["/bin/cat", dir + "/input.txt"], expectedStatus: 0)
        XCTAssertEqual(recording.result.stdoutText, text)
    }

    func testCatOfAMissingFileFails() throws {
        let recording = try assertRoundTrip(["/bin/cat", "/nonexistent/swrr-test"], expectedStatus: 1)
        XCTAssertTrue(recording.result.stderrText.contains("No such file"), "\(recording.result)")
    }

    func testPythonRandomAndTime() throws {
        let python = try pythonPath()
        let program = [python, "-c", "import random,time; print(random.random(), time.time())"]
        let native1 = try Subprocess.run(program), native2 = try Subprocess.run(program)
        XCTAssertEqual(native1.status, 0, "\(native1)")
        XCTAssertNotEqual(native1.stdout, native2.stdout, "python printed the same random number twice")
        let recording = try assertRoundTrip(program, expectedStatus: 0)
        let fields = recording.result.stdoutText.split(separator: " ")
        XCTAssertEqual(fields.count, 2, "\(recording.result.stdoutText)")
        XCTAssertNotEqual(recording.result.stdout, native1.stdout)
    }

    /// /usr/bin/python3 (a real executable), else whatever `which python3` finds.
    func pythonPath() throws -> String {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") { return "/usr/bin/python3" }
        let which = try Subprocess.run(["which", "python3"])
        let path = which.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard which.status == 0, !path.isEmpty else {
            throw Subprocess.SpawnError(description: "python3 is not installed (make deps installs it)")
        }
        return path
    }
}
