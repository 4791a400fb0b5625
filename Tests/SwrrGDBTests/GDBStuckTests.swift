// gdb's server reports a replay that is stuck (a task asleep in the kernel for longer than
// SWRR_STUCK_SECONDS, issue 12, part 6) as it reports a divergence: the program is killed under
// gdb and the server says where (StuckDebuggerTests: the same under the debugger API).
import Foundation
import SwrrTestSupport
import XCTest

final class GDBStuckTests: XCTestCase {
    func testGDBServerReportsStuckAsItReportsADivergence() throws {
        boundStuckReplays(seconds: 2)
        let (trace, executable, event, tid) = try GDBFixture.stuckTrace()
        let s = try GDBServerProcess(trace: trace)
        defer { _ = s.stop(timeout: 5) }
        let out = try GDBFixture.run(["gdb", "-batch", "-nx", "-ex", "target extended-remote 127.0.0.1:\(s.port)",
                                      "-ex", "continue", executable], timeout: 60)
        XCTAssertTrue(s.stop(timeout: 10), "the server ends with gdb's session")
        XCTAssertTrue(s.stderrText.contains("swrr: replay is stuck at event \(event): task \(tid) (pid "),
                      "server: \(s.stderrText)\ngdb: \(out.output)")
        XCTAssertTrue(out.output.contains("SIGKILL"), "gdb sees the program killed: \(out.output)")
    }
}
