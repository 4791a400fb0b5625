// Checkpoints inside a long stretch without events (SwrrReplay/StretchCheckpoints.swift), on
// Tests/Fixtures/gdb/stretches.c: about a second of computation without a syscall, tick(t)
// every 15,000,000 iterations, middle() at the middle tick, `now` the tick under way.
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class StretchCheckpointTests: DebuggerTestCase {
    private let ticks: Int64 = 60

    private func signedCheckpoints(_ d: ReplayDebugger) throws -> [CheckpointInfo] {
        try d.checkpoints().filter { $0.position.signature != nil }
    }

    /// The loop's own state where the task stands (-O0: `x` at rbp-8, `i` at rbp-0x18 in main;
    /// the checkpoints stand in main or in tick).
    private func state(_ d: ReplayDebugger, now: UInt64) throws -> [Int64] {
        [try d.int64(at: now), try d.int64(at: try d.registers().rbp &- 8), try d.int64(at: try d.registers().rbp &- 0x18)]
    }

    func testCheckpointsInsideALongComputationAreReachedAgainExactly() throws {
        let (d, rec) = try start("stretches", status: 7)
        let done = try GDBFixture.symbol("done", in: rec.executable)
        let now = try GDBFixture.symbol("now", in: rec.executable)
        try d.setBreakpoint(done)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(done))
        let inside = try signedCheckpoints(d)
        let all = try d.checkpoints()
        XCTAssertGreaterThanOrEqual(inside.count, 2, "a second of computation, one every 0.25 s: \(all)")
        guard inside.count >= 2 else { return }
        XCTAssertEqual(Set(inside.map(\.position.event)).count, 1, "all in the loop's event")
        // Each restored: the registers it was named by, and the loop's progress increasing.
        var states: [[Int64]] = []
        for cp in inside {
            XCTAssertEqual(try d.goTo(cp.position).reason, .jumped)
            XCTAssertEqual(try d.registers(), cp.position.registers, "\(cp)")
            XCTAssertEqual(try d.position().path, cp.position.path)
            states.append(try state(d, now: now))
        }
        let nows = states.map { $0[0] }
        XCTAssertEqual(nows, nows.sorted(), "in the order the replay reached them")
        XCTAssertTrue(nows.allSatisfy { $0 >= 0 && $0 < ticks }, "\(nows)")
        // Without their checkpoints: found again from the start of the event by their state
        // (PointSearch), exactly: the same registers and the same loop variables.
        for cp in inside { try d.deleteCheckpoint(cp.id) }
        XCTAssertEqual(try d.goToStart().reason, .startOfRecording)
        for (cp, expected) in zip(inside, states).reversed() {
            XCTAssertEqual(try d.goTo(cp.position).reason, .jumped, "\(cp.position)")
            XCTAssertEqual(try d.registers(), cp.position.registers)
            XCTAssertEqual(try state(d, now: now), expected, "the same pass of the loop")
        }
        // And on to the end from the last one, as recorded.
        try d.removeBreakpoint(done)
        XCTAssertEqual(try d.continueForward(stopAtTaskEvents: false).reason, .end(.completed(waitStatus: WaitStatus.exited(7))))
    }

    /// Forward to middle(), then a breakpoint the forward run never had (tick): reverse-continue
    /// scans only the stretch before the position, not the event from its start, and lands on
    /// the same hit a forward run has.
    func testABreakpointNewToTheLoopIsFoundBackwardsStretchByStretch() throws {
        let (d, rec) = try start("stretches", status: 7)
        let middle = try GDBFixture.symbol("middle", in: rec.executable)
        let tick = try GDBFixture.symbol("tick", in: rec.executable)
        let now = try GDBFixture.symbol("now", in: rec.executable)
        try d.setBreakpoint(middle)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(middle))
        XCTAssertEqual(try d.int64(at: now), ticks / 2)
        let here = try d.position()
        XCTAssertNotNil(here.signature, "counted from a checkpoint inside the loop: \(here)")
        try d.setBreakpoint(tick)
        var scans = try d.scanCount()
        XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(tick))
        XCTAssertEqual(try d.int64(at: now), ticks / 2)
        XCTAssertEqual(try d.registers().rdi, UInt64(ticks / 2), "tick(30)")
        let tick30 = try d.registers()
        XCTAssertLessThanOrEqual(try d.scanCount() - scans, 2, "one stretch (two when the hit lies before its checkpoint)")
        for k in stride(from: ticks / 2 - 1, through: ticks / 2 - 4, by: -1) {
            scans = try d.scanCount()
            XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(tick))
            XCTAssertEqual(try d.registers().rdi, UInt64(k))
            XCTAssertEqual(try d.int64(at: now), k)
            XCTAssertLessThanOrEqual(try d.scanCount() - scans, 2, "tick(\(k)): one stretch back, or two")
        }
        // Forward again: tick(27) .. tick(30) as a forward run has them.
        for k in (ticks / 2 - 3)...(ticks / 2) {
            XCTAssertEqual(try d.continueForward().reason, .breakpoint(tick))
            XCTAssertEqual(try d.registers().rdi, UInt64(k))
        }
        XCTAssertEqual(try d.registers(), tick30)
    }

    /// From the end, with a breakpoint set only there: the last hit is found going back one
    /// stretch at a time, each scanned once.
    func testReverseContinueFromTheEndScansEachStretchOnce() throws {
        let (d, rec) = try start("stretches", status: 7)
        let done = try GDBFixture.symbol("done", in: rec.executable)
        let middle = try GDBFixture.symbol("middle", in: rec.executable)
        let now = try GDBFixture.symbol("now", in: rec.executable)
        try d.setBreakpoint(done)
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(done))
        let stretches = try signedCheckpoints(d).count
        try d.setBreakpoint(middle)
        let scans = try d.scanCount()
        XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(middle))
        XCTAssertEqual(try d.int64(at: now), ticks / 2)
        XCTAssertEqual(try d.registers().rdi, UInt64(ticks / 2))
        // From done()'s event back to middle: the stretches after middle's and middle's own,
        // each once (plus the boundary's), never the whole event again.
        let used = try d.scanCount() - scans
        XCTAssertGreaterThanOrEqual(used, 2)
        XCTAssertLessThanOrEqual(used, stretches + 2, "\(used) scans for \(stretches) stretches")
    }

    /// A pause deep in the loop, then reverse-continue to a breakpoint new to it: one stretch is
    /// scanned, from the checkpoint before the pause to the paused state (found by its registers
    /// with the stub, not by a stop at every pass of its instruction).
    func testReverseContinueFromAPauseDeepInTheLoopScansOneStretch() throws {
        let (d, rec) = try start("stretches", status: 7)
        let tick = try GDBFixture.symbol("tick", in: rec.executable)
        let now = try GDBFixture.symbol("now", in: rec.executable)
        // Stretch checkpoints come every 0.25 s of the task's CPU time, which other work on the
        // machine slows: paused again until the replay is past one inside the loop.
        var at: Int64 = 0
        var p = try d.position()
        for _ in 0..<8 {
            let stop = try interrupting(d, after: 0.3) { try d.continueForward(stopAtTaskEvents: false) }
            XCTAssertEqual(stop.reason, .interrupted, "\(stop)")
            at = try d.int64(at: now)
            p = try d.position()
            if p.signature != nil && at > 0 { break }
        }
        XCTAssertTrue(at > 0 && at < ticks, "paused in the loop: now = \(at)")
        XCTAssertNotNil(p.signature, "after a checkpoint inside the loop: \(p)")
        guard case .state? = p.path.last else { return XCTFail("the paused state last: \(p)") }
        try d.setBreakpoint(tick)
        let scans = try d.scanCount()
        XCTAssertEqual(try d.reverseContinue().reason, .breakpoint(tick))
        let t = Int64(bitPattern: try d.registers().rdi)
        XCTAssertEqual(try d.int64(at: now), t, "tick(now)")
        XCTAssertTrue(t == at || t == at - 1, "the last tick before the pause (now = \(at)): tick(\(t))")
        XCTAssertLessThanOrEqual(try d.scanCount() - scans, 2, "one stretch (two when the tick lies before its checkpoint)")
        // Forward again to the pause's tick and on past it.
        XCTAssertEqual(try d.continueForward().reason, .breakpoint(tick))
        XCTAssertEqual(Int64(bitPattern: try d.registers().rdi), t + 1)
    }
}
