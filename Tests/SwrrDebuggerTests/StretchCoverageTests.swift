// Reverse-continue skipping the stretches of a long computation that ran none of a breakpoint's
// functions (SwrrReplay/StretchCoverage.swift), on Tests/Fixtures/dap/coverage_loop.c: about a
// second without a syscall, stretch checkpoints every 0.25 s of its CPU time.
import SwrrDebugger
import XCTest

final class StretchCoverageTests: XCTestCase {
    /// A breakpoint set only at the end on a function called once early in the loop: the
    /// stretches after the call ran only main, so they are skipped, and the scan that finds the
    /// hit lands on its line with the argument it had.
    func testStretchesThatNeverRanTheFunctionAreSkipped() throws {
        let s = try CoreSession("coverage_loop", ["once"])
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }
        let bp = try s.breakAt("once")
        let skipped = try s.debugger.replay.stretchesSkipped()
        let scans = try s.debugger.replay.scanCount()
        let stop = try s.run(.reverseContinue)
        XCTAssertEqual(stop, .breakpoint(tid: s.tid, ids: [bp.id], kind: .source))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("once", in: "coverage_loop"))
        XCTAssertEqual(try s.whereNow().function, "once")
        XCTAssertEqual(try s.value("v"), "42")
        let skips = try s.debugger.replay.stretchesSkipped() - skipped
        let used = try s.debugger.replay.scanCount() - scans
        // Two thirds of the loop after the call: about 4 stretches of 0.25 s of CPU time. The
        // call's own stretch is scanned (an entry noted), so a skip there would miss the hit.
        XCTAssertGreaterThan(skips, 0, "\(used) scans")
        print("coverage: \(skips) stretches skipped, \(used) scans")
    }

    /// The breakpoint's function is on the stack at every later stretch's start without being
    /// entered again (its own loop calls nothing): no stretch after its hit may be skipped, and
    /// reverse-continue lands on the one hit.
    func testAFunctionOnTheStackKeepsItsStretches() throws {
        let s = try CoreSession("coverage_loop", ["spin"])
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }
        let bp = try s.breakAt("spin-mark")
        let skipped = try s.debugger.replay.stretchesSkipped()
        let stop = try s.run(.reverseContinue)
        XCTAssertEqual(stop, .breakpoint(tid: s.tid, ids: [bp.id], kind: .source))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("spin-mark", in: "coverage_loop"))
        XCTAssertEqual(try s.whereNow().function, "spin")
        XCTAssertEqual(try s.value("n"), "900000000")
        XCTAssertEqual(try s.debugger.replay.stretchesSkipped() - skipped, 0)
    }
}
