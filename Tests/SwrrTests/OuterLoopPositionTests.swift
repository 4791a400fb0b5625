// A signal delivered inside a function that a timed loop calls again and again with the same
// input (`openssl speed`'s shape: `for (count = 0; run; count++) MD5(buf, 64, md)` until SIGALRM
// clears `run`). The recorder places the signal at a state signature inside the function, where
// every round passes through the same registers and memory but for the loop's counter in the
// caller's frame; the pass analysis must take that counter as a progress word
// (ProgressWordFinder.outerPass), or replay's stub matches once per round and digests the whole
// memory each time: millions of digests, a replay that never ended. Replay then ends any search
// that passes over too many such arrivals with a divergence (PointSearch.passedOverLimit).
// Several recordings each: where the signal lands depends on the time.
import Foundation
import SwrrTestSupport
import XCTest

final class OuterLoopPositionTests: XCTestCase {
    static let unbuffered: [String: String?] = ["SWRR_SYSCALLBUF": "0"]

    func testDigestLoopO2() throws { try checkDigestLoop(.o2Dynamic, recordings: 5) }
    func testDigestLoopO0() throws { try checkDigestLoop(.o0Dynamic, recordings: 5) }
    func testDigestLoopO2Unbuffered() throws { try checkDigestLoop(.o2Dynamic, recordings: 3, environment: Self.unbuffered) }

    /// digest_alarm 100 (Tests/Fixtures/digest_alarm.c): one SIGALRM at a position after 100 ms of
    /// rounds; each replay prints the recording's round count and digest.
    func checkDigestLoop(_ variant: Variant, recordings: Int, environment: [String: String?] = [:],
                         file: StaticString = #filePath, line: UInt = #line) throws {
        let exe = try Fixture.digestAlarm.executable(variant)
        for n in 1...recordings {
            let recording = try timedRoundTrip([exe, "100"], label: "digest_alarm 100 \(variant.rawValue) #\(n)", replays: 2,
                                               environment: environment, file: file, line: line)
            let out = recording.result.stdoutText
            // The digest of the same 64 bytes, whatever the count.
            XCTAssertTrue(out.hasSuffix(" rounds, digest a3965edefa71c0bddb524520bd99fe86\n"), out, file: file, line: line)
            let rounds = Int(out.prefix { $0 != " " }) ?? 0
            XCTAssertGreaterThan(rounds, 1000, "the loop ran: \(out)", file: file, line: line)
            let dump = try Swrr.run(["dump", recording.trace])
            let deliveries = dump.stdoutText.split(separator: "\n").filter { $0.contains("signal SIGALRM") }
            XCTAssertEqual(deliveries.count, 1, dump.stdoutText.suffix(2000).description, file: file, line: line)
            XCTAssertTrue(deliveries.first?.contains("at a position") ?? false,
                          "no syscall in the loop: the signal can only be delivered at a position", file: file, line: line)
            print("digest_alarm \(variant.rawValue) #\(n): \(deliveries.first ?? "")")
            // A failed replay has been reported; the next recordings would only repeat it.
            if (testRun?.failureCount ?? 0) > 0 { return }
        }
    }

    /// The program of the report: `openssl speed -seconds 1 -bytes 64 md5` (one block size),
    /// three recordings, each replayed twice with the recorded output (its speed numbers included).
    func testOpensslSpeedMd5() throws {
        let openssl = "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else {
            throw Subprocess.SpawnError(description: "\(openssl) is not installed (make deps installs the package openssl)")
        }
        for n in 1...3 {
            let recording = try timedRoundTrip([openssl, "speed", "-seconds", "1", "-bytes", "64", "md5"],
                                               label: "openssl speed md5 #\(n)", replays: 2)
            XCTAssertTrue(recording.result.stdoutText.contains("md5 "), recording.result.stdoutText)
            XCTAssertTrue(recording.result.stderrText.contains("md5's in"), recording.result.stderrText)
            if (testRun?.failureCount ?? 0) > 0 { return }
        }
    }
}
