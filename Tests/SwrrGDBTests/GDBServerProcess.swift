// The gdb server under test: `swrr replay --gdb-port 0` of a fixture's recording in the
// background, and real gdb in batch mode against it.
import Foundation
import SwrrTestSupport
import XCTest

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
