// Helpers shared by the tests of processes, threads and signals (ProcessTests, ThreadTests,
// SignalDeliveryTests, RealProgramTests, TaskDumpTests): a round trip of a fixture that reports its
// timings, and checks on the text a program printed.
import Foundation
import SwrrTestSupport
import XCTest

extension XCTestCase {
    /// `fixture` compiled as `variant`, run with `arguments`: recorded and replayed twice.
    @discardableResult
    func timedRoundTrip(_ fixture: Fixture, _ arguments: [String], _ variant: Variant, expectedStatus: Int32? = 0,
                        file: StaticString = #filePath, line: UInt = #line) throws -> Recording {
        let exe = try fixture.executable(variant)
        return try timedRoundTrip([exe] + arguments,
                                  label: ([fixture.rawValue] + arguments + [variant.rawValue]).joined(separator: " "),
                                  expectedStatus: expectedStatus, file: file, line: line)
    }

    /// `fixture` run with `arguments` natively, then recorded and replayed twice: for output that
    /// cannot depend on the schedule, so the recording must print what the native run printed.
    /// Returns the recorded output.
    func deterministicRoundTrip(_ fixture: Fixture, _ arguments: [String], _ variant: Variant,
                                expectedStatus: Int32 = 0, file: StaticString = #filePath,
                                line: UInt = #line) throws -> String {
        let native = try nativeOutput([try fixture.executable(variant)] + arguments, expectedStatus: expectedStatus,
                                      file: file, line: line)
        let recording = try timedRoundTrip(fixture, arguments, variant, expectedStatus: expectedStatus,
                                           file: file, line: line)
        assertSameAsNative(recording, native, file: file, line: line)
        return recording.result.stdoutText
    }

    /// `fixture MODE` (whose first line is "token …", random in each run) run natively, then
    /// recorded and replayed twice: the token must differ from the native run's and every other
    /// line be the native run's. Returns the output after the token line.
    func tokenRoundTrip(_ fixture: Fixture, _ mode: String, _ variant: Variant, status: Int32 = 0,
                        environment: [String: String?] = [:], file: StaticString = #filePath,
                        line: UInt = #line) throws -> String {
        let exe = try fixture.executable(variant)
        let native = try Subprocess.run([exe, mode])
        XCTAssertEqual(native.status, status, "native run: \(native)", file: file, line: line)
        let recording = try timedRoundTrip([exe, mode], label: "\(fixture.rawValue) \(mode) \(variant.rawValue)",
                                           expectedStatus: status, environment: environment, file: file, line: line)
        let out = recording.result.stdoutText
        XCTAssertTrue(out.hasPrefix("token "), out, file: file, line: line)
        XCTAssertNotEqual(lines(startingWith: "token ", in: out), lines(startingWith: "token ", in: native.stdoutText),
                          "the token should differ from run to run", file: file, line: line)
        let afterToken = { (text: String) in String(text.drop { $0 != "\n" }.dropFirst()) }
        XCTAssertEqual(afterToken(out), afterToken(native.stdoutText), file: file, line: line)
        return afterToken(out)
    }

    /// Runs `program` natively (not recorded) and returns its stdout, checking its exit status.
    func nativeOutput(_ program: [String], expectedStatus: Int32 = 0, directory: String? = nil,
                      file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try Subprocess.run(program, directory: directory)
        assertClean(r, file: file, line: line)
        XCTAssertEqual(r.status, expectedStatus, "native run: \(r)", file: file, line: line)
        return r.stdoutText
    }

    /// Asserts that the recording printed what a native run printed (for output that does not
    /// depend on the schedule or the time).
    func assertSameAsNative(_ recording: Recording, _ native: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        if recording.result.stdoutText != native {
            XCTFail("the recording printed other output than a native run:\n"
                    + firstDifference(native, recording.result.stdoutText), file: file, line: line)
        }
    }
}
