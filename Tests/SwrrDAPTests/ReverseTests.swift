// Reverse execution through swrr-dap over real pipes on Tests/Fixtures/dap/debuggee.c:
// reverseContinue to the previous hit of a loop breakpoint with the loop variable's value, then
// forward again; stepBack by line and by instruction with the landing lines; reverseContinue
// to the start of the recording. Every message is validated against the DAP schema.
import Foundation
import XCTest

final class ReverseTests: XCTestCase {
    func testReverseContinueToThePreviousHit() throws {
        let s = try DebugSession("debuggee")
        var stop = try s.startAtHit(3, of: "loop")
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "2")
        stop = try s.resume("reverseContinue")
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "1")
        // Forward again: the next hit, not the same one.
        stop = try s.resume("continue")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "2")
        // Without breakpoints, back to the start of the recording.
        try s.setBreakpoints([])
        stop = try s.resume("reverseContinue")
        XCTAssertEqual(stop["reason"] as? String, "start of recording", "\(stop)")
        XCTAssertTrue((stop["description"] as? String ?? "").contains("start of the recording"))
        try s.finish()
    }

    /// With `exitedAtEnd: false` (what dap-mode needs: it ends a session at `exited`) the end of
    /// the recording is a stop without `exited`, whose description has the exit status, and
    /// the replay goes back from there.
    func testWithoutExitedAtTheEndTheSessionGoesBackFromThere() throws {
        let s = try DebugSession("debuggee", launch: ["exitedAtEnd": false])
        try s.setBreakpoints([["line": s.line("loop")]])
        var stop = try s.start()
        try s.setBreakpoints([])
        stop = try s.resume("continue")
        XCTAssertEqual(stop["reason"] as? String, "end of recording", "\(stop)")
        XCTAssertTrue((stop["description"] as? String ?? "").contains("exited with status 0"), "\(stop)")
        XCTAssertEqual(s.client.takeEvents("exited").count, 0, "no exited event")
        try s.setBreakpoints([["line": s.line("loop")]])
        stop = try s.resume("reverseContinue")
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "4")
        try s.finish()
        XCTAssertEqual(s.client.takeEvents("exited").count, 0)
    }

    func testStepBackByLineAndByInstruction() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("counter"), "hitCondition": "==2"]])
        var stop = try s.start()
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        try s.setBreakpoints([])
        // Back over `total += square(i)`, whose call is run back over.
        stop = try s.resume("stepBack")
        XCTAssertEqual(stop["reason"] as? String, "step", "\(stop)")
        var at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "main")
        XCTAssertEqual(at.line, s.line("loop"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "1")
        XCTAssertEqual(s.value(try s.scope("Locals"), "total"), "0")
        // One instruction back from the start of that line: the end of the `for` line.
        stop = try s.resume("stepBack", ["granularity": "instruction"])
        at = try s.whereStopped(stop)
        XCTAssertEqual(at.line, s.line("for"))
        // And forward again by line.
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        try s.finish()
    }
    /// The custom `gotoEvent` travels to an event boundary backwards and forwards; `currentEvent`
    /// reports it, and the program state there is the one of the first pass.
    func testGotoEventTravelsBothWays() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("loop")]])
        var stop = try s.start()
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        let first = try s.client.request("currentEvent", [:])
        XCTAssertTrue(first.success, first.message)
        let firstEvent = try XCTUnwrap(first.body["event"] as? Int)
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "0")
        stop = try s.resume("continue")
        stop = try s.resume("continue")
        _ = try s.whereStopped(stop)
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "2")
        let later = try XCTUnwrap(try s.client.request("currentEvent", [:]).body["event"] as? Int)
        XCTAssertGreaterThanOrEqual(later, firstEvent)
        try s.setBreakpoints([])
        // Back to the start's event, then forward to the later one again.
        stop = try s.resume("gotoEvent", ["event": 1])
        XCTAssertEqual(stop["reason"] as? String, "goto", "\(stop)")
        XCTAssertEqual(try s.client.request("currentEvent", [:]).body["event"] as? Int, 1)
        stop = try s.resume("gotoEvent", ["event": later])
        XCTAssertEqual(stop["reason"] as? String, "goto", "\(stop)")
        XCTAssertEqual(try s.client.request("currentEvent", [:]).body["event"] as? Int, later)
        // A bad event number is an error response, and the session keeps serving.
        let bad = try s.client.request("gotoEvent", ["event": 0])
        XCTAssertFalse(bad.success)
        XCTAssertTrue(bad.message.contains("before the start"), bad.message)
        try s.finish()
    }
}
