// Reverse execution through real gdb (batch mode) against `swrr replay --gdb-port`, on
// Tests/Fixtures/gdb/loop.c: reverse-continue, reverse-stepi, reverse-next, reverse-finish,
// reverse-step, watchpoints backwards, and bt / print / info registers at the places they land.
import SwrrTestSupport
import XCTest

final class GDBReverseTests: XCTestCase {
    func testReverseContinueGoesBackOneIterationAtATimeThenToTheStart() throws {
        let body = try GDBFixture.line("body")
        let out = try GDBFixture.batch([
            "break loop.c:\(body)", "continue", "continue", "continue", "print iter",
            "reverse-continue", "print iter", "print counter",
            "reverse-continue", "print iter",
            "reverse-continue", "monitor when",
            "continue", "print iter", "continue", "print iter",
        ])
        XCTAssertTrue(out.contains("$1 = 2\n"), out)
        XCTAssertEqual(out.components(separatedBy: "Breakpoint 1, main () at ").count - 1, 7, out)
        XCTAssertTrue(out.contains("$2 = 1\n$3 = 1\n"), "iteration 1, counter written by iteration 0: \(out)")
        XCTAssertTrue(out.contains("$4 = 0\n"), out)
        XCTAssertTrue(out.contains("No more reverse-execution history."), out)
        XCTAssertTrue(out.contains("Current event: 1\n"), out)
        XCTAssertTrue(out.contains("$5 = 0\n") && out.contains("$6 = 1\n"), "forward again from the start: \(out)")
    }

    func testReverseStepiGivesThePreviousInstruction() throws {
        let body = try GDBFixture.line("body")
        let rec = try GDBFixture.recording()
        let address = try GDBFixture.address(ofLine: body, in: rec.executable)
        let next = try GDBFixture.nextInstruction(after: address, in: rec.executable)
        let out = try GDBFixture.batch([
            "break loop.c:\(body)", "continue", "continue", "stepi", "stepi", "info registers rip",
            "reverse-stepi", "info registers rip", "reverse-stepi", "info registers rip", "print iter",
        ])
        let rips = out.split(separator: "\n").filter { $0.hasPrefix("rip ") }.map { String($0.split(separator: " ")[1]) }
        XCTAssertEqual(rips.count, 3, out)
        if rips.count == 3 {
            XCTAssertEqual(rips[1], "0x\(String(next, radix: 16))", out)
            XCTAssertEqual(rips[2], "0x\(String(address, radix: 16))", out)
        }
        XCTAssertTrue(out.contains("$1 = 1\n"), out)
    }

    func testReverseNextGoesBackOverTheCallLine() throws {
        let body = try GDBFixture.line("body")
        let out = try GDBFixture.batch([
            "break loop.c:\(body)", "continue", "continue", "next", "next", "info line *$pc",
            "reverse-next", "info line *$pc", "reverse-next", "info line *$pc", "print iter",
        ])
        let lines = out.split(separator: "\n").filter { $0.hasPrefix("Line ") }.map { String($0) }
        XCTAssertEqual(lines.count, 3, out)
        if lines.count == 3 {
            XCTAssertTrue(lines[1].hasPrefix("Line \(body + 1) of"), "back on the printf line: \(out)")
            XCTAssertTrue(lines[2].hasPrefix("Line \(body) of"), "back on the body line: \(out)")
        }
        XCTAssertTrue(out.contains("$1 = 1\n"), out)
    }

    func testWatchpointBackwardsStopsAtTheLastWrite() throws {
        let body = try GDBFixture.line("body")
        let out = try GDBFixture.batch([
            "break loop.c:\(body)", "continue", "continue", "continue", "delete",
            "watch -l counter", "reverse-continue", "print counter", "reverse-continue", "print counter",
            "continue", "print counter",
        ])
        XCTAssertTrue(out.contains("Old value = 11\nNew value = 1\n"), out)
        XCTAssertTrue(out.contains("$1 = 1\n"), out)
        XCTAssertTrue(out.contains("Old value = 1\nNew value = 0\n"), out)
        XCTAssertTrue(out.contains("$2 = 0\n"), out)
        XCTAssertTrue(out.contains("Old value = 0\nNew value = 1\n"), out)
        XCTAssertTrue(out.contains("$3 = 1\n"), out)
    }

    /// Inside `twice` on iteration 1: bt, print of the argument and rip; reverse-finish goes back
    /// to the call in main (the middle of the printf line, the call not yet made), reverse-step
    /// walks back line by line through the loop body, then forward steps retrace them.
    func testReverseFinishAndReverseStepWalkBackOutOfTheCallAndThroughTheLoop() throws {
        let twice = try GDBFixture.line("twice"), body = try GDBFixture.line("body")
        let rec = try GDBFixture.recording()
        let twiceAddress = try GDBFixture.address(ofLine: twice, in: rec.executable)
        let out = try GDBFixture.batch([
            "break loop.c:\(twice)", "continue", "continue", "print v", "bt", "info registers rip",
            "delete", "reverse-finish", "info line *$pc", "print iter", "print counter",
            "reverse-step", "info line *$pc",
            "reverse-step", "info line *$pc", "print counter",
            "reverse-step", "info line *$pc", "bt",
            "step", "info line *$pc", "step", "info line *$pc", "print counter",
        ])
        XCTAssertTrue(out.contains("Breakpoint 1, twice (v=11) at "), out)
        XCTAssertTrue(out.contains("$1 = 11\n"), out)
        XCTAssertTrue(out.contains("#0  twice (v=11) at "), out)
        XCTAssertTrue(out.contains("in main () at ") && out.contains("loop.c:\(body + 1)\n"), "main calls twice from the printf line: \(out)")
        XCTAssertTrue(out.contains("rip            0x\(String(twiceAddress, radix: 16))"), out)
        // reverse-finish, then the start of the printf line, the body line, the for line.
        let lines = out.split(separator: "\n").filter { $0.hasPrefix("Line ") }.map { l in
            Int(l.dropFirst(5).prefix { $0.isNumber }) ?? -1
        }
        XCTAssertEqual(lines, [body + 1, body + 1, body, body - 1, body, body + 1], out)
        XCTAssertTrue(out.contains("$2 = 1\n$3 = 11\n"), "back at the call of iteration 1, counter written: \(out)")
        XCTAssertTrue(out.contains("$4 = 1\n"), "at the start of the body line counter still holds iteration 0's value: \(out)")
        XCTAssertTrue(out.contains("#0  main () at ") && out.contains("loop.c:\(body - 1)\n"), out)
        XCTAssertTrue(out.contains("$5 = 11\n"), "forward over the body line writes it again: \(out)")
    }

    /// From the end of the recording, with a breakpoint: back to the last iteration.
    func testReverseContinueFromTheEndOfTheRecording() throws {
        let body = try GDBFixture.line("body")
        let out = try GDBFixture.batch([
            "continue", "break loop.c:\(body)", "reverse-continue", "print iter", "print counter", "bt",
        ])
        XCTAssertTrue(out.contains("No more reverse-execution history."), out)
        XCTAssertTrue(out.contains("Breakpoint 1, main () at "), out)
        XCTAssertTrue(out.contains("$1 = 4\n$2 = 31\n"), "the last iteration, before its write: \(out)")
        XCTAssertTrue(out.contains("#0  main () at "), out)
    }

    /// Tests/Fixtures/gdb/crossings.c through gdb: `watch -l stage` from the end finds each
    /// earlier write backwards, across the fork, into the second thread (gdb names it) and into
    /// the signal handler.
    func testWatchpointBackwardsAcrossAForkAThreadAndASignalHandler() throws {
        let out = try GDBFixture.batch([
            "handle SIGUSR1 nostop noprint", "continue", "watch -l stage",
            "reverse-continue", "print stage", "info locals", "reverse-continue", "print stage",
            "reverse-continue", "print stage", "bt 1", "info threads",
            "reverse-continue", "print stage", "reverse-continue", "print stage", "bt 1",
        ], fixture: "crossings", status: 0)
        for (i, v) in [123_456, 12_345, 1_234, 123, 12].enumerated() {
            XCTAssertTrue(out.contains("$\(i + 1) = \(v)\n"), "write \(i + 1) backwards leaves \(v): \(out)")
        }
        XCTAssertTrue(out.contains("Old value = 12345\nNew value = 1234\n"), out)
        XCTAssertTrue(out.contains("status = 1792\n"), "main's local: the child's wait status, exit code 7: \(out)")
        XCTAssertTrue(out.contains("#0  helper (arg=0x0) at "), "the second thread's write: \(out)")
        XCTAssertTrue(out.contains("#0  on_usr1 (sig=10) at "), "the handler's write: \(out)")
    }
}
