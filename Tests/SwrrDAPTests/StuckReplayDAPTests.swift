// A replay that would hang, under swrr-dap (issue 12, part 6): a continue into a task asleep in
// the kernel ends after SWRR_STUCK_SECONDS with the stuck message on the console and the session
// terminated, as a divergence ends it, and the adapter leaves no replayed process behind.
import Foundation
import SwrrTestSupport
import XCTest

final class StuckReplayDAPTests: XCTestCase {
    func testContinueIntoATaskAsleepInTheKernelEndsTheSessionStuck() throws {
        // signal_delivery suspend-mask, recorded, then rewritten so replay's rt_sigsuspend sleeps.
        let dir = try TestDirectory.makeUnique(prefix: "stuck-dap")
        let exe = try FixtureCompiler.compile(FixtureCompiler.fixtures + "/signal_delivery.c", flags: ["-O0"])
        let rec = try DAPTestEnv.record(exe, ["suspend-mask"])
        XCTAssertEqual(rec.status, 0)
        let damaged = dir + "/stuck-trace"
        let (event, tid) = try TraceRewriting.blockSigsuspend(rec.trace, to: damaged)

        let c = try DAPClient(environment: ["SWRR_STUCK_SECONDS": "2"])
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr"]).success)
        let launch = try c.request("launch", ["trace": damaged])
        XCTAssertTrue(launch.success, launch.message)
        try c.event("initialized")
        let started = Date()
        XCTAssertTrue(try c.request("configurationDone").success)
        try c.event("terminated", timeout: 30)
        let seconds = Date().timeIntervalSince(started)
        let console = c.received.filter { $0["event"] as? String == "output" && $0.body["category"] as? String == "important" }
            .map { $0.body["output"] as? String ?? "" }.joined()
        XCTAssertTrue(console.contains("the replay failed: replay is stuck at event \(event): task \(tid) (pid "), console)
        XCTAssertTrue(console.contains("asleep in the kernel in rt_sigsuspend"), console)
        XCTAssertGreaterThanOrEqual(seconds, 2)
        XCTAssertLessThan(seconds, 20)
        // The stuck task was killed.
        let pid = console.split(separator: "(pid ").dropFirst().first.flatMap { Int32($0.prefix { $0.isNumber }) }
        XCTAssertNotNil(pid, console)
        if let pid { XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)"), console) }
        XCTAssertEqual(try c.schemaViolations(), [])
        _ = try? c.disconnectAndExit()
    }
}
