// Breakpoint conditions evaluated in the gdb server, through real gdb against
// `swrr replay --gdb-port` on Tests/Fixtures/gdb/conditions.c: the server advertises
// ConditionalBreakpoints+, gdb sends its conditions as agent expressions with each Z0, and the
// debugger core evaluates them at each hit, so gdb hears only of hits where one holds.
//
// The stops gdb was told of are counted with gdb's own `set debug infrun 1`: it logs
// `handle_signal_stop: stop_pc=ADDR` once for each stop reply it receives (measured with gdb
// 13.1: the reply itself carries no pc). A server that stopped at every hit, as before, gives
// one per iteration reached, so the counts below fail without the evaluation in the server.
import SwrrTestSupport
import XCTest

final class GDBConditionTests: XCTestCase {
    /// gdb's output for `commands` (BODY stands for the loop body's line) and how many stop
    /// replies gdb received at the body line's address.
    private func session(_ commands: [String]) throws -> (output: String, stops: Int) {
        try session(commands, fixture: "conditions", line: try GDBFixture.line("body", in: "conditions"), status: 3)
    }

    /// The same for a fixture recorded already, with BODY at `line`.
    private func session(_ commands: [String], fixture: String, line: Int, status: Int32) throws -> (output: String, stops: Int) {
        let rec = try GDBFixture.recording(fixture, status: status)
        let address = try GDBFixture.address(ofLine: line, in: rec.executable)
        let out = try GDBFixture.batch(
            ["set debug infrun 1"] + commands.map { $0.replacingOccurrences(of: "BODY", with: "\(fixture).c:\(line)") },
            fixture: fixture, status: status)
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

    /// In a second of computation without syscalls (Tests/Fixtures/gdb/stretches.c), from its
    /// end back to a condition true 39 ticks earlier: the false hits are passed over inside the
    /// replay's scans, stretch by stretch between the checkpoints taken inside the loop.
    func testReverseContinueIntoALongComputationStopsOnceWhereTheConditionHolds() throws {
        let (out, stops) = try session(["break done", "continue", "break BODY if t == 20", "reverse-continue",
                                        "print t", "print now", "reverse-continue"],
                                       fixture: "stretches", line: try GDBFixture.line("tick", in: "stretches"), status: 7)
        XCTAssertTrue(out.contains("$1 = 20\n$2 = 20\n"), "tick(20), not 59 or 21 first: \(out)")
        XCTAssertTrue(out.contains("No more reverse-execution history"), "no earlier tick with t == 20: \(out)")
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

    /// Tests/Fixtures/dap/forks.c: the child runs work(2), then the parent work(1). The server
    /// debugs every process of the recording: a condition that holds only in the child stops
    /// there going forward, and going back from the end past the parent's false hit.
    func testAConditionThatHoldsInAnotherProcessStopsThere() throws {
        let source = FixtureCompiler.fixtures + "/dap/forks.c"
        _ = try GDBFixture.recording(source: source, name: "forks", status: 0)
        let text = try String(contentsOfFile: source, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let work = try XCTUnwrap(lines.firstIndex { $0.contains("// L:work") }) + 1
        let (out, stops) = try session(["break BODY if who == 2", "continue", "print who", "continue",
                                        "reverse-continue", "print who"], fixture: "forks", line: work, status: 0)
        XCTAssertTrue(out.contains("$1 = 2\n") && out.contains("$2 = 2\n"), out)
        XCTAssertTrue(out.contains("the end of the recording: the program exited with status 0"), out)
        XCTAssertEqual(stops, 2, "the child's hit forward and backward, never the parent's: \(out)")
    }
}
