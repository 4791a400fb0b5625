// Pausing a running replay (ReplayDebugger.interrupt, ReplayInterrupt.swift) on
// Tests/Fixtures/gdb/pause.c: during a run of many events it stops at an event boundary, during
// a long computation where the task is (a `.state` position), during a backwards scan where the
// scan got to; each stop is a position the replay reaches again, and the replay goes on to the
// recorded end afterwards. Also `.state` positions reached by a seek (loop.c).
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

/// A boolean shared between threads.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var v = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return v }
        set { lock.lock(); v = newValue; lock.unlock() }
    }
}

final class ReplayInterruptTests: DebuggerTestCase {
    func testAPauseAmongManyEventsStopsAtAnEventBoundaryThatIsReachedAgain() throws {
        let (d, rec) = try start("pause", status: 5)
        let phase = try GDBFixture.symbol("phase", in: rec.executable)
        let compute = try GDBFixture.symbol("compute", in: rec.executable)
        try d.setBreakpoint(compute)
        let stop = try interrupting(d, after: 0.3) { try d.continueForward(stopAtTaskEvents: false) }
        XCTAssertEqual(stop.reason, .interrupted, "\(stop)")
        XCTAssertEqual(try d.int32(at: phase), 1, "paused among the getppid calls")
        let p = try d.position()
        XCTAssertTrue(p.isEventBoundary, "\(p)")
        XCTAssertGreaterThan(p.event, 10)
        let regs = try d.registers()
        XCTAssertEqual(try d.goToStart().reason, .startOfRecording)
        XCTAssertEqual(try d.goTo(p).reason, .jumped)
        XCTAssertEqual(try d.registers(), regs, "the paused position is reached again exactly")
        // Forward from there: the breakpoint, then the recorded end.
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .breakpoint(compute))
        XCTAssertEqual(try d.int32(at: phase), 2)
        try d.removeBreakpoint(compute)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(5))))
    }

    func testAPauseInALongComputationStopsWhereTheTaskIs() throws {
        let (d, rec) = try start("pause", status: 5)
        let spins = try GDBFixture.symbol("spins", in: rec.executable)
        let compute = try GDBFixture.symbol("compute", in: rec.executable)
        let main = try GDBFixture.symbol("main", in: rec.executable)
        try d.setBreakpoint(compute)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .breakpoint(compute))
        let before = try d.position()
        try d.removeBreakpoint(compute)
        let stop = try interrupting(d, after: 0.2) { try d.continueForward(stopAtTaskEvents: false) }
        XCTAssertEqual(stop.reason, .interrupted, "\(stop)")
        let regs = try d.registers()
        XCTAssertTrue(regs.rip > compute && regs.rip < main, "stopped inside compute(): 0x\(String(regs.rip, radix: 16))")
        let progress = try d.int64(at: spins)
        XCTAssertGreaterThan(progress, 0)
        XCTAssertLessThan(progress, 5_000_000_000)
        // The position: the breakpoint's, then the state the task was interrupted in.
        let p = try d.position()
        XCTAssertEqual(p.event, before.event)
        // (or a checkpoint inside the computation, when the pause came after one: 0.25 s)
        XCTAssertTrue(Array(p.path.dropLast()) == before.path || (p.path.count == 2 && p.signature != nil), "\(p)")
        XCTAssertEqual(p.path.last, .state(regs), "\(p)")
        // Going on from there: single steps, then the recorded end.
        XCTAssertEqual(try d.stepInstruction().reason, .step)
        XCTAssertEqual(try d.position().path.last, .steps(1))
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(5))))
    }

    func testAPausedReverseContinueStopsWhereItsScanGotTo() throws {
        let (d, rec) = try start("pause", status: 5)
        let phase = try GDBFixture.symbol("phase", in: rec.executable)
        let compute = try GDBFixture.symbol("compute", in: rec.executable)
        try d.setBreakpoint(compute)
        let at = try d.continueForward(stopAtTaskEvents: false)
        XCTAssertEqual(at.reason, .breakpoint(compute))
        try d.removeBreakpoint(compute)
        // With a breakpoint only hit later (and so not known to the forward run that stopped
        // here) the scan runs back to the start; paused, it stops between.
        let after = try GDBFixture.address(ofLine: try GDBFixture.line("after", in: "pause"), in: rec.executable)
        try d.setBreakpoint(after)
        let stop = try interrupting(d, after: 0.3) { try d.reverseContinue() }
        XCTAssertEqual(stop.reason, .interrupted, "\(stop)")
        XCTAssertGreaterThan(stop.event, 1)
        XCTAssertLessThan(stop.event, at.event)
        XCTAssertEqual(try d.eventNumber(), stop.event)
        XCTAssertEqual(try d.int32(at: phase), 1)
        XCTAssertTrue(try d.position().isEventBoundary)
        // The replay is usable from there, in both directions.
        try d.removeBreakpoint(after)
        try d.setBreakpoint(compute)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .breakpoint(compute))
        XCTAssertEqual(try d.eventNumber(), at.event)
        XCTAssertEqual(try d.reverseContinue().reason, .startOfRecording)
    }

    func testAnInterruptWhileNothingRunsChangesNothing() throws {
        let (d, rec) = try start("loop", status: 3)
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        d.interrupt()
        try d.setBreakpoint(body)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(body))
    }

    /// A `.state` segment (what a pause in a computation records) is reached by a seek and
    /// stored as the arrival count it is; single steps and reverse steps work from it.
    func testAStatePositionIsReachedAgainAndBecomesAnArrivalCount() throws {
        let (d, rec) = try start("loop", status: 3)
        let body = try GDBFixture.address(ofLine: try GDBFixture.line("body"), in: rec.executable)
        try d.setBreakpoint(body)
        for _ in 0..<3 { _ = try d.continueForward() }
        let p = try d.position()
        let regs = try d.registers()
        try d.removeBreakpoint(body)
        XCTAssertEqual(try d.goToStart().reason, .startOfRecording)
        let state = ReplayPosition(event: p.event, tid: p.tid, path: [.state(regs)])
        XCTAssertEqual(try d.goTo(state).reason, .jumped)
        XCTAssertEqual(try d.registers(), regs)
        XCTAssertEqual(try d.position().path, p.path, "stored as the arrival count")
        XCTAssertEqual(try d.stepInstruction().reason, .step)
        XCTAssertEqual(try d.reverseStepInstruction().reason, .step)
        XCTAssertEqual(try d.registers(), regs)
    }
}
