// Step-in targets through the core on recordings of Tests/Fixtures/dap/requests.c: the calls of
// a line by name (a direct call, one through the PLT), the calls still to come on a caller's line
// (its pc is a return address), and a step into a call of the caller's activation from inside
// another function, which runs to the call with the caller's CFA and stops past the callee's
// prologue.
import SwrrDebugger
import XCTest

final class StepInTargetTests: XCTestCase {
    func testTargetsOfALineAndOfACallersLine() throws {
        let s = try CoreSession("requests")
        try s.breakAt("two-calls")
        _ = try s.run(.continue)
        let line = try CoreFixture.line("two-calls", in: "requests")
        XCTAssertEqual(try s.whereNow().line, line)
        let targets = try s.debugger.stepInTargets(tid: s.tid, frame: 0)
        XCTAssertEqual(targets.map(\.name), ["add", "twice"])
        XCTAssertEqual(targets.map(\.line), [line, line])
        XCTAssertTrue(targets[0].call < targets[1].call)
        // printf through its PLT stub, named without "@plt".
        try s.breakAt("print")
        _ = try s.run(.continue)
        XCTAssertEqual(try s.debugger.stepInTargets(tid: s.tid, frame: 0).map(\.name), ["printf"])
        XCTAssertThrowsError(try s.debugger.stepInTargets(tid: s.tid, frame: 99))
    }

    func testStepIntoACallOfTheCallersLineFromInsideAnotherFunction() throws {
        let s = try CoreSession("requests")
        try s.breakAt("add-body")
        _ = try s.run(.continue)
        XCTAssertEqual(try s.whereNow().function, "add")
        // main's pc is add's return address: only twice is still to be called on its line.
        let targets = try s.debugger.stepInTargets(tid: s.tid, frame: 1)
        XCTAssertEqual(targets.map(\.name), ["twice"])
        XCTAssertEqual(try s.run(.stepInTarget(targets[0])), .step(tid: s.tid, note: nil))
        XCTAssertEqual(try s.whereNow().function, "twice")
        XCTAssertEqual(try s.whereNow().line, try CoreFixture.line("twice-body", in: "requests"))
        XCTAssertEqual(try s.value("v"), "5")
        // The caller below is main on the line of the two calls.
        let stack = try s.debugger.callStack(s.tid)
        XCTAssertEqual(stack.frames[1].function, "main")
        XCTAssertEqual(stack.frames[1].location?.line, try CoreFixture.line("two-calls", in: "requests"))
    }
}
