// Where the tests find swrr-dap, the shared DAP schema and tap, and the C fixtures (compiled with
// gcc at test time by SwrrTestSupport's FixtureCompiler).
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

    /// The shared DAP directory (the DAP schema and its tap): $SWRR_DAP_SHARED, else shared/dap
    /// beside the repository (../shared/dap from its root).
    static let sharedDAP: String = {
        if let d = ProcessInfo.processInfo.environment["SWRR_DAP_SHARED"], !d.isEmpty { return d }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/dap").path
    }()
    /// A python3 that can import jsonschema (/usr/bin/python3 with python3-jsonschema, or the
    /// first such python3 on PATH).
    static let python: String = {
        var candidates = ["/usr/bin/python3"]
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(dir + "/python3")
        }
        return candidates.first { c in
            FileManager.default.isExecutableFile(atPath: c)
                && (try? Subprocess.run([c, "-c", "import jsonschema"]))?.status == 0
        } ?? "/usr/bin/python3"
    }()
    static var schema: String { sharedDAP + "/debugProtocol.json" }
    static var schemaTap: String { sharedDAP + "/schema_tap.py" }

    static let fixtureDirectory = packageRoot.appendingPathComponent("Tests/Fixtures/dap").path

    /// Compiles Tests/Fixtures/dap/NAME.c once per test run; returns the executable's path.
    static func fixture(_ name: String) throws -> String {
        try FixtureCompiler.compile(fixtureDirectory + "/" + name + ".c", flags: ["-g", "-O0"])
    }

    /// Records `program` with `swrr-dap --record` (without syscall buffering when `syscallBuffer`
    /// is false: every syscall is then an event of its own); returns the trace directory, the
    /// recorded exit status and the program's stdout.
    static func record(_ program: String, _ args: [String] = [],
                       syscallBuffer: Bool = true) throws -> (trace: String, status: Int32, stdout: String) {
        let dir = try TestDirectory.makeUnique(prefix: "rec")
        let adapter = try XCTUnwrap(executable, "swrr-dap is not built")
        var environment: [String: String?] = ["SWRR_TRACE_DIR": dir]
        if !syscallBuffer { environment["SWRR_SYSCALLBUF"] = "0" }
        let r = try Subprocess.run([adapter, "--record", "--", program] + args, environment: environment, timeout: 120)
        guard !r.timedOut else { throw ClientError(description: "swrr-dap --record timed out: \(r)") }
        let traces = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "latest-trace" }
        guard traces.count == 1 else { throw ClientError(description: "expected one trace in \(dir), found \(traces)") }
        return (dir + "/" + traces[0], r.status, r.stdoutText)
    }
}
