// Checkpoints through gdb: `monitor checkpoint` and `monitor checkpoints` of the server, and the
// checkpoints' frozen processes dying with a killed server (PTRACE_O_EXITKILL). CheckpointTests
// covers checkpoints through the debugging API.
import Foundation
import SwrrTestSupport
import XCTest

final class GDBCheckpointTests: XCTestCase {
    func testMonitorCheckpointThroughGDB() throws {
        let out = try GDBFixture.batch([
            "monitor checkpoints", "break loop.c:\(try GDBFixture.line("body"))", "continue", "continue",
            "monitor checkpoint", "monitor checkpoints", "continue", "continue", "reverse-continue", "print iter",
        ])
        XCTAssertTrue(out.contains("(automatic)"), "the start of the recording has a checkpoint: \(out)")
        let taken = out.range(of: #"Checkpoint (\d+) at event (\d+)\."#, options: .regularExpression)
        XCTAssertNotNil(taken, out)
        if let r = taken {
            let id = out[r].split(separator: " ")[1]
            XCTAssertTrue(out.contains("checkpoint \(id) at event"), "listed: \(out)")
        }
        XCTAssertTrue(out.contains("$1 = 2\n"), "reverse-continue lands on the previous iteration: \(out)")
    }

    func testCheckpointProcessesDieWithAKilledServer() throws {
        let rec = try GDBFixture.recording()
        let server = try GDBServerProcess(trace: rec.trace)
        defer { _ = server.stop(timeout: 1) }
        let gdb = try Subprocess.Child(["gdb", "-batch", "-nx", "-ex", "target extended-remote 127.0.0.1:\(server.port)",
                                        "-ex", "break loop.c:\(try GDBFixture.line("body"))", "-ex", "continue",
                                        "-ex", "monitor checkpoint", "-ex", "continue", "-ex", "reverse-continue",
                                        "-ex", "shell sleep 30", rec.executable])
        defer { gdb.kill(SIGKILL); _ = gdb.wait(timeout: 5) }
        // The server's children: the replayed program and the checkpoints' frozen copies.
        var children: [Int32] = []
        let deadline = Date().addingTimeInterval(30)
        while children.count < 3 && Date() < deadline {
            usleep(100_000)
            children = Subprocess.children(of: server.process.pid).map(\.pid)
        }
        XCTAssertGreaterThanOrEqual(children.count, 3, "a replay and at least two checkpoints")
        server.process.kill(SIGKILL)
        _ = server.process.wait(timeout: 5)
        let gone = Date().addingTimeInterval(5)
        while !children.filter(Subprocess.isRunning).isEmpty && Date() < gone { usleep(50_000) }
        XCTAssertEqual(children.filter(Subprocess.isRunning), [], "every tracee dies with the server (PTRACE_O_EXITKILL)")
    }
}
