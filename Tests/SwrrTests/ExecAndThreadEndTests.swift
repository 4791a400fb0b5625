// Exec in a multi-threaded process and threads that end under the recorder (issue 12,
// Tests/Fixtures/exec_threads.c and thread_exits.c). An exec by the leader or by another thread
// ends the threads blocked in epoll_wait and a futex wait and the one spinning, and the exec'ing
// thread takes the leader's tid; exit_group and SIGKILL end processes whose threads wait or run.
// Each is recorded and replayed twice with identical output and status, in a dynamic -O0 and a
// static -O2 build.
import Foundation
import SwrrTestSupport
import XCTest

final class ExecAndThreadEndTests: XCTestCase {
    // MARK: exec with other threads alive

    func checkExec(_ by: String, _ variant: Variant) throws {
        let recording = try timedRoundTrip(.execThreads, [by], variant, expectedStatus: 7)
        let out = recording.result.stdoutText
        let execLine = lines(startingWith: "\(by) execs: pid ", in: out)
        let childLine = lines(startingWith: "child: pid ", in: out)
        XCTAssertEqual(execLine.count, 1, out)
        XCTAssertEqual(childLine.count, 1, out)
        let e = try XCTUnwrap(execLine.first, out).split(separator: " ")
        let c = try XCTUnwrap(childLine.first, out).split(separator: " ")
        guard e.count > 5, c.count > 6 else { return XCTFail("the exec and child lines lack fields: \(out)") }
        // "<by> execs: pid P tid T at …" then "child: pid P (was P) tid P at …": the new image
        // runs as the process's leader, whichever thread exec'd.
        let pid = e[3]
        XCTAssertEqual(c[2], pid, out)
        XCTAssertEqual(c[4], pid + ")", out)
        XCTAssertEqual(c[6], pid, out)
        if by == "thread" { XCTAssertNotEqual(e[5], pid, "the exec'ing thread is not the leader: \(out)") }
        let dump = try Swrr.run(["dump", recording.trace])
        assertClean(dump)
        let events = dump.stdoutText.split(separator: "\n").map(String.init)
        // The exec event names the thread that called execve; the exits of the three threads it
        // ended follow it, before anything else of the process.
        guard let execIndex = events.lastIndex(where: { $0.contains(" exec \"") }) else {
            return XCTFail("no second exec in:\n\(dump.stdoutText)")
        }
        XCTAssertTrue(events[execIndex].contains("[\(e[5])] exec"), events[execIndex])
        let after = events[(execIndex + 1)...].prefix(3)
        XCTAssertEqual(after.filter { $0.contains("exit: exited with status 0") }.count, 3,
                       after.joined(separator: "\n"))
    }

    func testExecByLeaderO0Dynamic() throws { try checkExec("leader", .o0Dynamic) }
    func testExecByLeaderO2Static() throws { try checkExec("leader", .o2Static) }
    func testExecByThreadO0Dynamic() throws { try checkExec("thread", .o0Dynamic) }
    func testExecByThreadO2Static() throws { try checkExec("thread", .o2Static) }

    // MARK: threads ending while others run

    func testExitGroupWithWaitingAndSpinningThreads() throws {
        for variant in [Variant.o0Dynamic, .o2Static] {
            let recording = try timedRoundTrip(.threadExits, ["exit-group"], variant)
            XCTAssertEqual(recording.result.stdoutText,
                           (0..<10).map { "child \($0): exited \($0)\n" }.joined())
        }
    }

    func testSigkilledProcessesWithThreads() throws {
        for variant in [Variant.o0Dynamic, .o2Static] {
            let recording = try timedRoundTrip(.threadExits, ["sigkill"], variant)
            XCTAssertEqual(recording.result.stdoutText,
                           (0..<10).map { "child \($0): killed by signal 9\n" }.joined())
        }
    }

    func testFiftyThreadsExitingAndJoined() throws {
        for variant in [Variant.o0Dynamic, .o2Static] {
            let recording = try timedRoundTrip(.threadExits, ["exits"], variant)
            XCTAssertEqual(recording.result.stdoutText, "50 threads exited and joined, sum 3675 (expected 3675)\n")
        }
    }

    func testLeaderEndsBeforeItsThreads() throws {
        for variant in [Variant.o0Dynamic, .o2Static] {
            let recording = try timedRoundTrip(.threadExits, ["leader-exits"], variant, expectedStatus: 5)
            XCTAssertEqual(recording.result.stdoutText, "the leader leaves\nthe last thread ends the process\n")
        }
    }
}
