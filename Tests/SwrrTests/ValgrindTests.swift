// valgrind recorded and replayed with the program it runs (Tests/Fixtures/under_valgrind.c).
// valgrind's guest inherits LD_PRELOAD, so swrr's preload library is loaded into it; valgrind keeps
// the guest's address space apart from its own, where swrr's stub page is, so the library must see
// it runs there (valgrind's RUNNING_ON_VALGRIND client request) and stay off: every syscall of the
// guest is then an ordinary recorded syscall of valgrind's. Before that, `valgrind -q true` died
// recorded with "Bad permissions for mapped region at address 0x70001010".
//
// Cost: `valgrind -q true` takes 0.3 s of CPU natively (median 0.60 s wall-clock at load 7-10),
// recorded 0.81 s and replayed 0.77 s (2,700 events); each test records once and replays once,
// the memcheck report twice: 6.5 s for the three at load 4-7.
import Foundation
import SwrrTestSupport
import XCTest

final class ValgrindTests: XCTestCase {
    func valgrind() throws -> String {
        guard let path = ExecutableSearch.find("valgrind") else {
            throw Subprocess.SpawnError(description: "valgrind is not installed (make deps installs it)")
        }
        return path
    }

    /// `text` with valgrind's `==PID==` line prefixes made `==PID==`, for comparing a native run's
    /// report with a recording's.
    func withoutPids(_ text: String) -> String {
        text.replacingOccurrences(of: "==[0-9]+==", with: "==PID==", options: .regularExpression)
    }

    func testValgrindTrue() throws {
        let recording = try timedRoundTrip([try valgrind(), "-q", "/bin/true"], label: "valgrind -q true",
                                           replays: 1)
        XCTAssertEqual(Swrr.programStderr(recording.result), Data(), "\(recording.result)")
        XCTAssertEqual(recording.result.stdout, Data())
    }

    /// memcheck's report of an uninitialised read and a leak is the native run's (PIDs aside) and
    /// replays byte for byte; the functions the library replaces, called by the program, add no
    /// error (the library's clearing of the stack below the stack pointer was one per call).
    func testMemcheckReportReplays() throws {
        let program = [try valgrind(), "-q", "--leak-check=full", "--error-exitcode=3",
                       try Fixture.underValgrind.executable(), "errors"]
        let native = try Subprocess.run(program)
        assertClean(native)
        XCTAssertEqual(native.status, 3, "native run: \(native)")
        let recording = try timedRoundTrip(program, label: "valgrind memcheck under_valgrind errors",
                                           expectedStatus: 3)
        XCTAssertEqual(recording.result.stdoutText,
                       "written by write(2)\nbranch 3, leaked, parent known 1, fstat 1\n")
        let report = String(decoding: Swrr.programStderr(recording.result), as: UTF8.self)
        assertContains(report, ["Conditional jump or move depends on uninitialised value(s)",
                                "branch_on_uninitialised (under_valgrind.c:",
                                "40 bytes in 1 blocks are definitely lost in loss record 1 of 1"], "memcheck's report")
        XCTAssertEqual(withoutPids(report), withoutPids(native.stderrText), "the recorded report is not the native one")
    }

    /// Four guest threads, which valgrind runs one at a time on its own lock (a pipe), recorded
    /// as valgrind's threads.
    func testThreadsUnderValgrind() throws {
        let recording = try timedRoundTrip([try valgrind(), "-q", try Fixture.underValgrind.executable(), "threads",
                                            "2000"], label: "valgrind under_valgrind threads 2000", replays: 1)
        XCTAssertEqual(recording.result.stdoutText, "total 20000, joined 100\n")
        XCTAssertEqual(Swrr.programStderr(recording.result), Data(), "\(recording.result)")
        let dump = try Swrr.run(["dump", recording.trace])
        assertClean(dump)
        let clones = dump.stdoutText.split(separator: "\n").filter { $0.contains(" clone(") }
        XCTAssertEqual(clones.count, 4, "valgrind's four threads for the guest's:\n\(clones.joined(separator: "\n"))")
    }
}
