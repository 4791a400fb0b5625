// The debugger tests' programs (Tests/Fixtures/gdb) compiled with gcc -g -O0 -no-pie (so that
// addresses are absolute), recorded once per test process with the `swrr` binary, and the
// addresses of their lines and globals: shared by the tests of the replay debugger
// (SwrrReplayTests) and of the gdb server (SwrrGDBTests). Child processes always end
// (Subprocess: a time limit for each, leftovers killed).
import Foundation
import XCTest

public enum GDBFixture {
    public static let packageRoot = BuiltProduct.packageRoot
    /// Tests/Fixtures/gdb/NAME.c
    public static func source(_ name: String) -> String {
        FixtureCompiler.fixtures + "/gdb/\(name).c"
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// `swrr` next to the test bundle (or $SWRR_BIN).
    public static func swrr() throws -> String { try Swrr.path() }

    /// The compiled fixture and its recording (made once per test process).
    public struct Recording {
        public var directory: String
        public var executable: String
        public var trace: String
    }

    nonisolated(unsafe) private static var cached: [String: Recording] = [:]

    /// Tests/Fixtures/gdb/NAME.c compiled and recorded (it must exit with `status`).
    public static func recording(_ name: String = "loop", status: Int32 = 3) throws -> Recording {
        try recording(source: source(name), name: name, status: status)
    }

    /// A C source compiled and recorded running with `arguments` (it must exit with `status`
    /// when given); `name` names it in the cache. Recordings are shared by every test of the run
    /// and removed with the test process's temporary root.
    public static func recording(source src: String, name: String, arguments: [String] = [], status: Int32?) throws -> Recording {
        if let r = cached[name] { return r }
        // -no-pie: the tests' addresses (gdb's `info line`, nm) are the run's.
        let exe = try FixtureCompiler.compile(src, flags: ["-g", "-O0", "-no-pie", "-pthread"])
        let dir = try TestDirectory.makeUnique(prefix: "gdb-" + name)
        let trace = dir + "/trace"
        // These fixtures are about syscalls as events of their own (a pause among 20,000 of
        // them, reverse-stepping out of getpid's syscall instruction, reads whose output the
        // replay writes): recorded without syscall buffering, which would make them a few buffer
        // flushes. `buffered…` is about buffering.
        let unbuffered = ["pause", "crossings", "syscall_writes"].contains(name)
        let rec = try run([try swrr(), "record"] + (unbuffered ? ["-n"] : []) + ["-o", trace, "--", exe] + arguments,
                          environment: name.hasPrefix("buffered") ? ["SWRR_SYSCALLBUF": "1"] : [:])
        guard status == nil || rec.status == status else { throw Failure(description: "recording failed (\(rec.status)): \(rec.output)") }
        let r = Recording(directory: dir, executable: exe, trace: trace)
        cached[name] = r
        return r
    }

    /// The line of the fixture marked `// MARK: name`.
    public static func line(_ mark: String, in fixture: String = "loop") throws -> Int {
        let text = try String(contentsOfFile: source(fixture), encoding: .utf8)
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where l.contains("MARK: \(mark)") {
            return i + 1
        }
        throw Failure(description: "no MARK: \(mark) in \(fixture).c")
    }

    /// The address of a line's first statement (gdb's `info line`).
    public static func address(ofLine line: Int, in exe: String) throws -> UInt64 {
        let file = URL(fileURLWithPath: exe).lastPathComponent + ".c"
        let r = try run(["gdb", "-batch", "-nx", "-ex", "info line \(file):\(line)", exe])
        guard let range = r.output.range(of: "starts at address 0x") else {
            throw Failure(description: "gdb info line: \(r.output)")
        }
        let hexText = r.output[range.upperBound...].prefix { $0.isHexDigit }
        return UInt64(hexText, radix: 16)!
    }

    /// A global's address (nm).
    public static func symbol(_ name: String, in exe: String) throws -> UInt64 {
        let r = try run(["nm", exe])
        for l in r.output.split(separator: "\n") {
            let f = l.split(separator: " ")
            if f.count == 3, f[2] == name, let a = UInt64(f[0], radix: 16) { return a }
        }
        throw Failure(description: "no symbol \(name)")
    }

    /// The address of the instruction after the one at `address` (objdump).
    public static func nextInstruction(after address: UInt64, in exe: String) throws -> UInt64 {
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

    public struct Output {
        public var status: Int32
        public var output: String
    }

    /// Runs a command to its end (stdout and stderr together) within `timeout` seconds; throws
    /// when it does not end by then.
    public static func run(_ argv: [String], timeout: TimeInterval = 60,
                           environment: [String: String] = [:]) throws -> Output {
        let r = try Subprocess.run(argv, environment: environment, mergingStderr: true, timeout: timeout)
        if r.timedOut { throw Failure(description: "`\(argv.joined(separator: " "))` timed out after \(timeout)s") }
        return Output(status: r.status, output: r.stdoutText)
    }

    /// signal_delivery suspend-mask (Tests/Fixtures/signal_delivery.c), recorded once, and a copy
    /// whose replay sleeps in rt_sigsuspend (TraceRewriting.blockSigsuspend): the copy, the
    /// program, and the event and recorded tid where it sleeps.
    public static func stuckTrace() throws -> (trace: String, executable: String, event: Int, tid: Int32) {
        let rec = try recording(source: FixtureCompiler.fixtures + "/signal_delivery.c",
                                name: "suspend-mask", arguments: ["suspend-mask"], status: 0)
        let damaged = try TestDirectory.makeUnique(prefix: "stuck") + "/trace"
        let (event, tid) = try TraceRewriting.blockSigsuspend(rec.trace, to: damaged)
        return (damaged, rec.executable, event, tid)
    }
}

extension XCTestCase {
    /// SWRR_STUCK_SECONDS=`seconds` until the test ends: the bound after which a replayed task
    /// asleep in the kernel ends the replay as stuck (read by the replay for each new task;
    /// gdb's server, a child, inherits it).
    public func boundStuckReplays(seconds: Int) {
        setenv("SWRR_STUCK_SECONDS", String(seconds), 1)
        addTeardownBlock { unsetenv("SWRR_STUCK_SECONDS") }
    }
}
