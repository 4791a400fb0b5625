// The other fixtures of Tests/Fixtures/progress (issue 16), compiled at -O0 and -O2 and run
// natively, so their outputs are known before the recorder learns to preempt: heartbeat ticks
// about 20 times beside its 2 s computation, jit_loop's generated loop sums to 5,000,000 × 210
// in both page modes, rare_race's update is not lost.
import Foundation
import SwrrTestSupport
import XCTest

final class ProgressFixtureNativeTests: XCTestCase {
    func testHeartbeatTicksNatively() throws {
        for variant in [Variant.o0Dynamic, .o2Dynamic] {
            let out = try run(try ProgressFixture.executable("heartbeat", variant), [])
            let last = try XCTUnwrap(lines(startingWith: "ticks ", in: out).last)
            let ticks = Int(last.split(separator: " ")[1]) ?? 0
            print("heartbeat \(variant.rawValue): \(last)")
            // Natively 20-21 (2 s / 100 ms); a loaded machine delays the ticker's wakeups.
            XCTAssertGreaterThanOrEqual(ticks, 15, last)
            XCTAssertLessThanOrEqual(ticks, 22, last)
        }
    }

    func testJitLoopRunsItsGeneratedCode() throws {
        for variant in [Variant.o0Dynamic, .o2Dynamic] {
            let exe = try ProgressFixture.executable("jit_loop", variant)
            XCTAssertEqual(try run(exe, []), "jit total 1050000000\n")
            XCTAssertEqual(try run(exe, ["rwx"]), "jit total 1050000000\n")
        }
    }

    /// At -O2 only: at -O0 A's counter lives in memory and its window lasts 33-111 ms (measured
    /// on this loaded machine) beside B's 100 ms sleep, so the race could show natively.
    func testRareRaceKeepsBothUpdatesNatively() throws {
        XCTAssertEqual(try run(try ProgressFixture.executable("rare_race", .o2Dynamic), []), "balance 2\n")
    }

    func testMemorySpinModesEndWhenTheFlagIsSet() throws {
        for variant in [Variant.o0Dynamic, .o2Dynamic] {
            let exe = try ProgressFixture.executable("memory_spin", variant)
            for mode in ["spin", "nested", "calls"] {
                let out = try run(exe, [mode])
                XCTAssertTrue(out.hasPrefix("\(mode) iterations "), out)
                XCTAssertGreaterThan(UInt64(out.split(separator: " ")[2].dropLast()) ?? 0, 1000, out)
            }
            XCTAssertEqual(try run(exe, ["fixed"]), "fixed iterations 0\n")
        }
    }

    private func run(_ exe: String, _ args: [String]) throws -> String {
        try Subprocess.check([exe] + args).stdoutText
    }
}
