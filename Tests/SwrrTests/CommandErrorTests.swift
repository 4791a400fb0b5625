// Errors of `swrr record` (issue 2, item 8): one clear `swrr: …` line, the documented status,
// nothing left running, nothing overwritten.
import Foundation
import SwrrTestSupport
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

    /// Records the `unsupported` fixture in `mode` and checks the recording stopped at once, with a
    /// `swrr: recording stopped…` line that `names` accepts, and that its trace replays safely.
    func checkUnsupported(_ mode: String, _ variant: Variant, names: (String) -> Bool,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let exe = try Fixture.unsupported.executable(variant)
        let trace = try makeTemporaryDirectory() + "/trace"
        let r = try Swrr.record([exe, mode], to: trace)
        assertClean(r, file: file, line: line)
        XCTAssertNotEqual(r.status, 0, "\(r)", file: file, line: line)
        XCTAssertNil(r.signal, "\(r)", file: file, line: line)
        let stopped = r.stderrLines.first { $0.hasPrefix("swrr: recording stopped") } ?? ""
        XCTAssertTrue(names(stopped), "the message should name the unsupported \(mode): \(r)", file: file, line: line)
        XCTAssertEqual(r.stdoutText, "before\n", "the program went on after the unsupported \(mode)", file: file, line: line)
        try assertStoppedTraceReplaysSafely(trace, recorded: r, file: file, line: line)
    }

    func testUnsupportedSyscallStopsRecording() throws {
        try checkUnsupported("syscall", .o0Dynamic) { $0.contains("unsupported syscall get_thread_area (number 211)") }
    }

    func testUnsupportedIoctlStopsRecording() throws {
        try checkUnsupported("ioctl", .o2Static) {
            $0.contains("ioctl") && ($0.contains("TIOCGSERIAL") || $0.lowercased().contains("0x541e"))
        }
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
