// The core's run control on real recordings of Tests/Fixtures/dap/debuggee.c, no protocol:
// steps forward and back land on exact lines, reverse step-out at the call line, goto travels
// to a line's next and previous executions (or stays), a pause returns a value.
import SwrrDebugger
import SwrrReplay
import XCTest

final class SteppingTests: XCTestCase {
    /// A session stopped at the first hit of L:loop (i == 0), with that breakpoint removed.
    private func atLoop() throws -> CoreSession {
        let s = try CoreSession("debuggee")
        let bp = try s.breakAt("loop")
        let stop = try s.run(.continue)
        guard case .breakpoint(_, let ids, .source) = stop else { throw RecordingFailed(description: "stopped by \(stop), not at L:loop") }
        XCTAssertEqual(ids, [bp.id])
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("loop"))
        s.breakpoints.source = [:]
        s.debugger.placeBreakpoints()
        return s
    }

    func testNextStepInAndStepOutLandOnExactLines() throws {
        let s = try atLoop()
        XCTAssertEqual(try s.run(.next(tid: s.tid, .line)), .step(tid: s.tid, note: nil))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("counter"))
        XCTAssertEqual(try s.run(.next(tid: s.tid, .line)).description, "Thread \(s.tid) stepped")
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("for"))
        _ = try s.run(.next(tid: s.tid, .line))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("loop"))
        XCTAssertEqual(try s.value("i"), "1")
        // Into square, past its prologue; out again into the middle of the loop's line.
        _ = try s.run(.stepIn(tid: s.tid, .line))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("square-body"))
        XCTAssertEqual(try s.whereNow().function, "square")
        XCTAssertEqual(try s.value("v"), "1")
        XCTAssertEqual(try s.run(.stepOut(tid: s.tid, .line)), .step(tid: s.tid, note: nil))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("loop"))
        XCTAssertEqual(try s.whereNow().function, "main")
    }

    func testStepBackByLineLandsOnThePreviousLine() throws {
        let s = try atLoop()
        _ = try s.run(.next(tid: s.tid, .line))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("counter"))
        XCTAssertEqual(try s.value("total"), "0")
        XCTAssertEqual(try s.run(.stepBack(tid: s.tid, .line)), .step(tid: s.tid, note: nil))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("loop"))
        XCTAssertEqual(try s.whereNow().function, "main", "the call of square was stepped back over")
        XCTAssertEqual(try s.value("i"), "0")
    }

    func testReverseStepOutLandsAtTheCallLine() throws {
        let s = try CoreSession("debuggee")
        try s.breakAt("square-body", condition: "v == 3")
        _ = try s.run(.continue)
        XCTAssertEqual(try s.value("v"), "3")
        s.breakpoints.source = [:]
        s.debugger.placeBreakpoints()
        let stop = try s.run(.reverseStepOut(tid: s.tid))
        XCTAssertEqual(stop, .step(tid: s.tid, note: "Back at the call of square"))
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("loop"))
        XCTAssertEqual(try s.whereNow().function, "main")
        XCTAssertEqual(try s.value("i"), "3")
        XCTAssertEqual(try s.value("total"), "5", "before the call's result is added")
    }

    func testReverseContinueWithoutBreakpointsReachesTheStart() throws {
        let s = try atLoop()
        let stop = try s.run(.reverseContinue)
        XCTAssertEqual(stop, .startOfRecording(tid: s.tid))
        XCTAssertEqual(stop.description, "The start of the recording was reached (the program's first instruction): " +
                       "nothing ran before it. Run forward from here.")
    }

    func testGotoLineNextAndPrevious() throws {
        let s = try atLoop()
        let next = try s.gotoLine("fact-call", .next)
        let stop = try s.run(.gotoLine(next))
        guard case .goto(let tid, .arrived(next, let event)) = stop else { return XCTFail("\(stop)") }
        XCTAssertEqual(stop.description,
                       "At the next execution of line \(next.line) of debuggee.c (thread \(tid), event \(event))")
        XCTAssertEqual(try s.whereNow().line, next.line)
        XCTAssertEqual(try s.value("total"), "30")
        // Back to the last execution of the loop's line: i == 4.
        let previous = try s.gotoLine("loop", .previous)
        let back = try s.run(.gotoLine(previous))
        guard case .goto(_, .arrived(previous, _)) = back else { return XCTFail("\(back)") }
        XCTAssertEqual(try s.whereNow().line, previous.line)
        XCTAssertEqual(try s.value("i"), "4")
        XCTAssertEqual(try s.value("total"), "14")
    }

    func testGotoALineThatNeverRunsAgainStaysPut() throws {
        let s = try atLoop()
        let next = try s.gotoLine("fact-call", .next)
        _ = try s.run(.gotoLine(next))
        let event = try s.debugger.replay.eventNumber()
        let pc = try s.debugger.replay.registers(tid: s.tid).rip
        let loop = try s.gotoLine("loop", .next)
        let stop = try s.run(.gotoLine(loop))
        XCTAssertEqual(stop, .goto(tid: s.tid, .stayed(loop)))
        XCTAssertEqual(stop.description, "The replay stayed where it was: line \(loop.line) of debuggee.c does not run " +
                       "again after this point (the end of the recording was reached)")
        XCTAssertEqual(try s.debugger.replay.eventNumber(), event)
        XCTAssertEqual(try s.debugger.replay.registers(tid: s.tid).rip, pc)
        XCTAssertEqual(try s.value("total"), "30")
        XCTAssertFalse(s.programOutput.contains("total 30"), "the trial run's output was let out: \(s.programOutput)")
        // Forward on: the program's output reaches us once.
        guard case .endOfRecording(let end) = try s.run(.continue) else { return XCTFail("not at the end") }
        XCTAssertEqual(end.exitCode, 0)
        XCTAssertEqual(s.programOutput, "total 30 fact 24 box 4\n")
    }

    func testContinueAfterAGotoThatStayedOnABreakpointStopsAtTheNextHit() throws {
        // Stopped at L:loop's breakpoint (i == 0); a goto to a line that has not run yet goes
        // back to where it was, standing on the breakpoint: the next continue stops at i == 1
        // (it skipped to i == 2 when only the last stop said whether the engine carries over).
        let s = try CoreSession("debuggee")
        _ = try s.breakAt("loop")
        guard case .breakpoint = try s.run(.continue) else { return XCTFail("not at L:loop") }
        XCTAssertEqual(try s.value("i"), "0")
        let notYet = try s.gotoLine("fact-call", .previous)
        guard case .goto(_, .stayed) = try s.run(.gotoLine(notYet)) else { return XCTFail("the goto did not stay") }
        XCTAssertEqual(try s.value("i"), "0")
        guard case .breakpoint = try s.run(.continue) else { return XCTFail("not at L:loop again") }
        XCTAssertEqual(try s.value("i"), "1")
    }

    func testContinueToTheEndOfTheRecording() throws {
        let s = try CoreSession("debuggee")
        let stop = try s.run(.continue)
        guard case .endOfRecording(let end) = stop else { return XCTFail("\(stop)") }
        XCTAssertEqual(end.exitCode, 0)
        XCTAssertTrue(stop.description.hasPrefix("The end of the recording was reached: the program exited with status 0 (event "),
                      stop.description)
        XCTAssertTrue(s.debugger.atEnd)
    }

    func testPauseOfALongRunReturnsPaused() throws {
        // 20,000 getppid calls without syscall buffering: 20,000 events to pause among.
        let s = try CoreSession("hello_dap", ["6", "20000"], syscallBuffer: false)
        final class Outcome: @unchecked Sendable { var result: Result<Stop, Error>? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            outcome.result = Result { try s.run(.continue) }   // read after `done`
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        // A pause before the run begins has no effect: ask until it returns.
        var asked = 0
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            s.debugger.pause()
            asked += 1
            XCTAssertLessThan(asked, 2400, "the run did not return within two minutes of pauses")
        }
        let stop = try XCTUnwrap(outcome.result).get()
        guard case .paused(let tid, let event, _, .forward) = stop else { return XCTFail("\(stop)") }
        XCTAssertEqual(tid, s.tid)
        XCTAssertGreaterThan(event, 1)
        XCTAssertEqual(event, try s.debugger.replay.eventNumber())
        XCTAssertTrue(stop.description.hasPrefix("Paused "), stop.description)
        XCTAssertFalse(s.debugger.atEnd)
        // The next run is not paused by the last one's pause: it goes to the end.
        guard case .endOfRecording(let end) = try s.run(.continue) else { return XCTFail("not at the end") }
        XCTAssertEqual(end.exitCode, 6)
    }
}
