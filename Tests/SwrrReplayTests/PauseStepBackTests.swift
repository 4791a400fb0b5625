// Going back from a pause deep in a long event-free loop (SwrrReplay/CountedArrivals.swift,
// LastPassScan.swift), on Tests/Fixtures/gdb/stretches.c at -O0: its inner loop has patchable
// instructions (movabs), so the pause lands inside it, and the stub counts the loop's passes.
// Before, each of these stopped at every pass since the stretch checkpoint (10^7 or more) and
// did not end. The times are printed, never asserted.
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class PauseStepBackTests: DebuggerTestCase {
    /// Paused inside the inner loop, after a stretch checkpoint: the position is counted from it.
    private func pauseDeepInTheLoop(_ d: ReplayDebugger, now: UInt64) throws -> ReplayPosition {
        var p = try d.position()
        for _ in 0..<8 {
            let stop = try interrupting(d, after: 0.4) { try d.continueForward(stopAtTaskEvents: false) }
            XCTAssertEqual(stop.reason, .interrupted, "\(stop)")
            p = try d.position()
            if p.signature != nil, case .state? = p.path.last, try d.int64(at: now) > 0 { break }
        }
        XCTAssertNotNil(p.signature, "after a checkpoint inside the loop: \(p)")
        guard case .state? = p.path.last else {
            XCTFail("the paused state last: \(p)")
            return p
        }
        return p
    }

    /// `i` of the inner loop (-O0: rbp-0x18 in main).
    private func counter(_ d: ReplayDebugger) throws -> Int64 {
        try d.int64(at: try d.registers().rbp &- 0x18)
    }

    private func timed<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        let r = try body()
        print("\(what): \(ContinuousClock.now - start)")
        return r
    }

    func testReverseStepiFromAPauseDeepInTheLoopLandsOnTheInstructionBefore() throws {
        let (d, rec) = try start("stretches", status: 7)
        let now = try GDBFixture.symbol("now", in: rec.executable)
        _ = try pauseDeepInTheLoop(d, now: now)
        let paused = try d.registers()
        let i = try counter(d)
        XCTAssertEqual(try timed("reverse-stepi from the pause") { try d.reverseStepInstruction() }.reason, .step)
        let before = try d.registers()
        XCTAssertNotEqual(before.rip, paused.rip)
        XCTAssertTrue(try counter(d) == i || counter(d) == i - 1, "the same pass of the loop, or the one before")
        // Forward one instruction: the paused state again, exactly.
        XCTAssertEqual(try d.stepInstruction().reason, .step)
        XCTAssertEqual(try d.registers(), paused)
        // And back again, then two more: each the instruction a forward step comes from.
        XCTAssertEqual(try timed("reverse-stepi again") { try d.reverseStepInstruction() }.reason, .step)
        XCTAssertEqual(try d.registers(), before)
        for _ in 0..<2 {
            let after = try d.registers()
            XCTAssertEqual(try timed("reverse-stepi") { try d.reverseStepInstruction() }.reason, .step)
            let r = try d.registers()
            XCTAssertEqual(try d.stepInstruction().reason, .step)
            XCTAssertEqual(try d.registers(), after)
            XCTAssertEqual(try d.reverseStepInstruction().reason, .step)
            XCTAssertEqual(try d.registers(), r)
        }
    }

    func testReverseContinueToTheLoopsBreakpointFromAPauseLandsOnThePreviousPass() throws {
        let (d, rec) = try start("stretches", status: 7)
        let now = try GDBFixture.symbol("now", in: rec.executable)
        _ = try pauseDeepInTheLoop(d, now: now)
        let paused = try d.registers()
        let i = try counter(d)
        let t = try d.int64(at: now)
        // A breakpoint on the instruction the pause stands on: hit at every pass of the loop.
        try d.setBreakpoint(paused.rip)
        XCTAssertEqual(try timed("reverse-continue to the loop's breakpoint") { try d.reverseContinue() }.reason,
                       .breakpoint(paused.rip))
        XCTAssertEqual(try counter(d), i - 1, "the pass before")
        XCTAssertEqual(try d.int64(at: now), t)
        for k in 2...3 {
            XCTAssertEqual(try timed("and again") { try d.reverseContinue() }.reason, .breakpoint(paused.rip))
            XCTAssertEqual(try counter(d), i - Int64(k))
        }
        // Forward: the next pass, then the paused one (the same registers).
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(paused.rip))
        XCTAssertEqual(try counter(d), i - 2)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(paused.rip))
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(paused.rip))
        XCTAssertEqual(try d.registers(), paused)
    }

    /// A breakpoint elsewhere on the loop's line (the instruction before the paused one): the
    /// last pass is scanned from the arrival before the pause.
    func testReverseContinueToAnotherInstructionOfTheLoopLandsOnItsLastPass() throws {
        let (d, rec) = try start("stretches", status: 7)
        let now = try GDBFixture.symbol("now", in: rec.executable)
        _ = try pauseDeepInTheLoop(d, now: now)
        let i = try counter(d)
        XCTAssertEqual(try d.reverseStepInstruction().reason, .step)
        let other = try d.registers()
        let j = try counter(d)
        XCTAssertEqual(try d.stepInstruction().reason, .step)
        try d.setBreakpoint(other.rip)
        XCTAssertEqual(try timed("reverse-continue to the instruction before") { try d.reverseContinue() }.reason,
                       .breakpoint(other.rip))
        XCTAssertEqual(try d.registers(), other)
        XCTAssertEqual(try timed("and again") { try d.reverseContinue() }.reason, .breakpoint(other.rip))
        XCTAssertEqual(try counter(d), j - 1, "the pass before (paused at i = \(i))")
    }
}
