// A replay under a debugger never waits forever either (issue 12, part 6): a continue into a task
// that sleeps in the kernel ends, after SWRR_STUCK_SECONDS, with the stuck error (which gdb's
// server reports as it reports a divergence, GDBStuckTests), and the replayed tasks are gone; a
// continue through a computation longer than the bound is not cut.
import Foundation
import SwrrReplay
import SwrrTestSupport
import SwrrTracee
import XCTest

final class StuckDebuggerTests: DebuggerTestCase {
    func testContinueIntoATaskAsleepInTheKernelEndsStuck() throws {
        boundStuckReplays(seconds: 2)
        let (trace, _, event, tid) = try GDBFixture.stuckTrace()
        let d = try ReplayDebugger(traceDirectory: trace)
        debugger = d
        let started = Date()
        var message = ""
        XCTAssertThrowsError(try d.continueForward(stopAtTaskEvents: false)) { message = "\($0)" }
        let seconds = Date().timeIntervalSince(started)
        XCTAssertTrue(message.hasPrefix("replay is stuck at event \(event): task \(tid) (pid "), message)
        XCTAssertTrue(message.contains(") is asleep in the kernel in rt_sigsuspend (state S"), message)
        XCTAssertGreaterThanOrEqual(seconds, 2, message)
        XCTAssertLessThan(seconds, 20, message)
        // The stuck task (and every other task of that replay) was killed and reaped.
        let pid = message.split(separator: "(pid ").dropFirst().first.flatMap { Int32($0.prefix { $0.isNumber }) }
        XCTAssertNotNil(pid, message)
        if let pid { XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)"), "pid \(pid) is left: \(message)") }
        d.kill()
        debugger = nil
        XCTAssertEqual(liveChildren(), [], "processes of the replay (checkpoints) left after kill")
    }

    func testContinueThroughALongComputationIsNotCut() throws {
        // 1,000 million iterations of compute.c at -O0: about 2.4 s of computing without a
        // syscall, twice a 1 s bound.
        boundStuckReplays(seconds: 1)
        let rec = try GDBFixture.recording(source: GDBFixture.packageRoot.path + "/Tests/Fixtures/compute.c",
                                           name: "compute-1000", arguments: ["1000"], status: 0)
        var output: [UInt8] = []
        let d = try ReplayDebugger(traceDirectory: rec.trace, echo: { _, bytes in output += bytes })
        debugger = d
        let started = Date()
        let stop = try d.continueForward(stopAtTaskEvents: false)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(stop.reason, .end(.completed(waitStatus: WaitStatus.exited(0))))
        XCTAssertTrue(String(decoding: output, as: UTF8.self).hasPrefix("compute: 1000 million iterations, sum "))
        XCTAssertGreaterThan(seconds, 2, "the computation was not longer than twice the bound")
    }

    /// This process's children that are not zombies ("PID NAME").
    func liveChildren() -> [String] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> String? in
            guard Int32(name) != nil, let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, fields[0] != "Z", Int32(fields[1]) == me else { return nil }
            return "\(name) \(stat[..<close])"
        }
    }
}
