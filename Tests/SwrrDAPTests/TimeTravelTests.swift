// Travelling in time through swrr-dap over real pipes on Tests/Fixtures/dap/debuggee.c:
// gotoTargets and goto to a line's next and previous execution (with the loop variable there,
// the user's breakpoints not stopping the trip, and a line that does not run again), and the
// custom reverseStepOut back to the call site, through recursion. Every message is validated
// against the DAP schema.
import Foundation
import XCTest

final class TimeTravelTests: XCTestCase {
    /// The two targets of `marker`'s line: (next, previous).
    func targets(_ s: DebugSession, _ marker: String) throws -> (next: Int, previous: Int) {
        let r = try s.client.request("gotoTargets", ["source": ["path": s.source], "line": s.line(marker)])
        XCTAssertTrue(r.success, r.message)
        let ts = r.body["targets"] as? [[String: Any]] ?? []
        XCTAssertEqual(ts.count, 2, "\(ts)")
        XCTAssertEqual(ts.map { $0["line"] as? Int }, [s.line(marker), s.line(marker)])
        let labels = ts.map { $0["label"] as? String ?? "" }
        XCTAssertTrue(labels[0].contains("next execution"), labels[0])
        XCTAssertTrue(labels[1].contains("previous execution"), labels[1])
        XCTAssertTrue((ts[0]["instructionPointerReference"] as? String ?? "").hasPrefix("0x"))
        return (ts[0]["id"] as? Int ?? -1, ts[1]["id"] as? Int ?? -1)
    }

    func testGotoTravelsToALinesNextAndPreviousExecution() throws {
        let s = try DebugSession("debuggee")
        var stop = try s.startAtHit(3, of: "loop")
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "2")
        let counter = try targets(s, "counter")
        // Forward: the counter line of this same iteration.
        stop = try s.resume("goto", ["targetId": counter.next])
        XCTAssertEqual(stop["reason"] as? String, "goto", "\(stop)")
        XCTAssertTrue((stop["description"] as? String ?? "").contains("next execution of line \(s.line("counter"))"), "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "2")
        XCTAssertEqual(s.value(try s.scope("Locals"), "total"), "5")
        // Backward: the counter line of the previous iteration.
        stop = try s.resume("goto", ["targetId": counter.previous])
        XCTAssertEqual(stop["reason"] as? String, "goto", "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "1")
        XCTAssertEqual(s.value(try s.scope("Locals"), "total"), "1")
        // Standing on the line, its next execution is the next iteration's; and back again.
        stop = try s.resume("goto", ["targetId": counter.next])
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "2")
        stop = try s.resume("goto", ["targetId": counter.previous])
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "1")
        // The print line has not run yet: going back to it leaves the replay where it was.
        let print = try targets(s, "print")
        stop = try s.resume("goto", ["targetId": print.previous])
        XCTAssertEqual(stop["reason"] as? String, "goto", "\(stop)")
        XCTAssertTrue((stop["description"] as? String ?? "").contains("stayed where it was"), "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "1")
        // Forward to it, past three hits of the loop breakpoint, which do not stop the trip.
        stop = try s.resume("goto", ["targetId": print.next])
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("print"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "total"), "30")
        XCTAssertEqual(s.value(try s.scope("Locals"), "f"), "24")
        // The loop breakpoint is still there afterwards: backwards it stops at the last hit.
        stop = try s.resume("reverseContinue")
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "4")
        // Bad targets are errors, and the session keeps serving.
        let bad = try s.client.request("goto", ["threadId": s.thread, "targetId": 999])
        XCTAssertFalse(bad.success)
        XCTAssertTrue(bad.message.contains("unknown targetId"), bad.message)
        let none = try s.client.request("gotoTargets", ["source": ["path": s.source], "line": 10_000])
        XCTAssertFalse(none.success)
        XCTAssertTrue(none.message.contains("no code"), none.message)
        try s.finish()
    }

    func testReverseStepOutGoesBackToTheCallSiteThroughRecursion() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("square-body"), "hitCondition": "==3"]])
        var stop = try s.start()
        var at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "square")
        XCTAssertEqual(at.line, s.line("square-body"))
        try s.setBreakpoints([])
        // Back to main's call of square(2).
        stop = try s.resume("reverseStepOut")
        XCTAssertEqual(stop["reason"] as? String, "step", "\(stop)")
        at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "main")
        XCTAssertEqual(at.line, s.line("loop"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "2")
        XCTAssertEqual(s.value(try s.scope("Locals"), "total"), "1", "square(2) has not returned yet")
        // Recursion: from fact(2) back to the call in fact(3), then in fact(4), then in main.
        try s.setBreakpoints([["line": s.line("fact-body"), "hitCondition": "==3"]])
        stop = try s.resume("continue")
        _ = try s.whereStopped(stop)
        XCTAssertEqual(s.value(try s.scope("Arguments"), "n"), "2")
        try s.setBreakpoints([])
        for n in ["3", "4"] {
            stop = try s.resume("reverseStepOut")
            at = try s.whereStopped(stop)
            XCTAssertEqual(at.name, "fact")
            XCTAssertEqual(at.line, s.line("fact-rec"))
            XCTAssertEqual(s.value(try s.scope("Arguments"), "n"), n)
        }
        stop = try s.resume("reverseStepOut")
        at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "main")
        XCTAssertEqual(at.line, s.line("fact-call"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "total"), "30")
        // Forward again from the call: stepping over it lands on the print line.
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("print"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "f"), "24")
        try s.finish()
    }
}
