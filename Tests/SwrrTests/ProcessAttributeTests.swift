// Process attributes a program reads back (issue 14, Tests/Fixtures/process_attributes.c): its
// parent-death signal, which swrr sets for the tracee until it is seized, must read 0 at the start
// as natively. Recorded and replayed with identical output; the recording prints what a native run
// prints but for its random token.
import Foundation
import SwrrTestSupport
import XCTest

final class ProcessAttributeTests: XCTestCase {
    /// The output after the first line ("token …", random in each run), checked against a native run.
    func check(_ fixture: Fixture, _ mode: String, _ variant: Variant, status: Int32 = 0,
               file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let exe = try fixture.executable(variant)
        let native = try Subprocess.run([exe, mode])
        XCTAssertEqual(native.status, status, "native run: \(native)", file: file, line: line)
        let recording = try timedRoundTrip([exe, mode], label: "\(fixture.rawValue) \(mode) \(variant.rawValue)",
                                           expectedStatus: status, file: file, line: line)
        let out = recording.result.stdoutText
        XCTAssertTrue(out.hasPrefix("token "), out, file: file, line: line)
        XCTAssertNotEqual(lines(startingWith: "token ", in: out), lines(startingWith: "token ", in: native.stdoutText),
                          "the token should differ from run to run", file: file, line: line)
        let afterToken = { (text: String) in String(text.drop { $0 != "\n" }.dropFirst()) }
        XCTAssertEqual(afterToken(out), afterToken(native.stdoutText), file: file, line: line)
        return afterToken(out)
    }

    func checkPdeathsig(_ variant: Variant) throws {
        XCTAssertEqual(try check(.processAttributes, "pdeathsig", variant), """
            at the start: PR_GET_PDEATHSIG = 0, signal 0
            PR_SET_PDEATHSIG(SIGUSR2) = 0, now signal 12
            child: signal 0 (fork clears it)
            PR_SET_PDEATHSIG(0) = 0, now signal 0

            """)
    }

    func testParentDeathSignalIsTheProgramsOwnO0Dynamic() throws { try checkPdeathsig(.o0Dynamic) }
    func testParentDeathSignalIsTheProgramsOwnO2Static() throws { try checkPdeathsig(.o2Static) }
}
