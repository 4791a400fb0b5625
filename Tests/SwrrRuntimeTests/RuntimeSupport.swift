// What the runtime tests share: finding a toolchain on the machine (or skipping with a message
// that names what is missing and how to get it), compiling a program of Tests/Runtimes into a
// temporary directory with fixed flags and private build caches, and the round trip itself: three
// recordings (the CPU and the schedule differ between them), each replayed, printing exactly what
// its recording printed and ending with its status.
import Foundation
import SwrrTestSupport
import XCTest

/// A program of a runtime or toolchain found on this machine.
struct Tool {
    var name: String
    var path: String

    /// `name` in the first of `directories`, then on PATH; else the test is skipped with
    /// `missing` (what to install, and how).
    static func find(_ name: String, in directories: [String] = [], missing: String) throws -> Tool {
        if let path = ExecutableSearch.find(name, in: directories) { return Tool(name: name, path: path) }
        let looked = directories.isEmpty ? "PATH" : directories.joined(separator: ", ") + " and PATH"
        throw XCTSkip("\(name) is not installed (looked in \(looked)): \(missing)")
    }

    /// rustup's proxies (rustc, cargo, which exec the real tool of the selected toolchain).
    static let rustupBin = (ProcessInfo.processInfo.environment["CARGO_HOME"]
        ?? (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/.cargo") + "/bin"
}

/// The programs of Tests/Runtimes.
enum RuntimeProgram {
    static let directory = BuiltProduct.packageRoot.appendingPathComponent("Tests/Runtimes").path

    static func source(_ name: String) -> String { directory + "/" + name }

    /// Runs a compiler (`argv`); throws its output when it fails. Compilers get five minutes: the
    /// machine is shared, and a `go build` with an empty cache took 45 s while others built.
    static func compile(_ argv: [String], environment: [String: String?] = [:], directory: String? = nil) throws {
        try Subprocess.check(argv, environment: environment, directory: directory, timeout: 300)
    }
}

extension XCTestCase {
    /// Records `program` (in `directory`) three times, each recording on a CPU swrr picks at
    /// random and with its own schedule, and replays each (`timedRoundTrip`): every replay must
    /// print byte-identical stdout and program stderr, end with the recorded status and not
    /// diverge. Prints `timing:` lines, never fails on timing (speed is measured in
    /// benchmarks/runtimes). Recording gets five minutes; each replay 30 s plus 10 times the
    /// recording's time (issue 12 asks for at most twice: far slower is a hang, reported as a
    /// time-out). Returns the last recording, for the test's own checks of its output; one that
    /// fails ends the series.
    @discardableResult
    func assertRuntimeRoundTrip(_ program: [String], label: String, expectedStatus: Int32 = 0,
                                environment: [String: String?] = [:], directory: String? = nil,
                                file: StaticString = #filePath, line: UInt = #line) throws -> Recording {
        var recording: Recording?
        for run in 1...3 {
            let failures = testRun?.totalFailureCount ?? 0
            recording = try timedRoundTrip(program, label: "\(label) (recording \(run) of 3)",
                                           expectedStatus: expectedStatus, replays: 1,
                                           environment: environment, directory: directory, timeout: 300,
                                           replayTimeout: { min(600, 30 + 10 * $0.result.seconds) },
                                           file: file, line: line)
            if (testRun?.totalFailureCount ?? 0) > failures { break }
        }
        return recording!
    }
}
