// Errors of `swrr record` (issue 2, item 8): one clear `swrr: …` line, the documented status,
// nothing left running, nothing overwritten.
import Foundation
import XCTest

final class CommandErrorTests: XCTestCase {
    /// Asserts `r` failed with `status` and a `swrr: ` line containing `message`.
    func assertFails(_ r: RunResult, status: Int32, message: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        assertClean(r, file: file, line: line)
        XCTAssertEqual(r.status, status, "\(r)", file: file, line: line)
        XCTAssertNil(r.signal, "swrr crashed: \(r)", file: file, line: line)
        XCTAssertTrue(r.stderrLines.contains { $0.hasPrefix("swrr: ") && $0.contains(message) },
                      "expected a `swrr: …\(message)…` line: \(r)", file: file, line: line)
    }

    func testMissingProgramByPath() throws {
        let trace = try makeTemporaryDirectory() + "/trace"
        let r = try Swrr.record(["/nonexistent/swrr-no-such-program", "arg"], to: trace)
        assertFails(r, status: 127, message: "cannot record /nonexistent/swrr-no-such-program")
    }

    func testMissingProgramOnPath() throws {
        let trace = try makeTemporaryDirectory() + "/trace"
        let r = try Swrr.record(["swrr-no-such-program-on-path"], to: trace)
        assertFails(r, status: 127, message: "cannot record swrr-no-such-program-on-path")
    }

    func testNonExecutableFile() throws {
        let dir = try makeTemporaryDirectory()
        let program = dir + "/not-executable"
        try "#!/bin/sh\necho hi\n".write(toFile: program, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: program)
        let r = try Swrr.record([program], to: dir + "/trace")
        assertFails(r, status: 126, message: "cannot record \(program)")
    }

    func testDirectoryAsProgram() throws {
        let dir = try makeTemporaryDirectory()
        let r = try Swrr.record([dir], to: dir + "/trace")
        assertFails(r, status: 126, message: "cannot record \(dir)")
    }

    func testExistingOutputDirectoryIsRefusedAndKept() throws {
        let dir = try makeTemporaryDirectory()
        let existing = dir + "/existing"
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: false)
        try "keep me".write(toFile: existing + "/precious", atomically: false, encoding: .utf8)
        let marker = dir + "/marker"
        let r = try Swrr.record(["/bin/touch", marker], to: existing)
        assertClean(r)
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertNil(r.signal, "\(r)")
        XCTAssertTrue(r.stderrLines.contains { $0.hasPrefix("swrr: ") && $0.contains(existing) }, "\(r)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the program ran although the trace directory exists")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: existing), ["precious"])
        XCTAssertEqual(try String(contentsOfFile: existing + "/precious", encoding: .utf8), "keep me")
    }

    func testUnsupportedSyscallStopsRecording() throws {
        let exe = try Fixture.unsupported.executable()
        let trace = try makeTemporaryDirectory() + "/trace"
        let r = try Swrr.record([exe, "syscall"], to: trace)
        assertClean(r)
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertNil(r.signal, "\(r)")
        let stopped = r.stderrLines.first { $0.hasPrefix("swrr: recording stopped") } ?? ""
        XCTAssertTrue(stopped.contains("unsupported syscall syslog (number 103)"), "the message should name the syscall: \(r)")
        XCTAssertEqual(r.stdoutText, "before\n", "the program went on after the unsupported syscall")
        try assertStoppedTraceReplaysSafely(trace, recorded: r)
    }

    func testUnsupportedIoctlStopsRecording() throws {
        let exe = try Fixture.unsupported.executable(.o2Static)
        let trace = try makeTemporaryDirectory() + "/trace"
        let r = try Swrr.record([exe, "ioctl"], to: trace)
        assertClean(r)
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertNil(r.signal, "\(r)")
        let stopped = r.stderrLines.first { $0.hasPrefix("swrr: recording stopped") } ?? ""
        XCTAssertTrue(stopped.contains("ioctl") && (stopped.contains("TIOCGSERIAL") || stopped.lowercased().contains("0x541e")),
                      "the message should name the ioctl: \(r)")
        XCTAssertEqual(r.stdoutText, "before\n", "the program went on after the unsupported ioctl")
        try assertStoppedTraceReplaysSafely(trace, recorded: r)
    }

    /// A trace whose recording was stopped never replays past the point where it stopped.
    func assertStoppedTraceReplaysSafely(_ trace: String, recorded: RunResult,
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        guard Swrr.isDirectory(trace) else { return }   // not writing one at all is fine too
        let r = try Swrr.replay(trace)
        assertClean(r, file: file, line: line)
        XCTAssertNil(r.signal, "\(r)", file: file, line: line)
        XCTAssertNotEqual(r.status, 0, "a stopped recording replayed as if complete: \(r)", file: file, line: line)
        XCTAssertTrue(recorded.stdout.starts(with: r.stdout), "replay printed more than the recording: \(r.stdoutText)",
                      file: file, line: line)
    }

    func testUnknownSubcommandAndMissingArguments() throws {
        for args in [["no-such-subcommand"], ["record"], ["record", "-o"]] {
            let r = try Swrr.run(args)
            assertClean(r)
            XCTAssertNotEqual(r.status, 0, "\(r)")
            XCTAssertNil(r.signal, "\(r)")
            XCTAssertFalse(r.stderr.isEmpty, "no message for swrr \(args): \(r)")
        }
    }
}
