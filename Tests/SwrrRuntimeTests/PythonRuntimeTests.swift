// CPython (issue 12): threading, a multiprocessing pool (forked worker processes talking over
// pipes, with helper threads in the parent) and an sqlite3 database file.
import Foundation
import SwrrTestSupport
import XCTest

final class PythonRuntimeTests: XCTestCase {
    func testThreadingMultiprocessingSqlite() throws {
        // Debian's python3 (make deps installs it), not a pyenv shim: a shim is a shell script
        // that execs through pyenv first.
        let python = try Tool.find("python3", in: ["/usr/bin"], missing: "`make deps` installs Debian's python3")
        let dir = try makeTemporaryDirectory("python")
        let recording = try assertRuntimeRoundTrip(
            [python.path, RuntimeProgram.source("threads_processes_sqlite.py"), dir + "/items.sqlite"],
            label: "python3 threading, multiprocessing, sqlite3", directory: dir)
        assertContains(recording.result.stdoutText, ["rows: (200, 304900) finishing order: [",
                                                      "squares: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n"])
    }
}
