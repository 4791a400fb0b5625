// Reverse execution through the debugging API (ReplayDebugger), on Tests/Fixtures/gdb/loop.c:
// reverse-continue over breakpoints and watchpoints, reverse-stepi, exact positions, and going
// back to the start then forward again.
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class ReverseExecutionTests: DebuggerTestCase {
    private func bodyAddress(_ rec: GDBFixture.Recording) throws -> UInt64 {
        try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
    }

    func testReverseContinueLandsOnEachEarlierIterationThenTheStart() throws {
        let (d, rec) = try start()
        let body = try bodyAddress(rec)
        let iter = try GDBFixture.symbol("iter", in: rec.executable)
        let code = try d.readMemory(body, count: 4)
        try d.setBreakpoint(body)
        var forward: [Registers] = []
        for k in 0..<5 {
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
            XCTAssertEqual(try d.int32(at: iter), Int32(k))
            forward.append(try d.registers())
        }
        for k in stride(from: 3, through: 0, by: -1) {
            let t0 = Date()
            let stop = try d.reverseContinue()
            let elapsed = Date().timeIntervalSince(t0)
            print("reverse-continue to iteration \(k): \(String(format: "%.3f", elapsed)) s")
            XCTAssertEqual(stop.reason, .breakpoint(body), "reverse-continue \(3 - k)")
            XCTAssertEqual(try d.int32(at: iter), Int32(k), "the loop variable after going back to iteration \(k)")
            XCTAssertEqual(try d.registers(), forward[k], "the registers of iteration \(k), as when it ran forward")
            XCTAssertEqual(try d.readMemory(body, count: 4), code, "the int3 stays hidden")
        }
        XCTAssertEqual(try d.reverseContinue().reason, .startOfRecording)
        XCTAssertEqual(try d.eventNumber(), 1)
        XCTAssertEqual(try d.reverseContinue().reason, .startOfRecording, "at the start it stays there")
        // Forward again: the same iterations, then the end.
        for k in 0..<5 {
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
            XCTAssertEqual(try d.int32(at: iter), Int32(k))
            XCTAssertEqual(try d.registers(), forward[k])
        }
        try d.removeBreakpoint(body)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(3))))
    }

    func testAPositionIsReachedAgainWithIdenticalRegisters() throws {
        let (d, rec) = try start()
        let body = try bodyAddress(rec)
        try d.setBreakpoint(body)
        for _ in 0..<3 { _ = try d.continueForward() }
        let p1 = try d.position()
        let r1 = try d.registers()
        // The n-th arrival at the loop body since its event began (the first iteration runs in
        // an earlier event than the next ones: printf's first call makes syscalls).
        guard case .arrival(body, let hits)? = p1.path.first, p1.path.count == 1 else {
            return XCTFail("a breakpoint hit is one arrival count: \(p1)")
        }
        XCTAssertEqual(p1.registers, r1)
        _ = try d.stepInstruction()
        _ = try d.stepInstruction()
        let p2 = try d.position()
        let r2 = try d.registers()
        XCTAssertEqual(p2.path, [.arrival(body, hits), .steps(2)])

        XCTAssertEqual(try d.goToStart().reason, .startOfRecording)
        XCTAssertEqual(try d.goTo(p2).reason, .jumped)
        XCTAssertEqual(try d.registers(), r2)
        XCTAssertEqual(try d.goTo(p1).reason, .jumped)
        XCTAssertEqual(try d.registers(), r1)
        // The brief form of the same position.
        XCTAssertEqual(try d.goTo(ReplayPosition(event: p1.event, tid: p1.tid, rip: body, hits: hits)).reason, .jumped)
        XCTAssertEqual(try d.registers(), r1)
        // An event boundary.
        XCTAssertEqual(try d.goToEvent(5).reason, .jumped)
        XCTAssertEqual(try d.eventNumber(), 5)
        let r5 = try d.registers()
        _ = try d.goToEvent(2)
        _ = try d.goToEvent(5)
        XCTAssertEqual(try d.registers(), r5)
    }

    func testReverseStepiGivesThePreviousInstructionsRegisters() throws {
        let (d, rec) = try start()
        let body = try bodyAddress(rec)
        try d.setBreakpoint(body)
        _ = try d.continueForward()
        _ = try d.continueForward()
        var regs = [try d.registers()]
        for _ in 0..<3 {
            XCTAssertEqual(try d.stepInstruction().reason, .step)
            regs.append(try d.registers())
        }
        for k in stride(from: 2, through: 0, by: -1) {
            XCTAssertEqual(try d.reverseStepInstruction().reason, .step)
            XCTAssertEqual(try d.registers(), regs[k], "back to step \(k)")
        }
        // Before the breakpoint: the instruction whose step lands on it (found by stepping).
        let t0 = Date()
        XCTAssertEqual(try d.reverseStepInstruction().reason, .step)
        print("reverse-stepi onto the instruction before a breakpoint: \(String(format: "%.3f", Date().timeIntervalSince(t0))) s")
        let before = try d.registers()
        XCTAssertNotEqual(before.rip, body)
        XCTAssertEqual(try d.stepInstruction().reason, .step)
        XCTAssertEqual(try d.registers(), regs[0], "a forward step from the previous instruction lands where we were")
        // And the replay goes on as recorded.
        try d.removeBreakpoint(body)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(3))))
    }

    func testReverseContinueWithAWatchpointFindsTheLastWrites() throws {
        let (d, rec) = try start()
        let body = try bodyAddress(rec)
        let counter = try GDBFixture.symbol("counter", in: rec.executable)
        try d.setBreakpoint(body)
        for _ in 0..<4 { _ = try d.continueForward() }
        XCTAssertEqual(try d.int64(at: counter), 21, "iteration 3 starts after the write of 21")
        try d.removeBreakpoint(body)
        try d.setWatchpoint(address: counter, length: 8, kind: .write)
        // Backwards, a watchpoint stops before the instruction that wrote: the old value.
        XCTAssertEqual(try d.reverseContinue().reason, .watchpoint(address: counter, kind: .write))
        XCTAssertEqual(try d.int64(at: counter), 11)
        XCTAssertEqual(try d.reverseContinue().reason, .watchpoint(address: counter, kind: .write))
        XCTAssertEqual(try d.int64(at: counter), 1)
        // Forward from there: that write happens again.
        XCTAssertEqual(try d.continueForward().reason, .watchpoint(address: counter, kind: .write))
        XCTAssertEqual(try d.int64(at: counter), 11)
        // Back over the write just reported forward.
        XCTAssertEqual(try d.reverseContinue().reason, .watchpoint(address: counter, kind: .write))
        XCTAssertEqual(try d.int64(at: counter), 1)
        XCTAssertEqual(try d.reverseContinue().reason, .watchpoint(address: counter, kind: .write))
        XCTAssertEqual(try d.int64(at: counter), 0)
        XCTAssertEqual(try d.reverseContinue().reason, .startOfRecording)
    }

    func testBackToTheStartThenForwardReproducesTheOutput() throws {
        final class Output: @unchecked Sendable { var bytes: [UInt8] = [] }
        let out = Output()
        let (d, rec) = try start(echo: { _, b in out.bytes += b })
        let end = ReplayOutcome.completed(waitStatus: WaitStatus.exited(3))
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(end))
        let first = String(decoding: out.bytes, as: UTF8.self)
        XCTAssertTrue(first.hasPrefix("iter 0 counter 2\n"), first)
        XCTAssertTrue(first.hasSuffix("iter 4 counter 82\n"), first)
        // Backwards from the end, with a breakpoint: the last iteration.
        let body = try bodyAddress(rec)
        try d.setBreakpoint(body)
        out.bytes = []
        XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(body))
        XCTAssertEqual(try d.int32(at: try GDBFixture.symbol("iter", in: rec.executable)), 4)
        XCTAssertEqual(out.bytes, [], "going back prints nothing")
        try d.removeBreakpoint(body)
        XCTAssertEqual(try d.goToStart().reason, .startOfRecording)
        XCTAssertEqual(out.bytes, [])
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(end))
        XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), first, "the same output, once")
        // goToEnd from the start.
        _ = try d.goToStart()
        out.bytes = []
        XCTAssertEqual(try d.goToEnd().reason, .end(end))
        XCTAssertEqual(out.bytes, [], "a jump is silent")
    }
}
