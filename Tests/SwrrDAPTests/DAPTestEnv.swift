// Where the tests find swrr-dap, the shared DAP schema and tap, temporary directories, and the C
// fixtures (compiled with gcc at test time).
import Foundation
import SwrrTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

enum DAPTestEnv {
    static let packageRoot = BuiltProduct.packageRoot

    /// $SWRR_DAP_BIN, else next to the running test bundle, else the default build directory.
    static let executable: String? = BuiltProduct.path("swrr-dap", overriddenBy: "SWRR_DAP_BIN")

    /// The shared DAP directory: $SWRR_DAP_SHARED, else ../shared/dap next to the repository's
    /// parent, else /work/shared/dap.
    static let sharedDAP: String = {
        if let d = ProcessInfo.processInfo.environment["SWRR_DAP_SHARED"], !d.isEmpty { return d }
        let candidates = [packageRoot.deletingLastPathComponent().appendingPathComponent("shared/dap").path,
                          "/work/shared/dap"]
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/debugProtocol.json") } ?? candidates[1]
    }()
    /// A python3 that can import jsonschema (/usr/bin/python3 with python3-jsonschema, or the
    /// first python3 on PATH).
    static let python: String = {
        var candidates = ["/usr/bin/python3"]
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(dir + "/python3")
        }
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: c)
            p.arguments = ["-c", "import jsonschema"]
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 { return c }
        }
        return "/usr/bin/python3"
    }()
    static var schema: String { sharedDAP + "/debugProtocol.json" }
    static var schemaTap: String { sharedDAP + "/schema_tap.py" }

    static let fixtureDirectory = packageRoot.appendingPathComponent("Tests/Fixtures/dap").path

    private static let lock = NSLock()
    nonisolated(unsafe) private static var compiled: [String: String] = [:]

    /// Compiles Tests/Fixtures/dap/NAME.c once per test run; returns the executable's path.
    static func fixture(_ name: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let p = compiled[name] { return p }
        let dir = try TestDirectory.makeUnique(prefix: "fixture")
        let out = dir + "/" + name
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gcc", "-g", "-O0", "-o", out, fixtureDirectory + "/" + name + ".c"]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ClientError(description: "gcc failed on \(name).c") }
        compiled[name] = out
        return out
    }

    /// Records `program` with `swrr-dap --record`; returns the trace directory.
    /// Records with `swrr-dap --record` (without syscall buffering when `syscallBuffer` is false:
    /// every syscall is then an event of its own).
    static func record(_ program: String, _ args: [String] = [],
                       syscallBuffer: Bool = true) throws -> (trace: String, status: Int32, stdout: String) {
        let dir = try TestDirectory.makeUnique(prefix: "rec")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable!)
        p.arguments = ["--record", "--", program] + args
        var env = ProcessInfo.processInfo.environment
        env["SWRR_TRACE_DIR"] = dir
        if !syscallBuffer { env["SWRR_SYSCALLBUF"] = "0" }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let traces = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "latest-trace" }
        guard traces.count == 1 else { throw ClientError(description: "expected one trace in \(dir), found \(traces)") }
        return (dir + "/" + traces[0], p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
