// Progress and cancel through swrr-dap over real pipes (Tests/Fixtures/dap/longrun.c: 2000
// rounds of about 1 ms of computation, each ending with an event; Tests/Fixtures/dap/history.c
// for a long value history pass). A reverse-continue from the end of the recording to first()'s
// line re-executes the whole recording, seconds of it: progressStart, updates and progressEnd
// with one id around it, nothing when the client did not announce supportsProgressReporting; a
// `cancel` (by progressId or by the request's seq) stops it within a second with a `stopped`
// whose thread `threads` lists; a cancel of a finished or unknown request is harmless; a cancel
// during a value history pass answers it as cancelled; a cancel during a launch's recording keeps
// what was recorded and debugs it. Every message is validated against the schema.
import Foundation
import XCTest

final class ProgressCancelTests: XCTestCase {
    private static var recorded: String?

    /// The recording of longrun, made once.
    static func trace() throws -> String {
        if let t = recorded { return t }
        let r = try DAPTestEnv.record(try DAPTestEnv.fixture("longrun"))
        XCTAssertEqual(r.status, 0, r.stdout)
        recorded = r.trace
        return r.trace
    }

    /// A session on longrun's recording, stopped at its end (configurationDone ran forward over
    /// it), then a breakpoint on first()'s line. The events of that first run are consumed.
    private func atEnd(progress: Bool) throws -> (client: DAPClient, firstLine: Int) {
        let trace = try Self.trace()
        let source = DAPTestEnv.fixtureDirectory + "/longrun.c"
        let lines = try String(contentsOfFile: source, encoding: .utf8).components(separatedBy: "\n")
        let firstLine = try XCTUnwrap(lines.firstIndex { $0.hasSuffix("L:first") }) + 1
        let c = try DAPClient()
        var initialize: [String: Any] = ["adapterID": "swrr", "linesStartAt1": true, "columnsStartAt1": true]
        if progress { initialize["supportsProgressReporting"] = true }
        let r = try c.request("initialize", initialize)
        XCTAssertTrue(r.success, r.message)
        XCTAssertEqual(r.body["supportsCancelRequest"] as? Bool, true)
        XCTAssertTrue(try c.request("launch", ["trace": trace]).success)
        _ = try c.event("initialized")
        XCTAssertTrue(try c.request("configurationDone").success)
        let end = try c.event("stopped", timeout: 120)
        XCTAssertEqual(end.body["reason"] as? String, "end of recording", "\(end)")
        for e in ["progressStart", "progressUpdate", "progressEnd", "continued", "output", "exited"] { _ = c.takeEvents(e) }
        let b = try c.request("setBreakpoints", ["source": ["path": source], "breakpoints": [["line": firstLine]]])
        XCTAssertTrue(b.success, b.message)
        return (c, firstLine)
    }

    private func progressEvents(_ c: DAPClient) -> [[String: Any]] {
        c.received.filter { ($0["event"] as? String)?.hasPrefix("progress") == true }
    }

    /// The thread of a stop is listed by `threads`, and its stack can be read.
    private func assertListed(_ c: DAPClient, _ stop: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws {
        let tid = try XCTUnwrap(stop["threadId"] as? Int, file: file, line: line)
        let threads = try c.request("threads").body["threads"] as? [[String: Any]] ?? []
        XCTAssertTrue(threads.contains { $0["id"] as? Int == tid }, "\(tid) not in \(threads)", file: file, line: line)
        let st = try c.request("stackTrace", ["threadId": tid])
        XCTAssertTrue(st.success, st.message, file: file, line: line)
    }

    func testProgressAroundALongReverseContinue() throws {
        let (c, firstLine) = try atEnd(progress: true)
        let sent = Date()
        let seq = c.send("reverseContinue", ["threadId": 1])
        XCTAssertTrue(try c.response(to: seq).success)
        let start = try c.event("progressStart", timeout: 30)
        let latency = Date().timeIntervalSince(sent)
        let stop = try c.event("stopped", timeout: 120)
        print("first progress event \(Int(latency * 1000)) ms after reverseContinue")
        XCTAssertEqual(stop.body["reason"] as? String, "breakpoint", "\(stop)")
        let id = try XCTUnwrap(start.body["progressId"] as? String)
        XCTAssertEqual(start.body["title"] as? String, "Running backwards")
        XCTAssertEqual(start.body["cancellable"] as? Bool, true)
        XCTAssertEqual(start.body["requestId"] as? Int, seq)
        XCTAssertGreaterThanOrEqual(latency, 0.4, "progress starts only for an operation that lasts")
        let events = progressEvents(c).filter { ($0["body"] as? [String: Any])?["progressId"] as? String == id }
        let kinds = events.map { $0["event"] as? String ?? "" }
        XCTAssertEqual(kinds.first, "progressStart")
        XCTAssertEqual(kinds.last, "progressEnd")
        XCTAssertEqual(kinds.filter { $0 == "progressStart" }.count, 1)
        XCTAssertEqual(kinds.filter { $0 == "progressEnd" }.count, 1)
        let updates = kinds.filter { $0 == "progressUpdate" }.count
        XCTAssertGreaterThanOrEqual(updates, 1, "\(kinds)")
        // At most four updates a second.
        let seconds = Date().timeIntervalSince(sent)
        XCTAssertLessThanOrEqual(Double(updates), seconds * 4 + 1, "\(updates) updates in \(seconds) s")
        // progressEnd comes before the stop.
        let endIndex = try XCTUnwrap(c.received.firstIndex { $0["event"] as? String == "progressEnd" })
        let stopIndex = try XCTUnwrap(c.received.lastIndex { $0["event"] as? String == "stopped" })
        XCTAssertLessThan(endIndex, stopIndex)
        let frames = try c.request("stackTrace", ["threadId": try XCTUnwrap(stop.body["threadId"] as? Int)])
        XCTAssertEqual((frames.body["stackFrames"] as? [[String: Any]])?.first?["line"] as? Int, firstLine)
        let end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }

    func testNoProgressWithoutTheClientsCapability() throws {
        let (c, _) = try atEnd(progress: false)
        let seq = c.send("reverseContinue", ["threadId": 1])
        XCTAssertTrue(try c.response(to: seq).success)
        let stop = try c.event("stopped", timeout: 120)
        XCTAssertEqual(stop.body["reason"] as? String, "breakpoint", "\(stop)")
        XCTAssertEqual(progressEvents(c).count, 0, "\(progressEvents(c))")
        let end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }

    func testCancelALongReverseContinue() throws {
        let (c, _) = try atEnd(progress: true)
        // By progressId, as an editor's cancel button does.
        let seq = c.send("reverseContinue", ["threadId": 1])
        XCTAssertTrue(try c.response(to: seq).success)
        let start = try c.event("progressStart", timeout: 30)
        let id = try XCTUnwrap(start.body["progressId"] as? String)
        let cancelled = Date()
        let cancel = try c.request("cancel", ["progressId": id])
        XCTAssertTrue(cancel.success, cancel.message)
        let stop = try c.event("stopped", timeout: 30)
        let latency = Date().timeIntervalSince(cancelled)
        // The latency is printed, not asserted (tests never fail on timing; measured 25 ms idle,
        // 5 s at load 7): that the search was cancelled shows in the stop's reason and text.
        print("cancel -> stopped \(Int(latency * 1000)) ms")
        XCTAssertEqual(stop.body["reason"] as? String, "pause", "\(stop)")
        let description = stop.body["description"] as? String ?? ""
        // At an event boundary or inside an event's computation (a scan is paused where it had
        // got to: ReplayInterrupt.swift), whichever the cancel reached first.
        XCTAssertTrue(description.hasPrefix("Cancelled reverseContinue. Paused at event ")
                      || description.hasPrefix("Cancelled reverseContinue. Paused in the middle of a computation (event "), description)
        let end = try XCTUnwrap(c.received.last { $0["event"] as? String == "progressEnd" })
        XCTAssertEqual((end["body"] as? [String: Any])?["progressId"] as? String, id)
        XCTAssertEqual((end["body"] as? [String: Any])?["message"] as? String, "cancelled")
        try assertListed(c, stop.body)
        let event = try XCTUnwrap(c.request("currentEvent").body["event"] as? Int)
        XCTAssertTrue(description.contains("event \(event)"), "\(description) at \(event)")

        // Cancelling the finished request, or one that never was, does nothing.
        for args: [String: Any] in [["requestId": seq], ["requestId": 99999], ["progressId": id]] {
            XCTAssertTrue(try c.request("cancel", args).success)
        }
        XCTAssertThrowsError(try c.event("stopped", timeout: 0.5))
        XCTAssertEqual(try c.request("currentEvent").body["event"] as? Int, event)

        // By the request's seq, without waiting for progress.
        let again = c.send("reverseContinue", ["threadId": 1])
        XCTAssertTrue(try c.response(to: again).success)
        usleep(300_000)
        let t0 = Date()
        XCTAssertTrue(try c.request("cancel", ["requestId": again]).success)
        let stop2 = try c.event("stopped", timeout: 30)
        print("cancel by requestId -> stopped \(Int(Date().timeIntervalSince(t0) * 1000)) ms")
        XCTAssertEqual(stop2.body["reason"] as? String, "pause", "\(stop2)")
        try assertListed(c, stop2.body)
        let event2 = try XCTUnwrap(c.request("currentEvent").body["event"] as? Int)
        XCTAssertLessThan(event2, event, "the second search went further back")
        let done = try c.disconnectAndExit()
        XCTAssertEqual(done.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }

    /// One round of longrun: a single event-free loop of about 0.8 s (7 x 10^8 multiply-adds at
    /// -O0), and a breakpoint on first()'s line whose condition never holds, so reverse-continue
    /// scans the whole loop. Cancelled inside it, the search stops there (no event boundary to
    /// wait for): reason pause, in main's loop, listed, and the run goes on from there.
    func testCancelAReverseContinueInsideAnEventFreeLoop() throws {
        let r = try DAPTestEnv.record(try DAPTestEnv.fixture("longrun"), ["1", "700000000"])
        XCTAssertEqual(r.status, 0, r.stdout)
        let source = DAPTestEnv.fixtureDirectory + "/longrun.c"
        let lines = try String(contentsOfFile: source, encoding: .utf8).components(separatedBy: "\n")
        let firstLine = try XCTUnwrap(lines.firstIndex { $0.hasSuffix("L:first") }) + 1
        let loopLines = [try XCTUnwrap(lines.firstIndex { $0.contains("for (long i = 0; i < spin") }) + 1,
                         try XCTUnwrap(lines.firstIndex { $0.contains("x = x * ") }) + 1]
        let c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr", "linesStartAt1": true, "columnsStartAt1": true]).success)
        XCTAssertTrue(try c.request("launch", ["trace": r.trace]).success)
        _ = try c.event("initialized")
        XCTAssertTrue(try c.request("configurationDone").success)
        let end = try c.event("stopped", timeout: 120)
        XCTAssertEqual(end.body["reason"] as? String, "end of recording", "\(end)")
        let endEvent = try XCTUnwrap(c.request("currentEvent").body["event"] as? Int)
        let b = try c.request("setBreakpoints", ["source": ["path": source],
                                                 "breakpoints": [["line": firstLine, "condition": "r == -5"]]])
        XCTAssertTrue(b.success, b.message)
        _ = c.takeEvents("stopped")

        let seq = c.send("reverseContinue", ["threadId": 1])
        XCTAssertTrue(try c.response(to: seq).success)
        usleep(400_000)
        let t0 = Date()
        XCTAssertTrue(try c.request("cancel", ["requestId": seq]).success)
        let stop = try c.event("stopped", timeout: 60)
        print("cancel inside an event-free loop -> stopped \(Int(Date().timeIntervalSince(t0) * 1000)) ms")
        XCTAssertEqual(stop.body["reason"] as? String, "pause", "\(stop)")
        let description = stop.body["description"] as? String ?? ""
        XCTAssertTrue(description.hasPrefix("Cancelled reverseContinue. Paused in the middle of a computation"), description)
        try assertListed(c, stop.body)
        let event = try XCTUnwrap(c.request("currentEvent").body["event"] as? Int)
        XCTAssertLessThan(event, endEvent)
        let tid = try XCTUnwrap(stop.body["threadId"] as? Int)
        let frames = try c.request("stackTrace", ["threadId": tid]).body["stackFrames"] as? [[String: Any]] ?? []
        XCTAssertEqual(frames.first?["name"] as? String, "main", "\(frames.first ?? [:])")
        XCTAssertTrue(loopLines.contains(frames.first?["line"] as? Int ?? 0), "\(frames.first ?? [:]) not in \(loopLines)")

        // On from there: forward to the end of the recording, which the loop's output precedes.
        XCTAssertTrue(try c.request("continue", ["threadId": tid]).success)
        let again = try c.event("stopped", timeout: 120)
        XCTAssertEqual(again.body["reason"] as? String, "end of recording", "\(again)")
        XCTAssertEqual(try c.request("currentEvent").body["event"] as? Int, endEvent)
        let done = try c.disconnectAndExit()
        XCTAssertEqual(done.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }

    func testCancelDuringAValueHistoryPass() throws {
        // 100,000 writes: a pass of many seconds; the user stands at the first one.
        let s = try DebugSession("history", args: ["100000"], initialize: ["supportsProgressReporting": true])
        let stop = try s.startAtHit(1, of: "loop")
        let seq = s.client.send("valueHistory", ["expression": "counter", "limit": 1_000_000])
        usleep(500_000)
        let t0 = Date()
        // The read loop answers at once while the pass runs.
        let threads = try s.client.request("threads", timeout: 1)
        XCTAssertTrue(threads.success)
        XCTAssertTrue(try s.client.request("cancel", ["requestId": seq], timeout: 1).success)
        let r = try s.client.response(to: seq, timeout: 30)
        let latency = Date().timeIntervalSince(t0)
        print("cancel of a value history -> response \(Int(latency * 1000)) ms")
        XCTAssertEqual(r["success"] as? Bool, false)
        XCTAssertEqual(r["message"] as? String, "cancelled")
        let paused = try s.client.event("stopped", timeout: 30)
        XCTAssertEqual(paused.body["reason"] as? String, "pause")
        XCTAssertTrue((paused.body["description"] as? String ?? "").hasPrefix("Cancelled valueHistory: the replay is back at event "),
                      "\(paused.body)")
        print("cancel of a value history -> stopped \(Int(Date().timeIntervalSince(t0) * 1000)) ms")
        // Back where the user was.
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        XCTAssertEqual(try s.evaluate("counter").body["result"] as? String, "0")
        // A pass that ends normally still answers with its entries.
        let three = try s.client.request("valueHistory", ["expression": "counter", "limit": 3], timeout: 120)
        XCTAssertEqual((three.body["entries"] as? [[String: Any]])?.map { $0["value"] as? String }, ["10", "20", "30"])
        try s.finish()
    }

    func testCancelTheRecordingOfALaunch() throws {
        let program = try DAPTestEnv.fixture("longrun")
        let c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr", "supportsProgressReporting": true]).success)
        // 20,000 rounds: about 22 s of computation, cancelled long before.
        let launch = c.send("launch", ["program": program, "args": ["20000"]])
        let start = try c.event("progressStart", timeout: 30)
        XCTAssertEqual(start.body["title"] as? String, "Recording longrun")
        XCTAssertEqual(start.body["requestId"] as? Int, launch)
        XCTAssertEqual(start.body["cancellable"] as? Bool, true)
        usleep(300_000)
        let t0 = Date()
        XCTAssertTrue(try c.request("cancel", ["requestId": launch], timeout: 1).success)
        let r = try c.response(to: launch, timeout: 30)
        let latency = Date().timeIntervalSince(t0)
        print("cancel of a recording -> launch answered \(Int(latency * 1000)) ms")
        XCTAssertEqual(r["success"] as? Bool, true, "\(r)")
        let end = try XCTUnwrap(c.received.last { $0["event"] as? String == "progressEnd" })
        XCTAssertEqual((end["body"] as? [String: Any])?["message"] as? String, "cancelled")
        let said = c.received.compactMap { ($0["body"] as? [String: Any])?["output"] as? String }
        XCTAssertTrue(said.contains { $0.hasPrefix("swrr-dap: the recording was cancelled: the program was killed") }, "\(said)")
        _ = try c.event("initialized")
        // The partial recording replays to where it was stopped.
        XCTAssertTrue(try c.request("configurationDone").success)
        let stop = try c.event("stopped", timeout: 60)
        XCTAssertEqual(stop.body["reason"] as? String, "end of recording", "\(stop)")
        try assertListed(c, stop.body)
        let done = try c.disconnectAndExit()
        XCTAssertEqual(done.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }
}
