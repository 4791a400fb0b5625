// A recording of two processes (Tests/Fixtures/dap/forks.c: a parent and the child it forks
// both run work()) through swrr-dap over real pipes: the first process is debugged by default,
// so the child's earlier hit of a breakpoint is passed over; the `process` launch attribute
// picks the child instead; every thread is listed with its process; an unknown process is a
// launch error naming the recording's processes.
import Foundation
import XCTest

final class MultiProcessTests: XCTestCase {

    /// A session on `trace` (with launch attribute `process` when given), a breakpoint on the
    /// work line, stopped at its first hit.
    func session(_ trace: String, process: Int?) throws -> (DAPClient, [String: Any]) {
        let c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr", "linesStartAt1": true]).success)
        var launch: [String: Any] = ["trace": trace]
        if let p = process { launch["process"] = p }
        let r = try c.request("launch", launch)
        XCTAssertTrue(r.success, r.message)
        let source = DAPTestEnv.fixtureDirectory + "/forks.c"
        let line = try String(contentsOfFile: source, encoding: .utf8).components(separatedBy: "\n")
            .firstIndex { $0.hasSuffix("L:work") }! + 1
        let bp = try c.request("setBreakpoints", ["source": ["path": source], "breakpoints": [["line": line]]])
        XCTAssertTrue(bp.success, bp.message)
        XCTAssertTrue(try c.request("configurationDone").success)
        return (c, try c.event("stopped").body)
    }


    func testTheFirstProcessByDefaultAndAnotherByTheProcessAttribute() throws {
        let program = try DAPTestEnv.fixture("forks")
        let rec = try DAPTestEnv.record(program)
        XCTAssertEqual(rec.status, 0)
        let child = try pid(#"child (\d+) sum 6"#, in: rec.stdout)
        let parent = try pid(#"parent (\d+) sum 3"#, in: rec.stdout)

        // The first process: the parent's call of work(1), though the child's came first.
        var (c, stop) = try session(rec.trace, process: nil)
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        XCTAssertEqual(stop["threadId"] as? Int, parent)
        XCTAssertEqual(try argument(c, parent, "who"), "1")
        XCTAssertEqual(c.received.first { $0["event"] as? String == "process" }.flatMap { ($0["body"] as? [String: Any])?["systemProcessId"] as? Int }, parent)
        var end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])

        // The child, picked by the launch attribute: its own call of work(2).
        (c, stop) = try session(rec.trace, process: child)
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        XCTAssertEqual(stop["threadId"] as? Int, child)
        XCTAssertEqual(try argument(c, child, "who"), "2")
        XCTAssertEqual(c.received.first { $0["event"] as? String == "process" }.flatMap { ($0["body"] as? [String: Any])?["systemProcessId"] as? Int }, child)
        // Both processes' threads are listed, each named with its process.
        let threads = try c.request("threads").body["threads"] as? [[String: Any]] ?? []
        XCTAssertEqual(Set(threads.compactMap { $0["id"] as? Int }), [parent, child])
        for t in threads {
            XCTAssertTrue((t["name"] as? String ?? "").contains("(process \(t["id"] as! Int))"), "\(t)")
        }
        // The parent's later hit is passed over: on to the end of the recording.
        XCTAssertTrue(try c.request("continue", ["threadId": child]).success)
        _ = try c.event("continued")
        stop = try c.event("stopped").body
        XCTAssertEqual(stop["reason"] as? String, "end of recording", "\(stop)")
        XCTAssertEqual(try c.event("exited").body["exitCode"] as? Int, 0)
        end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])

        // A process the recording does not have.
        c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr"]).success)
        let bad = try c.request("launch", ["trace": rec.trace, "process": 999_999])
        XCTAssertFalse(bad.success)
        XCTAssertTrue(bad.message.contains("no process 999999") && bad.message.contains("\(parent), \(child)"), bad.message)
        end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
    }
}
