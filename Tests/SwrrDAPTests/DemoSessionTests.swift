// `make demo`'s DAP session (examples/dap-demo, a scripted client printing a transcript) on a
// recording of examples/sensor_report.c: from the wrong report, a data breakpoint on the total
// and one reverseContinue land on the out-of-bounds write that caused it.
import Foundation
import SwrrTestSupport
import XCTest

final class DemoSessionTests: XCTestCase {
    func testTheDemoSessionFindsTheWriteThatCausedTheWrongTotal() throws {
        let adapter = try XCTUnwrap(DAPTestEnv.executable, "swrr-dap is not built")
        let examples = DAPTestEnv.packageRoot.appendingPathComponent("examples").path
        let program = try FixtureCompiler.compile(examples + "/sensor_report.c", flags: ["-g", "-O0"])
        let rec = try DAPTestEnv.record(program)
        XCTAssertEqual(rec.status, 0)
        XCTAssertTrue(rec.stdout.contains("samples counted: 41"), rec.stdout)

        let r = try Subprocess.run([DAPTestEnv.python, examples + "/dap-demo", adapter, rec.trace,
                                    examples + "/sensor_report.c"], mergingStderr: true, timeout: 300)
        let text = r.stdoutText
        XCTAssertEqual(r.status, 0, "\(r)\n\(text)")
        for line in ["<- stopped: function breakpoint",
                     "-> evaluate h->total   <- 41",
                     "<- stopped: data breakpoint: h->total is 3 here, just before the write",
                     "#0 add_sample   sensor_report.c:46",
                     "46: h->buckets[b]++;",
                     "-> evaluate b   <- 10",
                     "reverseContinue stopped at the out-of-bounds write that caused the wrong total"] {
            XCTAssertTrue(text.contains(line), "the transcript lacks '\(line)':\n\(text)")
        }
    }
}
