// A `swrr record` killed with SIGKILL (issue 2, item 5): the tracee dies with it, and the trace
// replays up to its last complete chunk, printing a prefix of what the program printed, then says
// it ended early (status 75).
import Foundation
import SwrrTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class KilledRecordingTests: XCTestCase {
    /// Reads the pid the syscall_loop fixture wrote, waiting up to `timeout` seconds for it.
    func waitForPid(_ pidfile: String, timeout: TimeInterval = 30) -> pid_t? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: pidfile, encoding: .utf8), text.hasSuffix("\n"),
               let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return pid
            }
            usleep(10_000)
        }
        return nil
    }

    func assertGone(_ pid: pid_t, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(10)
        while Subprocess.isRunning(pid) && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(Subprocess.isRunning(pid), "the recorded program (pid \(pid)) is still running", file: file, line: line)
    }

    func testSigkilledRecordingReplaysToItsEnd() throws {
        let exe = try Fixture.syscallLoop.executable(.o2Dynamic)
        let dir = try makeTemporaryDirectory("killed")
        let pidfile = dir + "/pid", trace = dir + "/trace"
        let child = try Subprocess.Child([Swrr.path(), "record", "-o", trace, "--", exe, "100000000", pidfile])
        let programPid = waitForPid(pidfile)
        XCTAssertNotNil(programPid, "the recorded program never wrote its pid")
        // Let it record a good number of events (at least 20,000 syscalls) before the kill.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && child.stdoutSoFar.filter({ $0 == UInt8(ascii: "\n") }).count < 20 {
            usleep(50_000)
        }
        child.kill(SIGKILL)
        let recorded = child.wait()
        XCTAssertEqual(recorded.signal, SIGKILL, "\(recorded)")
        XCTAssertEqual(recorded.leftovers, [], "processes left running after swrr was killed")
        if let programPid { assertGone(programPid) }
        let printed = recorded.stdoutText.split(separator: "\n").count
        XCTAssertGreaterThanOrEqual(printed, 20, "the program printed too little before the kill: \(recorded)")
        XCTAssertFalse(recorded.stdoutText.contains("syscall_loop:"), "the program finished before it was killed")

        for _ in 0..<2 {
            let r = try Swrr.replay(trace)
            assertClean(r)
            XCTAssertNil(r.signal, "\(r)")
            XCTAssertEqual(r.status, ReplayStatus.endsEarly, "\(r)")
            XCTAssertTrue(r.stderrLines.last?.hasPrefix("swrr: the trace ends early at event ") ?? false, "\(r)")
            XCTAssertTrue(r.stderrText.contains("(the recording was interrupted)"), "\(r)")
            XCTAssertTrue(recorded.stdout.starts(with: r.stdout),
                          "the replay printed what the recording did not:\n" + firstDifference(recorded.stdoutText, r.stdoutText))
            XCTAssertGreaterThan(r.stdout.count, 0,
                                 "nothing replayed of a trace with \(printed) lines of output: no chunk was complete")
        }
    }

    /// Killed at arbitrary early moments, even before the trace is complete enough to replay:
    /// replay either ends early or rejects the trace, and never hangs.
    func testSigkilledAtEarlyMoments() throws {
        let exe = try Fixture.syscallLoop.executable(.o0Static)
        for delay: UInt32 in [0, 5_000, 30_000, 150_000, 500_000] {
            let dir = try makeTemporaryDirectory("killed-early")
            let trace = dir + "/trace"
            let child = try Subprocess.Child([Swrr.path(), "record", "-o", trace, "--", exe, "100000000", dir + "/pid"])
            usleep(delay)
            child.kill(SIGKILL)
            let recorded = child.wait()
            XCTAssertEqual(recorded.leftovers, [], "killed after \(delay) µs: processes left running")
            if let pid = waitForPid(dir + "/pid", timeout: 0.1) { assertGone(pid) }
            guard FileManager.default.fileExists(atPath: trace) else { continue }
            let r = try Swrr.replay(trace)
            assertClean(r)
            XCTAssertNil(r.signal, "killed after \(delay) µs: \(r)")
            XCTAssertTrue([ReplayStatus.endsEarly, ReplayStatus.badTrace].contains(r.status), "killed after \(delay) µs: \(r)")
            XCTAssertTrue(r.stderrLines.last?.hasPrefix("swrr: ") ?? false, "killed after \(delay) µs: \(r)")
            XCTAssertTrue(recorded.stdout.starts(with: r.stdout), "killed after \(delay) µs: replay printed more")
        }
    }
}

/// SIGTERM and SIGHUP to `swrr record` (issue 13): the program is killed, the trace finished with
/// an end marker saying why, and swrr exits with 128 + the signal; the trace then replays to that
/// point and says the recording was stopped there (status 75, not "interrupted").
extension KilledRecordingTests {
    func stopRecording(mode: String, signal sig: Int32, file: StaticString = #filePath, line: UInt = #line) throws {
        let name = sig == SIGTERM ? "SIGTERM" : "SIGHUP"
        let dir = try makeTemporaryDirectory("stopped-\(mode)")
        let pidfile = dir + "/pid", trace = dir + "/trace"
        let exe = try Fixture.stopWait.executable(.o0Dynamic)
        let child = try Subprocess.Child([Swrr.path(), "record", "-o", trace, "--", exe, mode, "25", pidfile])
        let programPid = waitForPid(pidfile)
        XCTAssertNotNil(programPid, "the recorded program never wrote its pid", file: file, line: line)
        usleep(300_000)   // into pause(), nanosleep() or the loop
        child.kill(sig)
        let recorded = child.wait()
        let what = "\(mode), \(name)"
        XCTAssertNil(recorded.signal, "\(what): swrr died of the signal: \(recorded)", file: file, line: line)
        XCTAssertEqual(recorded.status, 128 + sig, "\(what): \(recorded)", file: file, line: line)
        XCTAssertEqual(recorded.leftovers, [], "\(what): processes left running", file: file, line: line)
        if let programPid { assertGone(programPid, file: file, line: line) }
        XCTAssertEqual(recorded.stderrLines.last, "swrr: recording stopped: swrr record received \(name); the program "
                       + "was killed, and the trace replays up to that point", "\(what): \(recorded)", file: file, line: line)
        let lines = (1...25).map { "line \($0) of 25\n" }.joined()
        XCTAssertEqual(recorded.stdoutText, lines, "\(what)", file: file, line: line)

        for _ in 0..<2 {
            let r = try Swrr.replay(trace)
            assertClean(r, file: file, line: line)
            XCTAssertEqual(r.status, ReplayStatus.endsEarly, "\(what): \(r)", file: file, line: line)
            XCTAssertEqual(r.stdoutText, lines, "\(what): everything printed before the stop replays", file: file, line: line)
            let last = r.stderrLines.last ?? ""
            XCTAssertTrue(last.hasPrefix("swrr: the trace ends at event ")
                          && last.hasSuffix(": the recording stopped there: swrr record received \(name)"),
                          "\(what): \(r)", file: file, line: line)
        }
        let check = try Swrr.run(["check", trace])
        XCTAssertEqual(check.status, 0, "\(what): \(check)", file: file, line: line)
        XCTAssertTrue(check.stderrText.contains("the recording was stopped: swrr record received \(name)"),
                      "\(what): \(check)", file: file, line: line)
    }

    /// Blocked in pause(): the recorder waits in waitpid with no timer and must still notice.
    func testSigtermWhileTheProgramIsBlocked() throws { try stopRecording(mode: "pause", signal: SIGTERM) }
    func testSighupWhileTheProgramSleeps() throws { try stopRecording(mode: "sleep", signal: SIGHUP) }
    func testSigtermWhileTheProgramComputes() throws { try stopRecording(mode: "busy", signal: SIGTERM) }

    /// While the program makes syscalls as fast as it can: the replay prints what the recording
    /// printed, but for at most the write in flight when the recorder stopped.
    func testSighupWhileTheProgramMakesSyscalls() throws {
        let exe = try Fixture.syscallLoop.executable(.o2Dynamic)
        let dir = try makeTemporaryDirectory("stopped-loop")
        let trace = dir + "/trace"
        let child = try Subprocess.Child([Swrr.path(), "record", "-o", trace, "--", exe, "100000000", dir + "/pid"])
        XCTAssertNotNil(waitForPid(dir + "/pid"))
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && child.stdoutSoFar.filter({ $0 == UInt8(ascii: "\n") }).count < 5 { usleep(20_000) }
        child.kill(SIGHUP)
        let recorded = child.wait()
        XCTAssertEqual(recorded.status, 128 + SIGHUP, "\(recorded)")
        XCTAssertEqual(recorded.leftovers, [])
        let r = try Swrr.replay(trace)
        assertClean(r)
        XCTAssertEqual(r.status, ReplayStatus.endsEarly, "\(r)")
        XCTAssertTrue(r.stderrLines.last?.hasSuffix("the recording stopped there: swrr record received SIGHUP") ?? false, "\(r)")
        let recordedLines = recorded.stdoutText.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(recorded.stdout.starts(with: r.stdout), firstDifference(recorded.stdoutText, r.stdoutText))
        XCTAssertGreaterThanOrEqual(r.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).count,
                                    recordedLines.count - 1, "more than the write in flight is missing: \(r)")
    }
}

