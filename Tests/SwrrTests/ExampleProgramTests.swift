// The bundled demo program (examples/sensor_report.c), as `make demo` records and replays it.
import Foundation
import SwrrTestSupport
import XCTest

final class ExampleProgramTests: XCTestCase {
    func testSensorReportRoundTrip() throws {
        let source = Fixture.packageRoot.appendingPathComponent("examples/sensor_report.c")
        let exe = try Fixture.compile(source: source, name: "sensor_report", variant: .o0Dynamic)
        let recording = try assertRoundTrip([exe], expectedStatus: 0)
        let out = recording.result.stdoutText
        XCTAssertTrue(out.hasPrefix("sensor report, run "), out)
        XCTAssertTrue(out.contains("samples read: 40, samples counted: 41   <-- wrong!"),
                      "the demo's bug should show in its report:\n\(out)")
    }
}
