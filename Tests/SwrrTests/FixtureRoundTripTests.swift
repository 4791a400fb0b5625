// Every C fixture in every variant (gcc -O0/-O2, dynamic/static): record it, replay it twice, and
// require each replay to print exactly what the recording printed and exit the same way. Where
// the fixture's output is deterministic, the recording must also print what a native run prints
// (recording must not change what the program does).
import Foundation
import SwrrTestSupport
import XCTest

final class FixtureRoundTripTests: XCTestCase {
    // MARK: nondeterminism: values that differ natively must come back identical on replay

    func checkNondeterminism(_ variant: Variant) throws {
        let exe = try Fixture.nondeterminism.executable(variant)
        let native1 = try Subprocess.run([exe]), native2 = try Subprocess.run([exe])
        XCTAssertEqual(native1.status, 0, "\(native1)")
        XCTAssertEqual(native2.status, 0, "\(native2)")
        // The fixture proves something only if these really change from run to run.
        for label in ["getrandom", "urandom", "at_random", "rdtsc0", "clock_monotonic", "sys_clock_monotonic"] {
            let a = lines(startingWith: label + ":", in: native1.stdoutText), b = lines(startingWith: label + ":", in: native2.stdoutText)
            XCTAssertEqual(a.count, 1, "native output lacks \(label): \(native1.stdoutText)")
            XCTAssertNotEqual(a, b, "two native runs printed the same \(label)")
        }

        let recording = try assertRoundTrip([exe], expectedStatus: 0)
        let recorded = recording.result.stdoutText
        // The recording ran the program for real: same lines as natively, fresh random values.
        XCTAssertEqual(recorded.split(separator: "\n").map { $0.prefix { $0 != ":" } },
                       native1.stdoutText.split(separator: "\n").map { $0.prefix { $0 != ":" } },
                       "the recording printed other lines than a native run:\n\(recorded)")
        for label in ["getrandom", "urandom"] {
            XCTAssertNotEqual(lines(startingWith: label + ":", in: recorded), lines(startingWith: label + ":", in: native1.stdoutText))
        }
        XCTAssertEqual(lines(startingWith: "getrandom_result:", in: recorded), ["getrandom_result: 16"])
        XCTAssertEqual(lines(startingWith: "urandom_result:", in: recorded), ["urandom_result: 16"])
        XCTAssertEqual(lines(startingWith: "rdtsc_monotone:", in: recorded), ["rdtsc_monotone: yes"])
        let tsc = (0..<3).compactMap { i in
            lines(startingWith: "rdtsc\(i):", in: recorded).first.flatMap { UInt64($0.split(separator: " ")[1]) }
        }
        XCTAssertEqual(tsc.count, 3, "rdtsc lines: \(recorded)")
        XCTAssertEqual(tsc, tsc.sorted(), "recorded rdtsc values go backwards: \(tsc)")
        XCTAssertTrue(recording.result.stderrText.contains("nondeterminism: stderr line"), "\(recording.result)")
    }

    func testNondeterminismO0Dynamic() throws { try checkNondeterminism(.o0Dynamic) }
    func testNondeterminismO2Dynamic() throws { try checkNondeterminism(.o2Dynamic) }
    func testNondeterminismO0Static() throws { try checkNondeterminism(.o0Static) }
    func testNondeterminismO2Static() throws { try checkNondeterminism(.o2Static) }

    // MARK: syscall families with partly filled buffers

    func checkSyscallFamilies(_ variant: Variant) throws {
        let exe = try Fixture.syscallFamilies.executable(variant)
        let work = try makeTemporaryDirectory("families")
        let recording = try assertRoundTrip([exe, work], expectedStatus: 0)
        let out = recording.result.stdoutText
        for expected in [
            "read(4096) of 12-byte file = 12", "read at EOF = 0", "pread64(100 at 6) = 6",
            "preadv(4+100 at 2) = 10", "readv(5+3+100) = 12", "readv text hello|, s|wrr",
            "append.txt now aXYde", "readlink(/proc/self/exe, 8) = 8",
            "readlinkat(/proc/self/cwd, 5) = 5",
            "getdents64: ", " 6 names: alpha bravo charlie delta echo foxtrot-with-a-longer-name",
            "ioctl(TCGETS) on a file = -1 errno 25", "  FIONREAD 4", "poll = 1", "select = 1",
            "renameat2(RENAME_NOREPLACE onto existing) = -1 errno 17", "statx = 0",
            "  statx size 12 mode 100644", "dup3(->31, O_CLOEXEC) = 31", "nanosleep(1ms) = 0",
            "getrandom(8, GRND_NONBLOCK) = 8", "unlinkat(sf-work, AT_REMOVEDIR) = 0",
        ] {
            XCTAssertTrue(out.contains(expected), "the recording did not print \(expected.debugDescription):\n\(out)")
        }
        // A buffer the kernel fills partly keeps its pattern past the bytes written: the checksum
        // of the whole 4 KiB read buffer is that of a native run.
        let native = try Subprocess.run([exe, try makeTemporaryDirectory("families-native")])
        XCTAssertEqual(native.status, 0, "\(native)")
        for label in ["read buffer", "pread buffer", "preadv a", "preadv b", "readv e", "append buffer",
                      "termios untouched", "pipe buffer"] {
            let prefix = label + " checksum "
            XCTAssertEqual(lines(startingWith: prefix, in: out), lines(startingWith: prefix, in: native.stdoutText),
                           "\(label) differs between the recording and a native run")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work), [],
                       "the recorded program did not clean up its work directory")
    }

    func testSyscallFamiliesO0Dynamic() throws { try checkSyscallFamilies(.o0Dynamic) }
    func testSyscallFamiliesO2Dynamic() throws { try checkSyscallFamilies(.o2Dynamic) }
    func testSyscallFamiliesO0Static() throws { try checkSyscallFamilies(.o0Static) }
    func testSyscallFamiliesO2Static() throws { try checkSyscallFamilies(.o2Static) }

    // MARK: deterministic fixtures: the recording prints what a native run prints

    /// Runs `fixture` natively and recorded (arguments from `arguments`, which gets a fresh
    /// directory each time), asserts equal output and status, and replays twice.
    func checkDeterministic(_ fixture: Fixture, _ variant: Variant, expectedStatus: Int32 = 0,
                            arguments: (String) -> [String] = { _ in [] },
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let exe = try fixture.executable(variant)
        let native = try Subprocess.run([exe] + arguments(try makeTemporaryDirectory("native")))
        XCTAssertEqual(native.status, expectedStatus, "native run: \(native)", file: file, line: line)
        let recording = try assertRoundTrip([exe] + arguments(try makeTemporaryDirectory("recorded")),
                                            expectedStatus: expectedStatus, file: file, line: line)
        if recording.result.stdout != native.stdout {
            XCTFail("the recording printed other output than a native run:\n"
                    + firstDifference(native.stdoutText, recording.result.stdoutText), file: file, line: line)
        }
    }

    func testMmapFilesO0Dynamic() throws { try checkDeterministic(.mmapFiles, .o0Dynamic) { [$0] } }
    func testMmapFilesO2Dynamic() throws { try checkDeterministic(.mmapFiles, .o2Dynamic) { [$0] } }
    func testMmapFilesO0Static() throws { try checkDeterministic(.mmapFiles, .o0Static) { [$0] } }
    func testMmapFilesO2Static() throws { try checkDeterministic(.mmapFiles, .o2Static) { [$0] } }

    func testComputeO0Dynamic() throws { try checkDeterministic(.compute, .o0Dynamic) { _ in ["5"] } }
    func testComputeO2Dynamic() throws { try checkDeterministic(.compute, .o2Dynamic) { _ in ["20"] } }
    func testComputeO0Static() throws { try checkDeterministic(.compute, .o0Static) { _ in ["5"] } }
    func testComputeO2Static() throws { try checkDeterministic(.compute, .o2Static) { _ in ["20"] } }

    func testSyscallLoopO0Dynamic() throws { try checkDeterministic(.syscallLoop, .o0Dynamic) { _ in ["3000"] } }
    func testSyscallLoopO2Dynamic() throws { try checkDeterministic(.syscallLoop, .o2Dynamic) { _ in ["3000"] } }
    func testSyscallLoopO0Static() throws { try checkDeterministic(.syscallLoop, .o0Static) { _ in ["3000"] } }
    func testSyscallLoopO2Static() throws { try checkDeterministic(.syscallLoop, .o2Static) { _ in ["3000"] } }

    func checkExitCodes(_ variant: Variant, _ codes: [Int32]) throws {
        for code in codes {
            try checkDeterministic(.exitCodes, variant, expectedStatus: code) { _ in [String(code)] }
        }
    }

    func testExitCodesO0Dynamic() throws { try checkExitCodes(.o0Dynamic, [0, 1, 42, 255]) }
    func testExitCodesO2Dynamic() throws { try checkExitCodes(.o2Dynamic, [0, 42]) }
    func testExitCodesO0Static() throws { try checkExitCodes(.o0Static, [0, 42]) }
    func testExitCodesO2Static() throws { try checkExitCodes(.o2Static, [0, 42]) }

    /// Killed by SIGSEGV: 139 when recorded and when replayed.
    func testSegvO0Dynamic() throws { try checkDeterministic(.segv, .o0Dynamic, expectedStatus: 139) }
    func testSegvO2Dynamic() throws { try checkDeterministic(.segv, .o2Dynamic, expectedStatus: 139) }
    func testSegvO0Static() throws { try checkDeterministic(.segv, .o0Static, expectedStatus: 139) }
    func testSegvO2Static() throws { try checkDeterministic(.segv, .o2Static, expectedStatus: 139) }

    /// Handlers for raise, kill, a blocked signal, SIGALRM during a sleep, SIGPIPE, a caught SIGSEGV.
    func testSignalsO0Dynamic() throws { try checkDeterministic(.signals, .o0Dynamic) }
    func testSignalsO2Dynamic() throws { try checkDeterministic(.signals, .o2Dynamic) }
    func testSignalsO0Static() throws { try checkDeterministic(.signals, .o0Static) }
    func testSignalsO2Static() throws { try checkDeterministic(.signals, .o2Static) }
}
