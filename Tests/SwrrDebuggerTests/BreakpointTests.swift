// The core's breakpoints on real recordings of Tests/Fixtures/dap/debuggee.c: conditions
// (source expressions and a condition of another kind), hit conditions, logpoints, conditions
// going backwards, the signal policy, resolution to addresses.
import SwrrDebugInfo
import SwrrDebugger
import SwrrTracee
import XCTest

/// A condition that is not a source expression: the first integer argument register (rdi, the
/// `v` of `square(int v)` at its breakpoint after the prologue, which does not change rdi at -O0)
/// equals a value.
struct FirstArgumentIs: BreakpointCondition {
    let value: UInt64
    var text: String { "rdi == \(value)" }

    func holds(in context: ConditionContext) throws -> Bool {
        try context.registers().rdi == value
    }
}

/// A condition that cannot be evaluated.
struct Unreadable: BreakpointCondition {
    struct Failure: Error, CustomStringConvertible { var description: String { "no such register" } }
    var text: String { "$nothing" }
    func holds(in context: ConditionContext) throws -> Bool { throw Failure() }
}

final class BreakpointTests: XCTestCase {
    func testConditionTrueStopsAndFalseGoesOn() throws {
        let s = try CoreSession("debuggee")
        let bp = try s.breakAt("square-body", condition: "v == 3")
        XCTAssertTrue(bp.status.verified)
        XCTAssertEqual(bp.status.line, try CoreFixture.line("square-body"))
        XCTAssertEqual(try s.run(.continue), .breakpoint(tid: s.tid, ids: [bp.id], kind: .source))
        XCTAssertEqual(try s.value("v"), "3")
        XCTAssertEqual(bp.hits, 1, "hits count where the condition holds")
        // v == 4 next: false, so on to the end.
        guard case .endOfRecording(let end) = try s.run(.continue) else { return XCTFail("not at the end") }
        XCTAssertEqual(end.exitCode, 0)
        XCTAssertEqual(s.messages, [])
    }

    func testHitConditionEveryThirdHit() throws {
        let s = try CoreSession("debuggee")
        let bp = try s.breakAt("square-body", hitCondition: "%3")
        XCTAssertEqual(try s.run(.continue), .breakpoint(tid: s.tid, ids: [bp.id], kind: .source))
        XCTAssertEqual(try s.value("v"), "2", "the third call is square(2)")
        XCTAssertEqual(bp.hits, 3)
        // The sixth hit does not come (five calls).
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }
        XCTAssertEqual(bp.hits, 5)
    }

    func testLogpointPrintsInterpolatedTextAndDoesNotStop() throws {
        let s = try CoreSession("debuggee")
        try s.breakAt("counter", logMessage: "i={i} total={total} {{braces}} {nope}")
        let before = s.debugger.engineStopCount
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }
        let totals = [0, 1, 5, 14, 30]
        XCTAssertEqual(s.messages, (0..<5).map { .logpoint("i=\($0) total=\(totals[$0]) {braces} <cannot evaluate nope>") })
        XCTAssertEqual(s.debugger.engineStopCount - before, 6, "five hits and the end")
    }

    func testReverseContinuePassesOverHitsWhoseConditionIsFalse() throws {
        let s = try CoreSession("debuggee")
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }
        let bp = try s.breakAt("square-body", condition: "v == 1")
        let before = s.debugger.engineStopCount
        let stop = try s.run(.reverseContinue)
        XCTAssertEqual(stop, .breakpoint(tid: s.tid, ids: [bp.id], kind: .source))
        XCTAssertEqual(try s.value("v"), "1")
        // Backwards from the end: square(4), (3), (2) are passed over inside the replay's scan,
        // where the condition is evaluated (ReplayDebugger.setReverseHitFilter); the engine
        // stops once, at square(1).
        XCTAssertEqual(s.debugger.engineStopCount - before, 1)
        XCTAssertEqual(bp.hits, 0, "hits are not counted backwards")
    }

    func testAConditionOfAnotherKindIsHonoured() throws {
        let s = try CoreSession("debuggee")
        let bp = s.breakpoints.make(.function, "square")
        bp.function = "square"
        bp.condition = FirstArgumentIs(value: 2)
        s.breakpoints.function = [bp]
        s.debugger.placeBreakpoints()
        XCTAssertTrue(bp.status.verified)
        XCTAssertEqual(bp.status.line, try CoreFixture.line("square-body"))
        XCTAssertEqual(bp.status.file.map { URL(fileURLWithPath: $0).lastPathComponent }, "debuggee.c")
        XCTAssertEqual(try s.run(.continue), .breakpoint(tid: s.tid, ids: [bp.id], kind: .function))
        XCTAssertEqual(try s.value("v"), "2")
        XCTAssertEqual(bp.hits, 1)
    }

    func testAConditionThatCannotBeEvaluatedStopsAndSaysWhy() throws {
        let s = try CoreSession("debuggee")
        let bp = try s.breakAt("square-body")
        bp.condition = Unreadable()
        XCTAssertEqual(try s.run(.continue), .breakpoint(tid: s.tid, ids: [bp.id], kind: .source))
        XCTAssertEqual(try s.value("v"), "0")
        XCTAssertEqual(s.messages, [.problem("breakpoint \(bp.id) (\(bp.spec)): the condition '$nothing' cannot be " +
                                             "evaluated: no such register; stopping there")])
    }

    func testSignalPolicy() throws {
        let fatal = try CoreSession("debuggee", ["crash"])
        let stop = try fatal.run(.continue)
        XCTAssertEqual(stop, .signal(tid: fatal.tid, number: 11))
        XCTAssertEqual(stop.description, "Thread \(fatal.tid) received signal SIGSEGV (Segmentation fault)")
        XCTAssertEqual(try fatal.whereNow().line, try CoreFixture.line("crash"))

        let none = try CoreSession("debuggee", ["crash"])
        none.breakpoints.signals = .none
        guard case .endOfRecording(let end) = try none.run(.continue) else { return XCTFail("not at the end") }
        XCTAssertEqual(end.exitCode, 128 + 11)
    }

    func testResolutionOfPendingAndMovedBreakpoints() throws {
        let s = try CoreSession("debuggee")
        let missing = s.breakpoints.make(.function, "no_such_function")
        missing.function = "no_such_function"
        s.breakpoints.function = [missing]
        // Line 1 is a comment: the breakpoint lands on the first line at or after it with code.
        let early = s.breakpoints.make(.source, "debuggee.c:1")
        early.file = CoreFixture.source()
        early.line = 1
        s.breakpoints.source[CoreFixture.source()] = [early]
        let changed = s.debugger.placeBreakpoints()
        XCTAssertEqual(Set(changed.map(\.id)), [missing.id, early.id])
        XCTAssertFalse(missing.status.verified)
        XCTAssertTrue(missing.status.pending)
        XCTAssertEqual(missing.status.message, "no function named 'no_such_function' in the modules loaded now")
        XCTAssertTrue(early.status.verified)
        let square = try XCTUnwrap(
            try String(contentsOfFile: CoreFixture.source(), encoding: .utf8).components(separatedBy: "\n")
                .firstIndex { $0.hasPrefix("int square") }) + 1
        XCTAssertEqual(early.status.line, square + 1, "the first line with code is square's body")
        XCTAssertEqual(early.status.address, early.addresses.first)
        // Only the unverified one is tried again.
        XCTAssertEqual(s.debugger.placeBreakpoints(onlyUnverified: true).map(\.id), [missing.id])
    }

    func testDataBreakpointWithAConditionForwardAndBackward() throws {
        let s = try CoreSession("debuggee")
        try s.breakAt("loop")
        _ = try s.run(.continue)
        s.breakpoints.source = [:]
        s.debugger.placeBreakpoints()
        let (id, address) = try s.watchInt("counter", condition: "counter > 10")
        // Forward: the writes of 0, 1 and 5 go on; 14 stops, its old value the last write's.
        let stop = try s.run(.continue)
        XCTAssertEqual(stop, .dataBreakpoint(tid: s.tid, DataChange(id: id, address: address, name: "counter",
                                                                    old: "5", new: "14", backward: false)))
        XCTAssertEqual(stop.description, "counter changed from 5 to 14")
        XCTAssertEqual(s.debugger.breakpoints.data.first?.hits, 1)
        // On to 30, then the end.
        XCTAssertEqual(try s.run(.continue).description, "counter changed from 14 to 30")
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }
        // Backwards from the end: just before the write of 30, where the condition (14 > 10) holds.
        let back = try s.run(.reverseContinue)
        XCTAssertEqual(back.description, "counter is 14 here, just before the write that changes it (found going backwards)")
        XCTAssertEqual(s.debugger.breakpoints.data.first?.hits, 2, "hits are not counted backwards")
        s.debugger.clearDataBreakpoints()
        XCTAssertTrue(s.debugger.breakpoints.data.isEmpty)
    }
}
