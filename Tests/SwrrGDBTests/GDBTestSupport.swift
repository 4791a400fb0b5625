// Support for the debugger tests: the loop fixture compiled with gcc -g -O0 -no-pie (so that
// addresses are absolute), recorded once with the `swrr` binary, and child processes that
// always end (SwrrTestSupport's Subprocess: a time limit for each, leftovers killed).
import Foundation
import SwrrReplay
import SwrrTestSupport
import XCTest

enum GDBFixture {
    static let packageRoot = BuiltProduct.packageRoot
    /// Tests/Fixtures/gdb/NAME.c
    static func source(_ name: String) -> String {
        FixtureCompiler.fixtures + "/gdb/\(name).c"
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// `swrr` next to the test bundle (or $SWRR_BIN).
    static func swrr() throws -> String { try Swrr.path() }

    /// The compiled fixture and its recording (made once per test process).
    struct Recording {
        var directory: String
        var executable: String
        var trace: String
    }

    nonisolated(unsafe) private static var cached: [String: Recording] = [:]

    /// Tests/Fixtures/gdb/NAME.c compiled and recorded (it must exit with `status`).
    static func recording(_ name: String = "loop", status: Int32 = 3) throws -> Recording {
        try recording(source: source(name), name: name, status: status)
    }

    /// A C source compiled and recorded running with `arguments` (it must exit with `status`
    /// when given); `name` names it in the cache. Recordings are shared by every test of the run
    /// and removed with the test process's temporary root.
    static func recording(source src: String, name: String, arguments: [String] = [], status: Int32?) throws -> Recording {
        if let r = cached[name] { return r }
        // -no-pie: the tests' addresses (gdb's `info line`, nm) are the run's.
        let exe = try FixtureCompiler.compile(src, flags: ["-g", "-O0", "-no-pie", "-pthread"])
        let dir = try TestDirectory.makeUnique(prefix: "gdb-" + name)
        let trace = dir + "/trace"
        // These fixtures are about syscalls as events of their own (a pause among 20,000 of
        // them, reverse-stepping out of getpid's syscall instruction): recorded without syscall
        // buffering, which would make them a few buffer flushes. `buffered…` is about buffering.
        let unbuffered = ["pause", "crossings"].contains(name)
        let rec = try run([try swrr(), "record"] + (unbuffered ? ["-n"] : []) + ["-o", trace, "--", exe] + arguments,
                          environment: name.hasPrefix("buffered") ? ["SWRR_SYSCALLBUF": "1"] : [:])
        guard status == nil || rec.status == status else { throw Failure(description: "recording failed (\(rec.status)): \(rec.output)") }
        let r = Recording(directory: dir, executable: exe, trace: trace)
        cached[name] = r
        return r
    }

    /// The line of the fixture marked `// MARK: name`.
    static func line(_ mark: String, in fixture: String = "loop") throws -> Int {
        let text = try String(contentsOfFile: source(fixture), encoding: .utf8)
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where l.contains("MARK: \(mark)") {
            return i + 1
        }
        throw Failure(description: "no MARK: \(mark) in \(fixture).c")
    }

    /// The address of a line's first statement (gdb's `info line`).
    static func address(ofLine line: Int, in exe: String) throws -> UInt64 {
        let file = URL(fileURLWithPath: exe).lastPathComponent + ".c"
        let r = try run(["gdb", "-batch", "-nx", "-ex", "info line \(file):\(line)", exe])
        guard let range = r.output.range(of: "starts at address 0x") else {
            throw Failure(description: "gdb info line: \(r.output)")
        }
        let hexText = r.output[range.upperBound...].prefix { $0.isHexDigit }
        return UInt64(hexText, radix: 16)!
    }

    /// A global's address (nm).
    static func symbol(_ name: String, in exe: String) throws -> UInt64 {
        let r = try run(["nm", exe])
        for l in r.output.split(separator: "\n") {
            let f = l.split(separator: " ")
            if f.count == 3, f[2] == name, let a = UInt64(f[0], radix: 16) { return a }
        }
        throw Failure(description: "no symbol \(name)")
    }

    /// The address of the instruction after the one at `address` (objdump).
    static func nextInstruction(after address: UInt64, in exe: String) throws -> UInt64 {
        let r = try run(["objdump", "-d", "--no-show-raw-insn", exe])
        let addrs: [UInt64] = r.output.split(separator: "\n").compactMap { l in
            let t = l.drop { $0 == " " }
            guard let colon = t.firstIndex(of: ":") else { return nil }
            return UInt64(t[..<colon], radix: 16)
        }
        guard let i = addrs.firstIndex(of: address), i + 1 < addrs.count else {
            throw Failure(description: "no instruction at 0x\(String(address, radix: 16))")
        }
        return addrs[i + 1]
    }

    struct Output {
        var status: Int32
        var output: String
    }

    /// Runs a command to its end (stdout and stderr together) within `timeout` seconds; throws
    /// when it does not end by then.
    static func run(_ argv: [String], timeout: TimeInterval = 60,
                    environment: [String: String] = [:]) throws -> Output {
        let r = try Subprocess.run(argv, environment: environment, mergingStderr: true, timeout: timeout)
        if r.timedOut { throw Failure(description: "`\(argv.joined(separator: " "))` timed out after \(timeout)s") }
        return Output(status: r.status, output: r.stdoutText)
    }
}

extension GDBFixture {
    /// gdb in batch mode with these commands against a fresh `swrr replay --gdb-port 0` of the
    /// fixture's recording: gdb's output, then "--- server ---" and the server's stderr. The
    /// server must end with gdb's session.
    static func batch(_ commands: [String], fixture: String = "loop", status: Int32 = 3) throws -> String {
        let rec = try recording(fixture, status: status)
        let s = try GDBServerProcess(trace: rec.trace)
        defer { _ = s.stop(timeout: 5) }
        var argv = ["gdb", "-batch", "-nx", "-ex", "target extended-remote 127.0.0.1:\(s.port)"]
        for c in commands { argv += ["-ex", c] }
        argv.append(rec.executable)
        let out = try run(argv, timeout: 120)
        XCTAssertTrue(s.stop(timeout: 10), "the server ends with gdb's session")
        return out.output + "\n--- server ---\n" + s.stderrText
    }
}

/// `swrr replay --gdb-port 0 TRACE` in the background, with the port it announced.
final class GDBServerProcess {
    let process: Subprocess.Child
    let port: Int

    init(trace: String) throws {
        process = try Subprocess.Child([try GDBFixture.swrr(), "replay", "--gdb-port", "0", trace])
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            let text = String(decoding: process.stderrSoFar, as: UTF8.self)
            if let r = text.range(of: "listening on 127.0.0.1:") {
                found = Int(text[r.upperBound...].prefix { $0.isNumber })
            } else {
                usleep(20_000)
            }
        }
        guard let p = found else {
            let text = String(decoding: process.stderrSoFar, as: UTF8.self)
            _ = process.wait(timeout: 0)
            throw GDBFixture.Failure(description: "swrr replay --gdb-port did not start listening: \(text)")
        }
        port = p
    }

    /// What the server wrote on stderr (kept once it has stopped).
    private(set) var finalStderr: String?
    var stderrText: String { finalStderr ?? String(decoding: process.stderrSoFar, as: UTF8.self) }

    /// Waits up to `timeout` seconds for the server to end by itself; kills it otherwise.
    func stop(timeout: TimeInterval = 10) -> Bool {
        let r = process.wait(timeout: timeout)
        if finalStderr == nil { finalStderr = r.stderrText }
        return !r.timedOut
    }
}

extension ReplayDebugger {
    /// A little-endian integer of the current task's memory.
    func int32(at address: UInt64) throws -> Int32 {
        Int32(truncatingIfNeeded: try int64(at: address, size: 4))
    }

    func int64(at address: UInt64, size: Int = 8) throws -> Int64 {
        let b = try readMemory(address, count: size)
        return Int64(bitPattern: (0..<size).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << (8 * UInt64($1)) })
    }
}

/// A test case driving one ReplayDebugger on a fixture's recording, killed after each test.
class DebuggerTestCase: XCTestCase {
    var debugger: ReplayDebugger?

    override func tearDown() {
        debugger?.kill()
        debugger = nil
        super.tearDown()
    }

    /// The debugger of fixture `name` (recorded once per test run; it exits with `status`).
    func start(_ name: String = "loop", status: Int32 = 3,
               echo: ((UInt8, [UInt8]) -> Void)? = nil) throws -> (ReplayDebugger, GDBFixture.Recording) {
        let rec = try GDBFixture.recording(name, status: status)
        let d = try ReplayDebugger(traceDirectory: rec.trace, echo: echo)
        debugger = d
        return (d, rec)
    }
}
