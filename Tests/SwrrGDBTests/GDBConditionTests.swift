// Breakpoint conditions evaluated in the gdb server, through real gdb against
// `swrr replay --gdb-port` on Tests/Fixtures/gdb/conditions.c: the server advertises
// ConditionalBreakpoints+, gdb sends its conditions as agent expressions with each Z0, and the
// debugger core evaluates them at each hit, so gdb hears only of hits where one holds.
//
// The stops gdb was told of are counted with gdb's own `set debug infrun 1`: it logs
// `handle_signal_stop: stop_pc=ADDR` once for each stop reply it receives (measured with gdb
// 13.1: the reply itself carries no pc). A server that stopped at every hit, as before, gives
// one per iteration reached, so the counts below fail without the evaluation in the server.
import XCTest

final class GDBConditionTests: XCTestCase {
    /// gdb's output for `commands` (BODY stands for the loop body's line) and how many stop
    /// replies gdb received at the body line's address.
    private func session(_ commands: [String]) throws -> (output: String, stops: Int) {
        let body = try GDBFixture.line("body", in: "conditions")
        let rec = try GDBFixture.recording("conditions")
        let address = try GDBFixture.address(ofLine: body, in: rec.executable)
        let out = try GDBFixture.batch(
            ["set debug infrun 1"] + commands.map { $0.replacingOccurrences(of: "BODY", with: "conditions.c:\(body)") },
            fixture: "conditions")
        let stops = out.components(separatedBy: "handle_signal_stop: stop_pc=0x\(String(address, radix: 16))\n").count - 1
        return (out, stops)
    }

    func testContinueStopsOnceWhereTheConditionHolds() throws {
        let (out, stops) = try session(["break BODY if i == 7", "continue", "print i", "print total", "continue"])
        XCTAssertTrue(out.contains("$1 = 7\n$2 = 21\n"), out)
        XCTAssertEqual(stops, 1, "one stop reply at the breakpoint, for i == 7: \(out)")
        XCTAssertTrue(out.contains("the end of the recording: the program exited with status 3"), "on to the end: \(out)")
    }

    func testReverseContinueFromTheEndStopsOnceWhereTheConditionHolds() throws {
        let (out, stops) = try session(["continue", "break BODY if i == 7", "reverse-continue", "print i", "print total"])
        XCTAssertTrue(out.contains("$1 = 7\n$2 = 21\n"), "i == 7, not 9 or 8 first: \(out)")
        XCTAssertEqual(stops, 1, "one stop reply at the breakpoint going back: \(out)")
    }

    /// gdb sends a bare Z0 while an unconditional breakpoint shares the address (every hit
    /// stops), then the condition alone once that one is deleted (the Z0 replaces what the
    /// address had).
    func testAnUnconditionalBreakpointAtTheSameAddressStopsAtEveryHit() throws {
        let (out, stops) = try session([
            "break BODY if i == 7", "break BODY",
            "continue", "print i", "continue", "print i", "continue", "print i",
            "delete 2", "continue", "print i",
        ])
        XCTAssertTrue(out.contains("$1 = 0\n") && out.contains("$2 = 1\n") && out.contains("$3 = 2\n"), out)
        XCTAssertTrue(out.contains("$4 = 7\n"), out)
        XCTAssertEqual(stops, 4, "i = 0, 1, 2 for the unconditional one, then 7 alone: \(out)")
    }

    /// A condition gdb cannot compile to an agent expression (a local array's element: "host
    /// evals") comes as a bare Z0: the server stops at every hit and gdb evaluates it.
    func testAConditionGDBEvaluatesItselfStillStopsWhereItHolds() throws {
        let (out, stops) = try session(["break BODY if name[0] == 'g'", "continue", "print i", "print name[0]"])
        XCTAssertTrue(out.contains("$1 = 7\n$2 = 103 'g'\n"), out)
        XCTAssertEqual(stops, 8, "every hit (i = 0 to 7) told to gdb, which decides: \(out)")
    }

    /// A condition that fails at run time (address 0 is unreadable) stops in the server, and
    /// gdb, evaluating it again, reports the error and stops there.
    func testAConditionThatErrorsStopsAndGDBDecides() throws {
        let (out, stops) = try session(["break BODY if *(int*)0 == 1", "continue", "print i"])
        XCTAssertTrue(out.contains("Error in testing breakpoint condition:\nCannot access memory at address 0x0\n"), out)
        XCTAssertTrue(out.contains("$1 = 0\n"), out)
        XCTAssertEqual(stops, 1, out)
    }
}
