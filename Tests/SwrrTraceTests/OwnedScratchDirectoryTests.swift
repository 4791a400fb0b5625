// Scratch directories name their owner's pid, and the next one made removes those of owners
// that are gone (OwnedScratchDirectory: a killed replay left /tmp/swrr-replay-XXXXXX behind).
import Foundation
import Glibc
@testable import SwrrTrace
import XCTest

final class OwnedScratchDirectoryTests: XCTestCase {
    /// The pid of a process that ran and was reaped (nothing runs under it now).
    func deadPID() throws -> pid_t {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func testMakingOneRemovesThoseOfDeadOwnersOnly() throws {
        let base = try temporaryDirectory("owned-scratch")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dead = try deadPID()
        XCTAssertEqual(kill(dead, 0), -1)
        let stale = base + "/swrr-test-\(dead)-AbC123"
        let live = base + "/swrr-test-1-XyZ789"          // pid 1 always runs
        let other = base + "/swrr-other-\(dead)-AbC123"  // another prefix
        let odd = base + "/swrr-test-\(dead)-toolong7"    // not mkdtemp's six characters
        for d in [stale, live, other, odd] { XCTAssertEqual(mkdir(d, 0o700), 0, d) }
        XCTAssertGreaterThanOrEqual(creat(stale + "/0-libswrrpreload.so", 0o600), 0)

        let made = try XCTUnwrap(OwnedScratchDirectory.make(prefix: "swrr-test", in: base))
        XCTAssertTrue(made.hasPrefix(base + "/swrr-test-\(getpid())-"), made)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: base)),
                       Set([live, other, odd, made].map { ($0 as NSString).lastPathComponent }))
        // This process's own directory survives the next one's sweep.
        let second = try XCTUnwrap(OwnedScratchDirectory.make(prefix: "swrr-test", in: base))
        XCTAssertNotEqual(made, second)
        XCTAssertTrue(FileManager.default.fileExists(atPath: made))
    }

    /// Without a base, scratch directories go into the user's own directory of the base, which
    /// is used only when it is a directory of this user's that nobody else may enter.
    func testTheUserDirectoryIsTheUsersAlone() throws {
        let base = try temporaryDirectory("owned-scratch")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let mine = base + "/swrr-\(getuid())"
        XCTAssertEqual(OwnedScratchDirectory.userDirectory(in: base), mine)
        var st = stat()
        XCTAssertEqual(lstat(mine, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        XCTAssertEqual(OwnedScratchDirectory.userDirectory(in: base), mine, "made once, then found")
        XCTAssertEqual(chmod(mine, 0o755), 0)
        XCTAssertNil(OwnedScratchDirectory.userDirectory(in: base), "readable by others")
        XCTAssertEqual(rmdir(mine), 0)
        XCTAssertEqual(symlink(base, mine), 0)
        XCTAssertNil(OwnedScratchDirectory.userDirectory(in: base), "a link")
        XCTAssertEqual(unlink(mine), 0)
        let fd = creat(mine, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        XCTAssertNil(OwnedScratchDirectory.userDirectory(in: base), "a file")
    }

    func testOwnerPIDsAreParsedOnlyFromTheirForm() {
        XCTAssertEqual(OwnedScratchDirectory.ownerPID(of: "swrr-replay-4242-a1B2c3", prefix: "swrr-replay"), 4242)
        for name in ["swrr-replay-a1B2c3", "swrr-replay--a1B2c3", "swrr-replay-0-a1B2c3",
                     "swrr-replay-99999999999-a1B2c3", "swrr-replay-12-abc", "swrr-replay-1x-a1B2c3",
                     "swrr-dap-12-a1B2c3"] {
            XCTAssertNil(OwnedScratchDirectory.ownerPID(of: name, prefix: "swrr-replay"), name)
        }
    }
}
