// A real, independently written DAP client in CI: Emacs dap-mode (Debian's elpa-dap-mode) drives
// a whole swrr-dap session in batch mode, Tests/Clients/emacs/swrr-dap-session.el, on
// Tests/Fixtures/dap/debuggee.c: the project's adapter-manifest/dap-mode.el registers the
// provider, a breakpoint is hit, the stack and the loop variable are read, reverseContinue and
// stepBack land where they must, the replay continues to the recorded end and goes back from
// there (the manifest's :exitedAtEnd false keeps dap-mode's session at the end). Then a
// multi-process recording (forktree.c: two forks, one exec): dap-mode 0.7 does not support
// `startDebugging` (no supportsStartDebuggingRequest; its reverse requests are all taken for
// runInTerminal), so the session debugs the second child through the `process` attribute, the
// adapter's fallback for such clients (ProcessTreeTests covers startDebugging). The script
// checks each step and exits non-zero at the first failure; this test runs it under a time
// limit and checks that nothing it started is left running. Emacs and dap-mode are
// dependencies of `make test` (DEB_PACKAGES): their absence is a failure.
import Foundation
import SwrrTestSupport
import XCTest

final class EmacsDapModeTests: XCTestCase {
    static let emacs = ExecutableSearch.find("emacs")

    func testDapModeDrivesAWholeSessionForwardAndBackward() throws {
        guard let emacs = Self.emacs else {
            return XCTFail("emacs is not installed: `make deps` installs the Debian packages emacs-nox and elpa-dap-mode")
        }
        let adapter = try XCTUnwrap(DAPTestEnv.executable, "swrr-dap is not built")
        let program = try DAPTestEnv.fixture("debuggee")
        let home = try TestDirectory.makeUnique(prefix: "emacs-home")
        let traces = try TestDirectory.makeUnique(prefix: "emacs-traces")
        let script = DAPTestEnv.packageRoot.appendingPathComponent("Tests/Clients/emacs/swrr-dap-session.el").path
        let tree = try DAPTestEnv.record(try DAPTestEnv.fixture("forktree"))
        XCTAssertEqual(tree.status, 0, tree.stdout)
        let second = try pid(#"second (\d+) sum 12"#, in: tree.stdout)
        let parent = try pid(#"parent (\d+) sum 3"#, in: tree.stdout)

        let r = try Subprocess.run([emacs, "--batch", "-l", script], environment: [
            "HOME": home,   // nothing of the user's Emacs, nothing written into it
            "SWRR_DAP_BIN": adapter,
            "SWRR_PROGRAM": program,
            "SWRR_SOURCE": DAPTestEnv.fixtureDirectory + "/debuggee.c",
            "SWRR_TRACE_DIR": traces,
            "SWRR_TIMEOUT": "150",
            "SWRR_TREE_TRACE": tree.trace,
            "SWRR_TREE_SOURCE": DAPTestEnv.fixtureDirectory + "/forktree.c",
            "SWRR_TREE_PROCESS": String(second),
            "SWRR_TREE_PARENT": String(parent),
        ], mergingStderr: true, timeout: 180)
        let text = r.stdoutText
        XCTAssertFalse(r.timedOut, "emacs --batch did not finish within 180 s")
        XCTAssertEqual(r.leftovers, [], "processes left running after emacs ended")
        XCTAssertEqual(r.status, 0, "the dap-mode session failed:\n\(text)")
        XCTAssertTrue(text.contains("all checks passed"), text)
        for check in ["stopped with reason breakpoint at line", "stopped with reason step at line",
                      "the end's description has the recorded exit code 0",
                      "no exited event at the end: the session is still running",
                      "stopped with reason breakpoint at line 35 in main, i = 4",
                      "process \(second) of the tree stopped at its breakpoint in work",
                      "without startDebugging the one session lists the parent's thread and the child's"] {
            XCTAssertTrue(text.contains("ok: " + check), "missing check '\(check)':\n\(text)")
        }
        // Nothing left running: the adapter, and the replayed program (run from the trace's copy).
        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("adapter pid: ") }),
           let pid = Int32(line.dropFirst("adapter pid: ".count)) {
            usleep(200_000)
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            XCTAssertTrue(stat.isEmpty || stat.contains(") Z "), "swrr-dap (pid \(pid)) is still running")
        } else {
            XCTFail("the script did not say the adapter's pid:\n\(text)")
        }
        let procs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for p in procs.compactMap({ Int32($0) }) {
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p)/exe")) ?? ""
            XCTAssertFalse(exe.hasPrefix(traces), "process \(p) (\(exe)) of the recording is still running")
        }
    }
}
