// Swift (issue 12): `swift --version` (the driver starts threads, then execs the frontend from
// one of them), a program using async/await tasks compiled with swiftc at test time (the
// concurrency runtime's cooperative thread pool), and `swiftc -O` itself compiling and running
// a one-line program (libdispatch threads that block every signal, libuuid's interface queries).
import Foundation
import SwrrTestSupport
import XCTest

final class SwiftRuntimeTests: XCTestCase {
    static let missing = "install a Swift toolchain (swift.org's) and put its usr/bin on PATH"

    /// The usr/bin of the toolchain whose runtime this test process runs on (libswiftCore.so in
    /// usr/lib/swift/linux, as /proc/self/maps shows), looked in before PATH.
    static let toolchainBin: [String] = {
        let maps = (try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? ""
        guard let line = maps.split(separator: "\n").first(where: { $0.hasSuffix("/libswiftCore.so") }),
              let slash = line.firstIndex(of: "/") else { return [] }
        let usr = URL(fileURLWithPath: String(line[slash...])).deletingLastPathComponent()   // usr/lib/swift/linux
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return [usr.appendingPathComponent("bin").path]
    }()

    func testSwiftVersion() throws {
        let swift = try Tool.find("swift", in: Self.toolchainBin, missing: Self.missing)
        let recording = try assertRuntimeRoundTrip([swift.path, "--version"], label: "swift --version")
        assertContains(recording.result.stdoutText + recording.result.stderrText, ["Swift version "])
    }

    func testAsyncAwaitTasks() throws {
        let swiftc = try Tool.find("swiftc", in: Self.toolchainBin, missing: Self.missing)
        let dir = try makeTemporaryDirectory("swift")
        let exe = dir + "/tasks"
        // -parse-as-library: the file has an @main type. -Onone: the test needs no optimizer,
        // and it compiles fastest. A private module cache, and the source directory remapped in
        // the debug info.
        try RuntimeProgram.compile([swiftc.path, "-parse-as-library", "-Onone", "-g",
                                    "-module-cache-path", dir + "/module-cache",
                                    "-debug-prefix-map", RuntimeProgram.directory + "=.",
                                    "-o", exe, RuntimeProgram.source("tasks.swift")], directory: dir)
        let recording = try assertRuntimeRoundTrip([exe], label: "swift async/await tasks", directory: dir)
        assertContains(recording.result.stdoutText, ["total: 16799993 order: ["])
    }

    /// The compiler under the recorder: swift-driver runs swift-frontend and reads its output in a
    /// libdispatch thread that blocks every signal (a buffered read no desched signal can cut
    /// short: the recording stood still for good), swift-frontend asks for the network interfaces
    /// (SIOCGIFCONF, SIOCGIFHWADDR: a time-based UUID), then the program runs. The compile and
    /// the run replay with the recorded output.
    func testSwiftcOptimizedCompileAndRun() throws {
        let swiftc = try Tool.find("swiftc", in: Self.toolchainBin, missing: Self.missing)
        let dir = try makeTemporaryDirectory("swiftc")
        let compile = [swiftc.path, "-O", "-module-cache-path", dir + "/module-cache", "-o", dir + "/reduce",
                       RuntimeProgram.source("reduce.swift")]
        let recording = try assertRuntimeRoundTrip(["/bin/sh", "-c", compile.map { "'\($0)'" }.joined(separator: " ") + " && ./reduce"],
                                                   label: "swiftc -O and its program", directory: dir)
        XCTAssertEqual(recording.result.stdoutText, "5000050000\n")
    }
}
