// The same scenarios through real gdb (batch mode) against `swrr replay --gdb-port`.
import SwrrTestSupport
import XCTest

final class GDBServerTests: XCTestCase {
    private func gdb(_ commands: [String], fixture: String = "loop", status: Int32 = 3) throws -> String {
        try GDBFixture.batch(commands, fixture: fixture, status: status)
    }

    func testBreakContinuePrintBacktraceRegisters() throws {
        let body = try GDBFixture.line("body")
        let out = try gdb(["break loop.c:\(body)", "continue", "print iter", "bt", "info registers rip",
                           "continue", "print iter", "print counter", "monitor when"])
        let rec = try GDBFixture.recording()
        let address = try GDBFixture.address(ofLine: body, in: rec.executable)
        XCTAssertTrue(out.contains("Breakpoint 1, main () at "), out)
        XCTAssertTrue(out.contains("loop.c:\(body)\n\(body)\t"), out)
        XCTAssertTrue(out.contains("$1 = 0\n"), out)
        XCTAssertTrue(out.contains("#0  main () at "), out)
        XCTAssertTrue(out.contains("rip            0x\(String(address, radix: 16))"), out)
        XCTAssertTrue(out.contains("$2 = 1\n"), out)
        XCTAssertTrue(out.contains("$3 = 1\n"), "counter after the first iteration: \(out)")
        XCTAssertTrue(out.range(of: "Current event: [0-9]+", options: .regularExpression) != nil, out)
    }

    func testBreakpointInACalledFunctionShowsTheCallerInTheBacktrace() throws {
        let out = try gdb(["break twice", "continue", "continue", "print v", "bt", "finish"])
        XCTAssertTrue(out.contains("Breakpoint 1, twice (v=1) at "), out)
        XCTAssertTrue(out.contains("Breakpoint 1, twice (v=11) at "), out)
        XCTAssertTrue(out.contains("$1 = 11\n"), out)
        XCTAssertTrue(out.range(of: "#1  0x[0-9a-f]+ in main \\(\\) at ", options: .regularExpression) != nil, out)
        XCTAssertTrue(out.contains("Value returned is $2 = 22"), out)
    }

    func testWatchpointReportsOldAndNewValues() throws {
        let out = try gdb(["watch -l counter", "continue", "continue", "continue"])
        XCTAssertTrue(out.contains("Hardware watchpoint 1: -location counter"), out)
        XCTAssertTrue(out.contains("Old value = 0\nNew value = 1\n"), out)
        XCTAssertTrue(out.contains("Old value = 1\nNew value = 11\n"), out)
        XCTAssertTrue(out.contains("Old value = 11\nNew value = 21\n"), out)
    }

    func testStepiNextAndTheEndOfTheRecording() throws {
        let body = try GDBFixture.line("body")
        let out = try gdb(["break loop.c:\(body)", "continue", "stepi", "next", "info line *$pc",
                           "delete", "continue", "print iter", "continue"])
        XCTAssertTrue(out.contains("Line \(body + 1) of"), "next went to the printf line: \(out)")
        // The end of the recording: the program is held before its exit, so gdb keeps the
        // session (and could go backwards); continuing again stays there.
        let end = "swrr: the end of the recording: the program exited with status 3; reverse-continue or reverse-step go back from here\n"
        XCTAssertEqual(out.components(separatedBy: end).count - 1, 2, out)
        XCTAssertEqual(out.components(separatedBy: "No more reverse-execution history.").count - 1, 2, out)
        XCTAssertTrue(out.contains(" in __GI__exit (status=status@entry=3) ") || out.contains(" in _exit ("), out)
        XCTAssertTrue(out.contains("$1 = 5\n"), "memory is readable at the end: \(out)")
    }

    func testWritesAreRefused() throws {
        let out = try gdb(["break main", "continue", "set var counter = 5", "print counter", "print iter"])
        XCTAssertTrue(out.contains("cannot write memory during a replay"), out)
        XCTAssertTrue(out.contains("$1 = 0\n"), out)
        XCTAssertTrue(out.contains("$2 = 0\n"), "the session stays usable: \(out)")
    }

    func testBreakpointHitInEachThreadOfAMultiThreadedReplay() throws {
        let out = try gdb(["break worker", "continue", "print id", "continue", "continue", "info threads",
                           "delete", "continue"], fixture: "threads", status: 0)
        let hits = out.components(separatedBy: " hit Breakpoint 1, worker (arg=0x").count - 1
        XCTAssertEqual(hits, 3, out)
        for i in 0..<3 { XCTAssertTrue(out.contains("worker (arg=0x\(i))"), "thread \(i): \(out)") }
        XCTAssertTrue(out.contains("swrr: the end of the recording: the program exited with status 0"), out)
    }
}
