// Terminal, file, descriptor and real-time clock ioctls (issue 14, SwrrKernel/Ioctls.swift) on
// Tests/Fixtures/tail_ioctls.c: recorded with syscall buffering on and off, each recording
// replayed twice with identical output, the recorded results being the kernel's.
import Foundation
import SwrrTestSupport
import XCTest

final class TailIoctlTests: XCTestCase {
    static let expectedLines = [
        "TIOCGPTN: result=0 errno=0", "TIOCSPTLCK: result=0 errno=0", "  locked=0",
        "TCGETS2: result=0 errno=0", "TCSETS2: result=0 errno=0", "TCSETSF2: result=0 errno=0",
        "TIOCSWINSZ: result=0 errno=0", "TIOCSTI: result=0 errno=0", "  queued=2", "read(pushed): result=2 errno=0",
        "TCSBRK(drain): result=0 errno=0", "TCFLSH: result=0 errno=0", "TIOCNOTTY(not ours): result=-1 errno=25",
        "TIOCSCTTY: result=0 errno=0", "  sid_is_me=1 pgrp_is_me=1", "TIOCSPGRP: result=0 errno=0",
        "FIOQSIZE: result=0 errno=0", "FIOASYNC(on): result=0 errno=0", "FIOASYNC(off): result=0 errno=0",
        "  fd_flags=0 fl_nonblock=1", "SIOCGIFCONF(length): result=0 errno=0", "SIOCGIFCONF: result=0 errno=0",
        "  lo: addr=127.0.0.1 same_addr=1 netmask=255.0.0.0 hw=0 family=772 mac=00:00:00:00:00:00 up=1 loopback=1 "
            + "mtu=65536 index=1 name_by_index=lo",
        "SIOCGSTAMP(no packet): result=-1 errno=2", "done",
    ]

    func checkTailIoctls(_ variant: Variant, buffering: Bool) throws {
        let exe = try Fixture.tailIoctls.executable(variant)
        let work = try makeTemporaryDirectory("ioctls")
        let env: [String: String?] = buffering ? [:] : ["SWRR_SYSCALLBUF": "0"]
        let recording = try assertRoundTrip([exe, work], expectedStatus: 0, environment: env)
        let out = recording.result.stdoutText
        assertPrinted(Self.expectedLines, in: out)
        // The random window size and pushed character came back as set.
        XCTAssertEqual(lines(startingWith: "  rows=", in: out).filter { $0.hasSuffix(" same=1") }.count, 1, out)
        XCTAssertEqual(lines(startingWith: "  line=", in: out).filter { $0.hasSuffix(" same=1") }.count, 1, out)
        // No RTC here: /dev/null answers ENOTTY (with one, its time is printed and replayed).
        if out.contains("rtc device: null\n") {
            assertPrinted(["RTC_RD_TIME: result=-1 errno=25"], in: out)
        }
        let dump = try Swrr.run(["dump", recording.trace])
        XCTAssertEqual(dump.status, 0, "\(dump)")
        // The interface list: as many as ifc_len says, ifc_len the length the query asked for
        // (the checksum covers the whole array, the bytes past the list included).
        XCTAssertEqual(lines(startingWith: "  interfaces=", in: out).filter { $0.contains(" same_as_needed=1 ") }.count, 1, out)
        for request in ["0x80045430", "0x40045431", "0x802c542a", "0x540e", "0x5412", "0x80087601", "0x5452", "0x80247009",
                        "0x8912", "0x8927", "0x8910", "0x8906"] {
            XCTAssertTrue(dump.stdoutText.contains(", \(request), "), "dump lacks the ioctl \(request)")
        }
    }

    func testTailIoctlsO0DynamicBuffered() throws { try checkTailIoctls(.o0Dynamic, buffering: true) }
    func testTailIoctlsO0DynamicUnbuffered() throws { try checkTailIoctls(.o0Dynamic, buffering: false) }
    func testTailIoctlsO2StaticBuffered() throws { try checkTailIoctls(.o2Static, buffering: true) }
    func testTailIoctlsO2StaticUnbuffered() throws { try checkTailIoctls(.o2Static, buffering: false) }

    /// The window size, pushed character and file generation change from run to run natively.
    func testFixtureOutputDiffersNatively() throws {
        try assertNativeRunsDiffer(.tailIoctls, ["  rows=", "  version="])
    }
}
