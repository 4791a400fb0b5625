// Launching through swrr-dap over real pipes: record a C fixture and replay it to the end, debug
// an existing trace, stop on entry, restart, and the launch errors. Every message in both
// directions is validated against the DAP schema.
import Foundation
import SwrrTestSupport
import XCTest

final class LaunchTests: XCTestCase {
    static let expectedStdout = (1...5).map { i in "step \(i) total \((1...i).reduce(0, +))\n" }.joined()
    static func expectedFullStdout(_ status: Int) -> String { expectedStdout + "done, exiting with \(status)\n" }
    static let expectedStderr = "to stderr: café\n"

    func initialize(_ c: DAPClient) throws {
        let r = try c.request("initialize", ["adapterID": "swrr", "clientID": "swrr-tests", "linesStartAt1": true,
                                             "columnsStartAt1": true, "pathFormat": "path"])
        XCTAssertTrue(r.success, r.message)
        XCTAssertEqual(r.body["supportsConfigurationDoneRequest"] as? Bool, true)
    }

    /// Concatenated output of this category among `events`.
    func text(_ events: [[String: Any]], _ category: String) -> String {
        events.filter { $0.body["category"] as? String == category }.map { $0.body["output"] as? String ?? "" }.joined()
    }

    func assertNoViolations(_ c: DAPClient, file: StaticString = #filePath, line: UInt = #line) throws {
        let v = try c.schemaViolations()
        XCTAssertEqual(v, [], "schema violations", file: file, line: line)
    }

    /// configurationDone → continued → output → stopped (end) → exited, then disconnect.
    func runToEnd(_ c: DAPClient, exitCode: Int) throws {
        let done = c.send("configurationDone")
        XCTAssertTrue(try c.response(to: done).success)
        let continued = try c.event("continued")
        XCTAssertNotNil(continued.body["threadId"] as? Int)
        let outputsBefore = c.takeEvents("output")
        let stopped = try c.event("stopped")
        let outputs = outputsBefore + c.takeEvents("output")
        XCTAssertEqual(text(outputs, "stdout"), Self.expectedFullStdout(exitCode))
        XCTAssertEqual(text(outputs, "stderr"), Self.expectedStderr)
        XCTAssertTrue((stopped.body["description"] as? String ?? "").contains("end of the recording"),
                      "\(stopped.body)")
        let exited = try c.event("exited")
        XCTAssertEqual(exited.body["exitCode"] as? Int, exitCode)
        // The order: continued before stopped before exited.
        let names = c.received.compactMap { $0["event"] as? String }.filter { ["continued", "stopped", "exited"].contains($0) }
        XCTAssertEqual(names, ["continued", "stopped", "exited"])

        let threads = try c.request("threads")
        XCTAssertTrue(threads.success)
        XCTAssertEqual((threads.body["threads"] as? [Any])?.count, 1)
        try disconnect(c)
    }

    func disconnect(_ c: DAPClient) throws {
        let end = try c.disconnectAndExit()
        XCTAssertTrue(end.response.success)
        XCTAssertTrue(c.received.contains { $0["event"] as? String == "terminated" })
        XCTAssertEqual(end.status, 0)
    }

    func testLaunchRecordsThenReplaysToTheEnd() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let c = try DAPClient()
        try initialize(c)
        let launch = c.send("launch", ["program": program, "args": ["7"], "cwd": "/tmp", "env": ["SWRR_TEST": "1"]])
        let r = try c.response(to: launch)
        XCTAssertTrue(r.success, r.message)
        // The output streamed while recording comes before the launch response.
        let recording = c.takeEvents("output")
        XCTAssertEqual(text(recording, "stdout"), Self.expectedFullStdout(7))
        XCTAssertEqual(text(recording, "stderr"), Self.expectedStderr)
        XCTAssertEqual(recording.first?.body["group"] as? String, "startCollapsed")
        XCTAssertEqual(recording.last?.body["group"] as? String, "end")
        try c.event("initialized")
        try runToEnd(c, exitCode: 7)
        try assertNoViolations(c)
    }

    func testLaunchAnExistingTrace() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let rec = try DAPTestEnv.record(program, ["5"])
        XCTAssertEqual(rec.status, 5)
        XCTAssertEqual(rec.stdout, Self.expectedFullStdout(5))
        let c = try DAPClient()
        try initialize(c)
        let r = try c.request("launch", ["trace": rec.trace])
        XCTAssertTrue(r.success, r.message)
        XCTAssertEqual(c.takeEvents("output").filter { $0.body["category"] as? String != "console" }.count, 0)
        try c.event("initialized")
        try runToEnd(c, exitCode: 5)
        try assertNoViolations(c)
    }

    func testStopOnEntryThenContinueThenRestart() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let rec = try DAPTestEnv.record(program, ["2"])
        let c = try DAPClient()
        try initialize(c)
        XCTAssertTrue(try c.request("launch", ["trace": rec.trace, "stopOnEntry": true]).success)
        try c.event("initialized")
        XCTAssertTrue(try c.request("configurationDone").success)
        let entry = try c.event("stopped")
        XCTAssertEqual(entry.body["reason"] as? String, "entry")
        let tid = entry.body["threadId"] as! Int
        let ev = try c.request("currentEvent")
        XCTAssertEqual(ev.body["event"] as? Int, 1)
        XCTAssertEqual(c.takeEvents("output").filter { $0.body["category"] as? String == "stdout" }.count, 0)

        XCTAssertTrue(try c.request("continue", ["threadId": tid]).success)
        try c.event("continued")
        let end = try c.event("stopped")
        XCTAssertEqual(end.body["reason"] as? String, "end of recording")
        XCTAssertEqual(try c.event("exited").body["exitCode"] as? Int, 2)
        XCTAssertEqual(text(c.takeEvents("output"), "stdout"), Self.expectedFullStdout(2))

        // Back to the start, and to the end again: the same output and exit code.
        XCTAssertTrue(try c.request("restart").success)
        XCTAssertEqual(try c.event("stopped").body["reason"] as? String, "entry")
        XCTAssertTrue(try c.request("continue", ["threadId": tid]).success)
        try c.event("continued")
        try c.event("stopped")
        XCTAssertEqual(try c.event("exited").body["exitCode"] as? Int, 2)
        XCTAssertEqual(text(c.takeEvents("output"), "stdout"), Self.expectedFullStdout(2))
        try disconnect(c)
        try assertNoViolations(c)
    }

    func testRecordFalseIsAnErrorThatExplains() throws {
        let c = try DAPClient()
        try initialize(c)
        let r = try c.request("launch", ["program": "/bin/true", "record": false])
        XCTAssertFalse(r.success)
        XCTAssertTrue(r.message.contains("'record': false is not possible"), r.message)
        XCTAssertTrue(r.message.contains("'trace'"), r.message)
        // Still serving, and a correct launch works afterwards.
        XCTAssertTrue(try c.request("threads").success)
        try disconnect(c)
        try assertNoViolations(c)
    }

    func testMissingProgramAndDamagedTraceAreErrors() throws {
        let c = try DAPClient()
        try initialize(c)
        let r = try c.request("launch", ["program": "/nonexistent/program-\(getpid())"])
        XCTAssertFalse(r.success)
        XCTAssertTrue(r.message.contains("no such program"), r.message)
        let dir = try TestDirectory.makeUnique(prefix: "not-a-trace")
        let t = try c.request("launch", ["trace": dir])
        XCTAssertFalse(t.success)
        XCTAssertTrue(t.message.contains(dir), t.message)
        let none = try c.request("launch", [:])
        XCTAssertFalse(none.success)
        XCTAssertTrue(none.message.contains("'program'"), none.message)
        XCTAssertTrue(try c.request("threads").success)
        try disconnect(c)
        try assertNoViolations(c)
    }

    func testSessionThroughTheSharedSchemaTap() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let log = try TestDirectory.makeUnique(prefix: "tap") + "/tap.log"
        let c = try DAPClient(tapLog: log)
        try initialize(c)
        let launch = c.send("launch", ["program": program, "args": ["4"]])
        XCTAssertTrue(try c.response(to: launch).success)
        try c.event("initialized")
        let bp = try c.request("setBreakpoints", ["source": ["path": DAPTestEnv.fixtureDirectory + "/hello_dap.c"],
                                                  "breakpoints": [["line": 10], ["line": 11, "condition": "i == 3"]]])
        XCTAssertTrue(bp.success)
        XCTAssertEqual((bp.body["breakpoints"] as? [[String: Any]])?.map { $0["verified"] as? Bool }, [true, true])
        // Removed again: this session runs to the end.
        XCTAssertTrue(try c.request("setBreakpoints", ["source": ["path": DAPTestEnv.fixtureDirectory + "/hello_dap.c"],
                                                       "breakpoints": []]).success)
        XCTAssertTrue(try c.request("setExceptionBreakpoints", ["filters": ["fatal-signals"]]).success)
        _ = c.takeEvents("output")
        try runToEnd(c, exitCode: 4)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertFalse(text.contains("VIOLATION"), text)
        XCTAssertTrue(text.contains("A->C event exited"), text)
        try assertNoViolations(c)
    }
}

final class RunControlTests: XCTestCase {
    func testPauseStopsARunningReplayForwardAndBackward() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        // Without syscall buffering: the 20,000 getppid calls are then 20,000 events to pause among.
        let rec = try DAPTestEnv.record(program, ["6", "20000"], syscallBuffer: false)
        XCTAssertEqual(rec.status, 6)
        let c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr"]).success)
        XCTAssertTrue(try c.request("launch", ["trace": rec.trace]).success)
        XCTAssertTrue(try c.request("configurationDone").success)
        let continued = try c.event("continued")
        let tid = continued.body["threadId"] as! Int
        // 20,000 getppid calls to replay: the pause stops among them, at an event boundary. Under
        // load a pause can come while ld.so still runs (measured: once in a full run while six
        // engineers built), where no frame is main's: then on, and pause again.
        var stopped: DAPClient.Message
        var inMain = false
        for attempt in 0..<5 {
            if attempt > 0 {
                XCTAssertTrue(try c.request("continue", ["threadId": tid]).success)
                _ = try c.event("continued")
                Thread.sleep(forTimeInterval: 0.1)
            }
            XCTAssertTrue(try c.request("pause", ["threadId": tid]).success)
            stopped = try c.event("stopped")
            XCTAssertEqual(stopped.body["reason"] as? String, "pause", "\(stopped.body)")
            XCTAssertTrue((stopped.body["description"] as? String ?? "").hasPrefix("Paused at event "), "\(stopped.body)")
            let paused = try XCTUnwrap(try c.request("currentEvent", [:]).body["event"] as? Int)
            XCTAssertGreaterThan(paused, 1)
            let frames = try c.request("stackTrace", ["threadId": stopped.body["threadId"] as! Int])
            XCTAssertTrue(frames.success, frames.message)
            inMain = (frames.body["stackFrames"] as? [[String: Any]] ?? []).contains { $0["name"] as? String == "main" }
            if inMain { break }
        }
        XCTAssertTrue(inMain, "no pause of five stopped in main")
        XCTAssertEqual(c.takeEvents("output").filter { $0.body["category"] as? String == "stdout" }.count, 0,
                       "nothing printed yet")
        // On to the end: the whole output and the exit code.
        XCTAssertTrue(try c.request("continue", ["threadId": tid]).success)
        _ = try c.event("continued")
        stopped = try c.event("stopped")
        XCTAssertEqual(stopped.body["reason"] as? String, "end of recording", "\(stopped.body)")
        XCTAssertEqual(try c.event("exited").body["exitCode"] as? Int, 6)
        let stdout = c.takeEvents("output").filter { $0.body["category"] as? String == "stdout" }
            .map { $0.body["output"] as? String ?? "" }.joined()
        XCTAssertEqual(stdout, LaunchTests.expectedFullStdout(6))
        // Backwards to main (a search through every event: the forward run had no breakpoint
        // in, so it showed nothing about main's), paused on the way.
        let bp = try c.request("setFunctionBreakpoints", ["breakpoints": [["name": "main"]]])
        XCTAssertEqual((bp.body["breakpoints"] as? [[String: Any]])?.first?["verified"] as? Bool, true, "\(bp.body)")
        XCTAssertTrue(try c.request("reverseContinue", ["threadId": tid]).success)
        _ = try c.event("continued")
        XCTAssertTrue(try c.request("pause", ["threadId": tid]).success)
        stopped = try c.event("stopped")
        XCTAssertEqual(stopped.body["reason"] as? String, "pause", "\(stopped.body)")
        XCTAssertTrue((stopped.body["description"] as? String ?? "").contains("where going back in time had got to"),
                      "\(stopped.body)")
        let back = try XCTUnwrap(try c.request("currentEvent", [:]).body["event"] as? Int)
        XCTAssertGreaterThanOrEqual(back, 1)
        let end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }

    func testHeadlessRecordAndHelp() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let rec = try DAPTestEnv.record(program, ["9"])
        XCTAssertEqual(rec.status, 9)
        XCTAssertEqual(rec.stdout, LaunchTests.expectedFullStdout(9))
        let adapter = try XCTUnwrap(DAPTestEnv.executable, "swrr-dap is not built")
        let p = try Subprocess.run([adapter, "--help"])
        XCTAssertEqual(p.status, 0, "\(p)")
        let help = p.stdoutText
        for word in ["--record", "launch", "stopOnEntry", "trace", "gotoTargets", "reverseStepOut", "gotoEvent",
                     "adapter-manifest"] {
            XCTAssertTrue(help.contains(word), "--help does not mention \(word)")
        }
        let missing = try Subprocess.run([adapter, "--record", "--", "/nonexistent/program"])
        XCTAssertEqual(missing.status, 127, "\(missing)")
    }
}
