// A replay never waits forever (issue 12, part 6): a replayed task that sleeps in the kernel while
// replay waits for its stop ends the replay within SWRR_STUCK_SECONDS with `swrr: replay is stuck
// at event N: …` (status 70) naming the task and what it does, and leaves nothing running; a task
// that computes for longer than the bound is not stuck.
//
// The hang is made from a real recording of signal_delivery suspend-mask, rewritten so that the
// signal ending its sigsuspend is one the call's mask blocks (TraceRewriting.blockSigsuspend):
// replay's real rt_sigsuspend then sleeps for good.
import Foundation
import SwrrTestSupport
import XCTest

final class StuckReplayTests: XCTestCase {
    static let bound = "2"

    func testTaskAsleepInTheKernelIsReportedStuck() throws {
        let exe = try Fixture.signalDelivery.executable(.o0Dynamic)
        let recording = try record([exe, "suspend-mask"], expectedStatus: 0)
        XCTAssertEqual(recording.result.stdoutText, "sigsuspend: handler ran 1 time(s)\n")
        // Undamaged, it replays (with the real rt_sigsuspend taking the recorded SIGUSR1).
        try assertReplaysIdentically(recording)
        let damaged = try makeTemporaryDirectory("stuck") + "/trace"
        let (suspendEvent, suspendTid) = try TraceRewriting.blockSigsuspend(recording.trace, to: damaged)

        let r = try Swrr.run(["replay", damaged], environment: ["SWRR_STUCK_SECONDS": Self.bound], timeout: 30)
        assertClean(r)
        XCTAssertEqual(r.status, ReplayStatus.divergence, "\(r)")
        let prefix = "swrr: replay is stuck at event \(suspendEvent): task \(suspendTid) (pid "
        let line = r.stderrLines.last ?? ""
        XCTAssertTrue(line.hasPrefix(prefix), "expected \(prefix)…, got: \(r)")
        XCTAssertTrue(line.contains(") is asleep in the kernel in rt_sigsuspend (state S"), "\(r)")
        XCTAssertTrue(line.contains(" for 2 s, where the replay expects it to stop"), "\(r)")
        // It waited for the bound, and not much longer.
        XCTAssertGreaterThanOrEqual(r.seconds, 2, "\(r)")
        XCTAssertLessThan(r.seconds, 20, "\(r)")
        // What it replayed before is what the recording printed (nothing: the output comes after).
        XCTAssertEqual(r.stdoutText, "")
    }

    func testComputingLongerThanTheBoundIsNotStuck() throws {
        // About 2.2 s of computing (-O2, 1,000 million iterations) without a syscall: twice a 1 s bound.
        let exe = try Fixture.compute.executable(.o2Dynamic)
        let recording = try record([exe, "1000"], expectedStatus: 0)
        let r = try Swrr.run(["replay", recording.trace], environment: ["SWRR_STUCK_SECONDS": "1"])
        assertClean(r)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertFalse(r.stderrText.contains("stuck"), "\(r)")
        XCTAssertEqual(r.stdout, recording.result.stdout, "\(r)")
        XCTAssertGreaterThan(r.seconds, 2, "the computation was not longer than twice the bound: \(r)")
    }
}
