// fexecve of a memfd (issue 14, Tests/Fixtures/memfd_exec.c): the executable has no usable path
// ('/memfd:test (deleted)'), so the recorder keeps it through /proc/TID/exe; the recording replays
// exactly, with buffering on and off.
import Foundation
import SwrrTestSupport
import XCTest

final class MemfdExecTests: XCTestCase {
    func checkMemfdExec(_ variant: Variant, buffering: Bool) throws {
        let exe = try Fixture.memfdExec.executable(variant)
        let env: [String: String?] = buffering ? [:] : ["SWRR_SYSCALLBUF": "0"]
        let recording = try assertRoundTrip([exe], expectedStatus: 0, environment: env)
        let out = recording.result.stdoutText
        let token = try XCTUnwrap(lines(startingWith: "parent: token=", in: out).first?.dropFirst("parent: token=".count))
        let child = lines(startingWith: "child: ", in: out)
        XCTAssertEqual(child.count, 1, out)
        XCTAssertTrue(child.first?.hasPrefix("child: token=\(token) random=") ?? false, out)
        XCTAssertTrue(child.first?.hasSuffix(" exe=/memfd:test (deleted)") ?? false, out)
        XCTAssertEqual(lines(startingWith: "parent: child exited", in: out), ["parent: child exited 3"])
        let dump = try Swrr.run(["dump", recording.trace])
        XCTAssertEqual(dump.status, 0, "\(dump)")
        XCTAssertTrue(dump.stdoutText.contains("] exec \"/memfd:test (deleted)\" ("), dump.stdoutText.suffix(3000).description)
    }

    func testMemfdExecO0DynamicBuffered() throws { try checkMemfdExec(.o0Dynamic, buffering: true) }
    func testMemfdExecO0DynamicUnbuffered() throws { try checkMemfdExec(.o0Dynamic, buffering: false) }
    func testMemfdExecO2StaticBuffered() throws { try checkMemfdExec(.o2Static, buffering: true) }
    func testMemfdExecO2StaticUnbuffered() throws { try checkMemfdExec(.o2Static, buffering: false) }

    /// The token and the child's random bytes change from run to run natively.
    func testFixtureOutputDiffersNatively() throws {
        try assertNativeRunsDiffer(.memfdExec, ["parent: token=", "child: token="])
    }
}
