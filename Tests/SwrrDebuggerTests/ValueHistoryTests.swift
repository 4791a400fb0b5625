// Value history on recordings of Tests/Fixtures/dap/history.c: `counter` written in a loop
// (10, 20, ... 50), in a SIGUSR1 handler (100), twice in a forked child (7, 8) and last by the
// parent (-1); with "alarm", 1 on a stretch replay reaches by a point search and 1000 in a
// SIGALRM handler delivered mid-loop. The exact values, lines and functions; the user's
// position and breakpoints are as they were after the pass; travel to an entry; the child's
// writes when debugging the child; the limit, the time limit and a pause mark the history
// incomplete.
import Foundation
import SwrrDebugInfo
import SwrrDebugger
import XCTest

final class ValueHistoryTests: XCTestCase {
    private func line(_ marker: String) throws -> Int { try CoreFixture.line(marker, in: "history") }

    func testLoopHandlerAndParentWritesWithTheirPlaces() throws {
        let s = try CoreSession("history")
        let bp = try s.breakAt("loop")
        XCTAssertEqual(try s.run(.continue), .breakpoint(tid: s.tid, ids: [bp.id], kind: .source))
        let parent = s.tid
        XCTAssertEqual(try s.value("counter"), "0")
        let eventBefore = try s.debugger.replay.eventNumber()

        let h = try s.debugger.valueHistory(of: "counter")
        XCTAssertNil(h.incomplete, h.summary)
        XCTAssertEqual(h.entries.map(\.value), ["10", "20", "30", "40", "50", "100", "-1"])
        let (loop, handler, last) = (try line("loop"), try line("handler"), try line("last"))
        XCTAssertEqual(h.entries.map { $0.location?.line }, [loop, loop, loop, loop, loop, handler, last])
        XCTAssertEqual(h.entries.map(\.function), ["main", "main", "main", "main", "main", "on_usr1", "main"])
        XCTAssertEqual(h.entries.map(\.location?.fileName), Array(repeating: "history.c", count: 7))
        XCTAssertEqual(Set(h.entries.map(\.tid)), [parent])
        XCTAssertEqual(h.entries.map(\.index), Array(1...7))
        XCTAssertEqual(h.entries.map(\.event), h.entries.map(\.event).sorted(), "in the recording's order")
        XCTAssertEqual(h.passedOver, 2, "the child's two writes are another location")
        XCTAssertEqual(h.initial, "0")
        XCTAssertEqual(h.length, 4)
        XCTAssertEqual(h.entries[5].summary,
                       "#6  event \(h.entries[5].event)  thread \(parent)  on_usr1  history.c:\(handler)  = 100")
        XCTAssertEqual(h.summary, "7 writes of counter (4 bytes at 0x\(String(h.address, radix: 16))), 2 in other processes passed over")

        // The user is where they were: same event, line and value, and the breakpoint still stops
        // at the next iteration; the pass's output did not come out.
        XCTAssertEqual(try s.debugger.replay.eventNumber(), eventBefore)
        XCTAssertEqual(try s.whereNow().line, loop)
        XCTAssertEqual(try s.value("counter"), "0")
        XCTAssertEqual(s.programOutput, "")
        XCTAssertEqual(try s.run(.continue), .breakpoint(tid: parent, ids: [bp.id], kind: .source))
        XCTAssertEqual(try s.value("counter"), "10")
        XCTAssertEqual(try s.value("i"), "2")

        // Travel forward to entry 3 (the replay is in the second iteration) and to the handler's
        // write, then back to entry 2.
        let third = h.entries[2]
        XCTAssertEqual(try s.run(.gotoPosition(third.position)),
                       .goto(tid: parent, .atPosition("write 3 of counter (= 30)", event: third.event)))
        XCTAssertEqual(try s.value("counter"), "30")
        XCTAssertEqual(try s.value("i"), "3", "right after the third iteration's store")
        let sixth = h.entries[5]
        XCTAssertEqual(try s.run(.gotoPosition(sixth.position)),
                       .goto(tid: parent, .atPosition("write 6 of counter (= 100)", event: sixth.event)))
        XCTAssertEqual(try s.value("counter"), "100")
        XCTAssertEqual(try s.whereNow().function, "on_usr1")
        XCTAssertEqual(try s.run(.gotoPosition(h.entries[1].position)),
                       .goto(tid: parent, .atPosition("write 2 of counter (= 20)", event: h.entries[1].event)))
        XCTAssertEqual(try s.value("counter"), "20")
        // Right after the store: the loop's increment, on the `for` line.
        XCTAssertEqual(try s.whereNow().line, try line("for"))
    }

    func testTheChildsWritesWhenDebuggingTheChild() throws {
        let trace = try CoreFixture.trace("history")
        let processes = try RecordedProcesses.list(trace)
        XCTAssertEqual(processes.count, 2, "\(processes)")
        let s = try CoreSession("history", process: Int(processes[1]))
        let bp = try s.breakAt("child")
        XCTAssertEqual(try s.run(.continue), .breakpoint(tid: processes[1], ids: [bp.id], kind: .source))
        let h = try s.debugger.valueHistory(of: "counter")
        XCTAssertNil(h.incomplete)
        XCTAssertEqual(h.entries.map(\.value), ["7", "8"])
        XCTAssertEqual(h.entries.map { $0.location?.line }, [try line("child"), try line("child2")])
        XCTAssertEqual(h.entries.map(\.pid), [processes[1], processes[1]])
        XCTAssertEqual(h.passedOver, 7, "the parent's writes: 5 in the loop, the handler's, the last")
        XCTAssertEqual(try s.value("counter"), "100", "the child's copy before its first write")
    }

    func testAnAddressAndSizeHasHexadecimalValues() throws {
        let s = try CoreSession("history")
        try s.breakAt("print")
        _ = try s.run(.continue)
        let r = try DebugExpression.evaluate("&counter", in: s.debugger.callStack(s.tid).scope(0))
        guard case .pointer(let address, _, _) = r.value else { return XCTFail("\(r.value)") }
        let h = try s.debugger.valueHistory(address: address, length: 4)
        XCTAssertEqual(h.entries.map(\.value), ["0x0000000a", "0x00000014", "0x0000001e", "0x00000028", "0x00000032",
                                                "0x00000064", "0xffffffff"])
        XCTAssertEqual(h.name, "0x\(String(address, radix: 16)),4")
        XCTAssertThrowsError(try s.debugger.valueHistory(address: address, length: 40)) { error in
            XCTAssertEqual(error as? SessionError, SessionError(
                "a value history watches 1 to 32 bytes (the four debug registers of 8 bytes), not 40"))
        }
        XCTAssertThrowsError(try s.debugger.valueHistory(of: "no_such_variable")) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot evaluate 'no_such_variable'"), "\(error)")
        }
        XCTAssertThrowsError(try s.debugger.valueHistory(of: "counter + 1")) { error in
            XCTAssertEqual(error as? SessionError,
                           SessionError("'counter + 1' is not an object in memory: it has no history to watch"))
        }
        // From the end of the recording, where no thread lives: the same, and back at the end.
        guard case .endOfRecording = try s.run(.continue) else { return XCTFail("not at the end") }
        let fromEnd = try s.debugger.valueHistory(address: address, length: 4)
        XCTAssertEqual(fromEnd.entries.map(\.value), h.entries.map(\.value))
        XCTAssertEqual(fromEnd.entries.map(\.event), h.entries.map(\.event))
        XCTAssertTrue(try s.debugger.replay.hasEnded())
        XCTAssertTrue(s.debugger.atEnd)
    }

    func testTheLimitMarksTheHistoryIncomplete() throws {
        let s = try CoreSession("history")
        try s.breakAt("print")
        _ = try s.run(.continue)
        let three = try s.debugger.valueHistory(of: "counter", limits: ValueHistoryLimits(maxEntries: 3))
        XCTAssertEqual(three.entries.map(\.value), ["10", "20", "30"])
        XCTAssertEqual(three.incomplete, .limit(3))
        XCTAssertTrue(three.summary.hasSuffix("; incomplete: stopped at the limit of 3 entries"), three.summary)
        // Exactly as many writes as the limit: complete.
        let seven = try s.debugger.valueHistory(of: "counter", limits: ValueHistoryLimits(maxEntries: 7))
        XCTAssertEqual(seven.entries.count, 7)
        XCTAssertNil(seven.incomplete)
        XCTAssertEqual(try s.value("counter"), "-1")
    }

    func testTheTimeLimitAndAPauseEndThePassWithWhatItFound() throws {
        let s = try CoreSession("history", ["10000"])
        try s.breakAt("print")
        _ = try s.run(.continue)
        let loopValues = (1...10_000).map { String($0 * 10) }

        // 10,000 watchpoint traps cannot fit in 50 ms (each is a ptrace stop and a mailbox round trip).
        let timed = try s.debugger.valueHistory(of: "counter", limits: ValueHistoryLimits(timeLimit: 0.05))
        XCTAssertEqual(timed.incomplete, .timeLimit(0.05))
        XCTAssertLessThan(timed.entries.count, 10_000)
        XCTAssertEqual(timed.entries.map(\.value), Array(loopValues.prefix(timed.entries.count)))
        XCTAssertEqual(try s.value("counter"), "-1", "back where the user was")

        final class Outcome: @unchecked Sendable { var result: Result<ValueHistory, Error>? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            outcome.result = Result { try s.debugger.valueHistory(of: "counter") }   // read after `done`
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        // A pause before the pass begins has no effect: ask until it returns.
        Thread.sleep(forTimeInterval: 0.2)
        var asked = 0
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            s.debugger.pause()
            asked += 1
            XCTAssertLessThan(asked, 2400, "the pass did not return within two minutes of pauses")
        }
        let paused = try XCTUnwrap(outcome.result).get()
        print("value history: the time limit of 50 ms stopped at \(timed.entries.count) entries, a pause at \(paused.entries.count)")
        XCTAssertEqual(paused.incomplete, .paused)
        XCTAssertLessThan(paused.entries.count, 10_000)
        XCTAssertEqual(paused.entries.map(\.value), Array(loopValues.prefix(paused.entries.count)))
        XCTAssertEqual(try s.value("counter"), "-1")
        XCTAssertEqual(try s.whereNow().line, try line("print"))
    }
}

extension ValueHistoryTests {
    /// SIGALRM delivered in the middle of a computation (held back 200 ms with no syscall to
    /// deliver it at): the handler's write is a write like any other, named with the handler.
    /// Replay reaches the delivery point by a search from setitimer's return (PointSearch), with
    /// the debugger's watchpoint armed beside the search's breakpoint (Watchpoints.swift), so the
    /// store of 1 on that stretch is in the history (it was missed while the search cleared DR7).
    func testWritesAroundASignalDeliveredMidComputation() throws {
        let s = try CoreSession("history", ["5", "alarm"])
        try s.breakAt("print")
        _ = try s.run(.continue)
        let h = try s.debugger.valueHistory(of: "counter")
        XCTAssertNil(h.incomplete)
        XCTAssertEqual(h.entries.map(\.value), ["10", "20", "30", "40", "50", "100", "1", "1000", "-1"])
        let one = h.entries[6]
        XCTAssertEqual(one.location?.line, try line("before-alarm"))
        XCTAssertEqual(one.function, "main")
        let handler = h.entries[7]
        XCTAssertEqual(handler.location?.line, try line("alarm"))
        XCTAssertEqual(handler.function, "on_alarm")
        XCTAssertEqual(try s.run(.gotoPosition(handler.position)),
                       .goto(tid: s.tid, .atPosition("write 8 of counter (= 1000)", event: handler.event)))
        XCTAssertEqual(try s.value("counter"), "1000")
        XCTAssertEqual(try s.whereNow().function, "on_alarm")
        // The store of 1 lies on the searched stretch: travel there.
        XCTAssertEqual(try s.run(.gotoPosition(one.position)),
                       .goto(tid: s.tid, .atPosition("write 7 of counter (= 1)", event: one.event)))
        XCTAssertEqual(try s.value("counter"), "1")
        XCTAssertEqual(try s.whereNow().function, "main")
    }

    /// A data breakpoint on the same recording stops at the store of 1 on the searched stretch,
    /// going forward and going backwards, with exact values and lines.
    func testDataBreakpointStopsOnTheSearchedStretchBothWays() throws {
        let s = try CoreSession("history", ["5", "alarm"])
        try s.breakAt("handler")
        _ = try s.run(.continue)
        s.breakpoints.source = [:]
        s.debugger.placeBreakpoints()
        let (id, address) = try s.watchInt("counter")
        func change(_ old: String, _ new: String, backward: Bool = false) -> Stop {
            .dataBreakpoint(tid: s.tid, DataChange(id: id, address: address, name: "counter", old: old, new: new, backward: backward))
        }
        XCTAssertEqual(try s.run(.continue), change("50", "100"))
        XCTAssertEqual(try s.whereNow().function, "on_usr1")
        // The store of 1, between setitimer's return and SIGALRM's delivery in the spin loop.
        XCTAssertEqual(try s.run(.continue), change("100", "1"))
        let afterOne = try s.whereNow()
        XCTAssertEqual(afterOne.function, "main")
        XCTAssertEqual(afterOne.line, try line("spin"), "after the store")
        XCTAssertEqual(try s.value("counter"), "1")
        XCTAssertEqual(try s.run(.continue), change("1", "1000"))
        XCTAssertEqual(try s.whereNow().function, "on_alarm")
        // Backwards: just before the handler's write (counter is 1), then just before the store
        // of 1 (counter is 100).
        let back = try s.run(.reverseContinue)
        XCTAssertEqual(back.description, "counter is 1 here, just before the write that changes it (found going backwards)")
        XCTAssertEqual(try s.whereNow().line, try line("alarm"))
        XCTAssertEqual(try s.value("counter"), "1")
        let back2 = try s.run(.reverseContinue)
        XCTAssertEqual(back2.description, "counter is 100 here, just before the write that changes it (found going backwards)")
        XCTAssertEqual(try s.whereNow().line, try line("before-alarm"))
        XCTAssertEqual(try s.whereNow().function, "main")
        XCTAssertEqual(try s.value("counter"), "100")
    }
}
