// The preload library under hostile arguments: buffered calls made with unmapped or straddling
// iovec arrays and buffers, counts and sizes of -1 or above the kernel's limits, and keys with bits
// above their low 32 (buffered_hostile.c). Recorded with and without buffering, the program prints
// what it prints natively (run here, not written down), exits as natively, and replays the same.
import Foundation
import SwrrTestSupport
import XCTest

extension SyscallBufferTests {
    func testBadPointersSizesAndKeysGiveTheNativeAnswers() throws {
        let exe = try Fixture.bufferedHostile.executable(.o2Dynamic)
        let native = try Subprocess.run([exe, try makeTemporaryDirectory("hostile-native")])
        XCTAssertEqual(native.status, 0, "\(native)")
        // (The native run itself, so that a kernel that answers otherwise shows here first.)
        assertContains(native.stdoutText, [
            "readv of an array straddling into one: -1 Bad address '....'\n  position after: 0\n",
            "readv whose first buffer is the second iovec: 24 'ghijklmn..'\n",
            "getrandom of -16 bytes into 2 MiB: 2097152\n",
            "recvfrom with the address at 0x200000000: 4, length 16, family 2, address 127.0.0.1, port the sender's\n",
        ])
        for (mode, value) in [("buffered", "1"), ("unbuffered", "0")] {
            let rec = try assertRoundTrip([exe, try makeTemporaryDirectory("hostile-\(mode)")],
                                          expectedStatus: native.status, environment: ["SWRR_SYSCALLBUF": value])
            if rec.result.stdout != native.stdout {
                XCTFail("\(mode): the recording's output differs from the native run's:\n"
                        + firstDifference(native.stdoutText, rec.result.stdoutText))
            }
            let counts = try bufferedCounts(rec.trace)
            if value == "0" {
                XCTAssertEqual(counts, [:], mode)
                continue
            }
            // The readv calls the kernel answers without an unreadable array: a buffer partly or
            // wholly unmapped, no iovecs, the array overwritten by the read. Those whose array
            // the library cannot read, or with more than 64 iovecs or more bytes than its buffer,
            // are recorded syscalls; so is each recvfrom (a source address, or -1 bytes).
            XCTAssertEqual(counts["readv"], 5, "\(counts)")
            XCTAssertNil(counts["recvfrom"], "\(counts)")
            // (glibc's own getrandom at startup is buffered, 8 bytes; the one of 2^64 - 16 is not.)
            let records = try Swrr.run(["dump", rec.trace]).stdoutText.split(separator: "\n").filter { $0.hasPrefix("    ") }
            XCTAssertEqual(records.filter { $0.contains("getrandom(") && !$0.contains(", 8, 0x1) = 8") }, [])
        }
    }
}
