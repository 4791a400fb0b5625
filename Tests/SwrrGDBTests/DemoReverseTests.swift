import Foundation
import SwrrTestSupport
import XCTest

/// The demo's story through real gdb, on a position-independent executable (gdb relocates it
/// from the auxiliary vector, served as binary qXfer data): from the wrong report, a watchpoint
/// on the total and one reverse-continue land on the out-of-bounds increment that caused it.
final class DemoReverseTests: XCTestCase {
    func testWatchpointAndReverseContinueFindTheCauseInAPIEProgram() throws {
        let exe = try FixtureCompiler.compile(FixtureCompiler.source("examples/sensor_report.c"),
                                              flags: ["-g", "-O0", "-pie", "-fPIE"])
        let dir = try makeTemporaryDirectory("gdb-demo")
        let trace = dir + "/trace"
        let rec = try GDBFixture.run([try GDBFixture.swrr(), "record", "-o", trace, "--", exe])
        XCTAssertTrue(rec.output.contains("samples counted: 41"), rec.output)

        let server = try GDBServerProcess(trace: trace)
        defer { _ = server.stop(timeout: 5) }
        let gdb = try GDBFixture.run([
            "gdb", "-batch", "-nx", "-ex", "target extended-remote 127.0.0.1:\(server.port)",
            "-ex", "break print_report", "-ex", "continue",
            "-ex", "set $total = &h->total", "-ex", "watch -l *$total", "-ex", "condition 2 *$total == 3",
            "-ex", "reverse-continue", "-ex", "print b", "-ex", "print celsius", exe,
        ], timeout: 120)
        let out = gdb.output
        XCTAssertTrue(out.contains("Breakpoint 1, print_report ("), "the PIE breakpoint is relocated and hit: \(out)")
        XCTAssertTrue(out.contains("Old value = 4\nNew value = 3\n"), "going back undoes 3 -> 4: \(out)")
        XCTAssertTrue(out.contains("in add_sample (") && out.contains("celsius=100)"), out)
        XCTAssertTrue(out.contains("46\t    h->buckets[b]++;"), "the line that wrote the total: \(out)")
        XCTAssertTrue(out.contains("$1 = 10\n$2 = 100\n"), out)
    }
}
