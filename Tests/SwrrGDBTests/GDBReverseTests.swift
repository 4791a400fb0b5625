// Reverse execution through real gdb (batch mode) against `swrr replay --gdb-port`, on
// Tests/Fixtures/gdb/loop.c: reverse-continue, reverse-stepi, reverse-next, watchpoints backwards.
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
}
