// `swrr dump`, `swrr ls`, the default trace location and the `latest-trace` link.
import Foundation
import SwrrTestSupport
import XCTest

final class DumpAndListTests: XCTestCase {
    func dump(_ trace: String) throws -> RunResult {
        let r = try Swrr.run(["dump", trace])
        assertClean(r)
        XCTAssertEqual(r.status, 0, "\(r)")
        return r
    }

    func testDumpShowsSyscallsWithArguments() throws {
        let work = try makeTemporaryDirectory("dump-work")
        let recording = try record([try Fixture.syscallFamilies.executable(.o0Dynamic), work], expectedStatus: 0)
        let out = try dump(recording.trace).stdoutText
        // Comment lines (`# …`: the command, how the trace ends) aside, one line per event.
        let eventLines = out.split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertGreaterThan(eventLines.count, 100, out)
        XCTAssertTrue(eventLines.allSatisfy { $0.first.map { $0.isNumber || $0 == " " } ?? false },
                      "every event line should start with an event number:\n\(out.prefix(3000))")
        // (readlink's path is only shown when it was not buffered: buffered records keep no strings.)
        for expected in ["openat(", "open(\"small.txt\"", "read(", "getdents64(", "readlink(",
                         "newfstatat(", "statx(", "pipe2(", "ppoll(", "getrandom(", "mmap(", "exit_group("] {
            XCTAssertTrue(out.contains(expected), "dump lacks \(expected.debugDescription):\n\(out.prefix(6000))")
        }
        XCTAssertTrue(out.contains("= 12"), "the 12-byte read's result is missing")
        XCTAssertTrue(out.contains("AT_FDCWD"), "openat's dirfd should be shown as AT_FDCWD")
    }

    func testDumpShowsRdtscAndExit() throws {
        let recording = try record([try Fixture.nondeterminism.executable(.o2Static)], expectedStatus: 0)
        let out = try dump(recording.trace).stdoutText.lowercased()
        XCTAssertTrue(out.contains("rdtscp"), "dump lacks rdtscp:\n\(out.suffix(3000))")
        XCTAssertTrue(out.contains("rdtsc"), "dump lacks rdtsc")
        XCTAssertTrue(out.contains("exit"), "dump lacks the exit")
    }

    func testDumpShowsTheSignal() throws {
        let recording = try record([try Fixture.segv.executable(.o0Dynamic)], expectedStatus: 139)
        let out = try dump(recording.trace).stdoutText
        XCTAssertTrue(out.contains("SIGSEGV"), "dump lacks SIGSEGV:\n\(out.suffix(2000))")
    }

    func testDefaultLocationLatestLinkAndLs() throws {
        let traces = try makeTemporaryDirectory("trace-dir")
        let env: [String: String?] = ["SWRR_TRACE_DIR": traces]
        let first = try Swrr.run(["record", "--", try Fixture.exitCodes.executable(), "7"], environment: env)
        assertClean(first)
        XCTAssertEqual(first.status, 7, "\(first)")
        let second = try Swrr.run(["record", try Fixture.syscallLoop.executable(), "2000"], environment: env)
        assertClean(second)
        XCTAssertEqual(second.status, 0, "\(second)")

        let names = try FileManager.default.contentsOfDirectory(atPath: traces).sorted()
        let exitTrace = names.first { $0.hasPrefix("exit_codes-O0-dynamic-") }
        let loopTrace = names.first { $0.hasPrefix("syscall_loop-O0-dynamic-") }
        XCTAssertNotNil(exitTrace, "no exit_codes-… directory in \(names)")
        XCTAssertNotNil(loopTrace, "no syscall_loop-… directory in \(names)")
        XCTAssertTrue(names.contains("latest-trace"), "no latest-trace link in \(names)")
        if let loopTrace {
            XCTAssertTrue(first.stderrText.contains("swrr: recording to ") && second.stderrText.contains(loopTrace), "\(second)")
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: traces + "/latest-trace")
            XCTAssertEqual(URL(fileURLWithPath: target).lastPathComponent, loopTrace)
            let mode = (try FileManager.default.attributesOfItem(atPath: traces + "/" + loopTrace)[.posixPermissions] as? NSNumber)?.intValue
            XCTAssertEqual(mode, 0o700, "trace directories hold the environment and memory: mode 0700")
        }

        // replay and dump without an argument use the latest trace
        let replay = try Swrr.run(["replay"], environment: env)
        assertClean(replay)
        XCTAssertEqual(replay.status, 0, "\(replay)")
        XCTAssertEqual(replay.stdout, second.stdout)
        let dump = try Swrr.run(["dump"], environment: env)
        assertClean(dump)
        XCTAssertEqual(dump.status, 0, "\(dump)")
        XCTAssertTrue(dump.stdoutText.contains("getppid("), "\(dump.stdoutText.suffix(1000))")

        let ls = try Swrr.run(["ls"], environment: env)
        assertClean(ls)
        XCTAssertEqual(ls.status, 0, "\(ls)")
        for name in [exitTrace, loopTrace].compactMap({ $0 }) {
            XCTAssertTrue(ls.stdoutText.contains(name), "swrr ls does not list \(name):\n\(ls.stdoutText)")
        }
        XCTAssertTrue(ls.stdoutText.contains("exit_codes-O0-dynamic"), ls.stdoutText)
    }

    func testDefaultLocationUnderHome() throws {
        let home = try makeTemporaryDirectory("home")
        let env: [String: String?] = ["HOME": home, "SWRR_TRACE_DIR": nil]
        let r = try Swrr.run(["record", try Fixture.exitCodes.executable(), "3"], environment: env)
        assertClean(r)
        XCTAssertEqual(r.status, 3, "\(r)")
        let base = home + "/.local/share/swrr"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        XCTAssertTrue(names.contains { $0.hasPrefix("exit_codes-O0-dynamic-") }, "no trace under \(base): \(names)")
        XCTAssertTrue(names.contains("latest-trace"), "\(names)")
        let replay = try Swrr.run(["replay"], environment: env)
        assertClean(replay)
        XCTAssertEqual(replay.status, 3, "\(replay)")
        XCTAssertEqual(replay.stdoutText, "exiting with 3\n")
    }

    func testQuietReplayPrintsNothingOfTheProgram() throws {
        let recording = try record([try Fixture.nondeterminism.executable(.o0Dynamic)], expectedStatus: 0)
        let r = try Swrr.replay(recording.trace, quiet: true)
        assertClean(r)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdout, Data(), "replay -q echoed the program's stdout")
        XCTAssertEqual(Swrr.programStderr(r), Data(), "replay -q echoed the program's stderr")
    }

    func testRecordStatusLine() throws {
        let trace = try makeTemporaryDirectory() + "/trace"
        let r = try Swrr.record([try Fixture.exitCodes.executable(), "0"], to: trace)
        assertClean(r)
        XCTAssertTrue(r.stderrLines.contains { $0.hasPrefix("swrr: recording to \(trace) (tick source: ") }, "\(r)")
        XCTAssertEqual(r.stdoutText, "exiting with 0\n")
    }

    /// Names from the file system and from traces are shown with control characters escaped:
    /// a trace directory named with terminal escape sequences (a window title, a colour, a C1
    /// CSI, a bidi override) and a recorded argument holding some must not reach the terminal.
    func testLsAndDumpEscapeControlCharacters() throws {
        let traces = try makeTemporaryDirectory("escape-dir")
        let env: [String: String?] = ["SWRR_TRACE_DIR": traces]
        let evil = "\u{1b}]2;pwned\u{07}\u{1b}[31mred\u{9b}2J\u{202e}txt"
        let r = try Swrr.run(["record", "--", try Fixture.exitCodes.executable(), "0", evil], environment: env)
        assertClean(r)
        XCTAssertEqual(r.status, 0, "\(r)")
        let names = try FileManager.default.contentsOfDirectory(atPath: traces).filter { $0.hasPrefix("exit_codes") }
        let original = try XCTUnwrap(names.first, "\(names)")
        try FileManager.default.moveItem(atPath: traces + "/" + original, toPath: traces + "/trace" + evil)

        let escaped = "\\x1b]2;pwned\\x07\\x1b[31mred\\u{9b}2J\\u{202e}txt"
        let ls = try Swrr.run(["ls"], environment: env)
        assertClean(ls)
        XCTAssertEqual(ls.status, 0, "\(ls)")
        let bad: [UInt8] = [0x1b, 0x07]
        XCTAssertFalse(ls.stdout.contains { bad.contains($0) }, "control bytes reached the terminal: \(ls.stdoutText.debugDescription)")
        XCTAssertFalse(ls.stdoutText.unicodeScalars.contains { $0.value == 0x9b || $0.value == 0x202e }, ls.stdoutText.debugDescription)
        XCTAssertTrue(ls.stdoutText.contains("trace" + escaped + " "), "the name, escaped: \(ls.stdoutText)")
        XCTAssertTrue(ls.stdoutText.contains(" 0 " + escaped + "\n"), "the command line, escaped: \(ls.stdoutText)")

        let dump = try Swrr.run(["dump", traces + "/trace" + evil])
        assertClean(dump)
        XCTAssertEqual(dump.status, 0, "\(dump)")
        XCTAssertFalse(dump.stdout.contains { bad.contains($0) }, dump.stdoutText.debugDescription)
        XCTAssertTrue(dump.stdoutText.hasPrefix("# \(try Fixture.exitCodes.executable()) 0 \(escaped)  ("), dump.stdoutText)
        // swrr's own messages naming such a path escape it too.
        let missing = try Swrr.run(["replay", traces + "/nothing" + evil])
        XCTAssertEqual(missing.status, ReplayStatus.badTrace, "\(missing)")
        XCTAssertFalse(missing.stderr.contains { bad.contains($0) }, missing.stderrText.debugDescription)
        XCTAssertTrue(missing.stderrText.contains("nothing" + escaped), missing.stderrText)
    }
}

