// Value history through swrr-dap over real pipes (Tests/Fixtures/dap/history.c: `counter` written
// in a loop, in a SIGUSR1 handler, in a forked child and last by the parent): the custom
// `valueHistory` request, the debug console's `-history`, `gotoHistoryEntry` to an entry, the
// limit, the child's writes with the `process` launch attribute, errors. Every message is
// validated against the schema (custom requests as generic requests and responses).
import Foundation
import XCTest

final class ValueHistoryDAPTests: XCTestCase {
    func testHistoryConsoleAndTravelToEntries() throws {
        let s = try DebugSession("history")
        let stop = try s.startAtHit(1, of: "loop")
        let tid = try XCTUnwrap(stop["threadId"] as? Int)

        let r = try s.client.request("valueHistory", ["expression": "counter"], timeout: 120)
        XCTAssertTrue(r.success, r.message)
        let entries = try XCTUnwrap(r.body["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["value"] as? String }, ["10", "20", "30", "40", "50", "100", "-1"])
        let (loop, handler, last) = (s.line("loop"), s.line("handler"), s.line("last"))
        XCTAssertEqual(entries.map { $0["line"] as? Int }, [loop, loop, loop, loop, loop, handler, last])
        XCTAssertEqual(entries.map { $0["function"] as? String }, ["main", "main", "main", "main", "main", "on_usr1", "main"])
        XCTAssertEqual(Set(entries.map { $0["threadId"] as? Int }), [tid])
        XCTAssertEqual(Set(entries.map { $0["processId"] as? Int }), [tid])
        XCTAssertEqual(entries.map { $0["index"] as? Int }, Array(1...7))
        XCTAssertTrue(entries.allSatisfy { ($0["file"] as? String)?.hasSuffix("/history.c") == true }, "\(entries)")
        XCTAssertEqual(r.body["complete"] as? Bool, true)
        XCTAssertNil(r.body["incomplete"])
        XCTAssertEqual(r.body["passedOver"] as? Int, 2)
        XCTAssertEqual(r.body["initial"] as? String, "0")
        XCTAssertEqual(r.body["size"] as? Int, 4)
        let address = try XCTUnwrap(r.body["address"] as? String)
        let events = entries.compactMap { $0["event"] as? Int }
        XCTAssertEqual(events, events.sorted())
        XCTAssertEqual(entries[5]["description"] as? String,
                       "#6  event \(events[5])  thread \(tid)  on_usr1  history.c:\(handler)  = 100")
        // The user is where they were.
        XCTAssertEqual(try s.whereStopped(stop).line, loop)
        XCTAssertEqual(try s.evaluate("counter").body["result"] as? String, "0")

        // The debug console: the summary, the entries as children, each with its position.
        let e = try s.client.request("evaluate", ["expression": "-history counter", "context": "repl"], timeout: 120)
        XCTAssertTrue(e.success, e.message)
        XCTAssertEqual(e.body["result"] as? String, "7 writes of counter (4 bytes at \(address)), 2 in other processes passed over")
        let rows = try s.variables(try XCTUnwrap(e.body["variablesReference"] as? Int))
        XCTAssertEqual(rows.map { $0["name"] as? String }, (1...7).map { "#\($0)" })
        let row6 = try XCTUnwrap(rows[5]["value"] as? String)
        let prefix = "event \(events[5])  thread \(tid)  on_usr1  history.c:\(handler)  = 100  (position "
        XCTAssertTrue(row6.hasPrefix(prefix), row6)
        let handlerPosition = try XCTUnwrap(Int(row6.dropFirst(prefix.count).dropLast()), row6)

        // Entry 3 through valueHistory's positionId: right after the third store.
        var at = try s.resume("gotoHistoryEntry", ["positionId": try XCTUnwrap(entries[2]["positionId"] as? Int)])
        XCTAssertEqual(at["reason"] as? String, "goto", "\(at)")
        XCTAssertEqual(at["description"] as? String, "At write 3 of counter (= 30) (thread \(tid), event \(events[2]))")
        XCTAssertEqual(try s.whereStopped(at).line, s.line("for"))
        XCTAssertEqual(try s.evaluate("counter").body["result"] as? String, "30")
        // The handler's write through the console row's position.
        at = try s.resume("gotoHistoryEntry", ["positionId": handlerPosition])
        XCTAssertEqual(try s.whereStopped(at).name, "on_usr1")
        XCTAssertEqual(try s.evaluate("counter").body["result"] as? String, "100")
        // Back to entry 1.
        at = try s.resume("gotoHistoryEntry", ["positionId": try XCTUnwrap(entries[0]["positionId"] as? Int)])
        XCTAssertEqual(try s.evaluate("counter").body["result"] as? String, "10")
        XCTAssertEqual(try s.evaluate("i").body["result"] as? String, "1")

        // The limit marks the history incomplete; bytes at an address are in hexadecimal.
        let three = try s.client.request("valueHistory", ["expression": "counter", "limit": 3], timeout: 120)
        XCTAssertEqual((three.body["entries"] as? [[String: Any]])?.map { $0["value"] as? String }, ["10", "20", "30"])
        XCTAssertEqual(three.body["complete"] as? Bool, false)
        XCTAssertEqual(three.body["incomplete"] as? String, "stopped at the limit of 3 entries")
        let bytes = try s.client.request("evaluate", ["expression": "-history \(address),4", "context": "repl"], timeout: 120)
        XCTAssertTrue(bytes.success, bytes.message)
        let byteRows = try s.variables(try XCTUnwrap(bytes.body["variablesReference"] as? Int))
        XCTAssertTrue((byteRows.last?["value"] as? String)?.contains("  = 0xffffffff  (position ") == true, "\(byteRows)")

        // Errors: an unknown expression, a value not in memory, an unknown position; the
        // session keeps serving.
        let unknown = try s.client.request("valueHistory", ["expression": "no_such_variable"])
        XCTAssertFalse(unknown.success)
        XCTAssertTrue(unknown.message.hasPrefix("cannot evaluate 'no_such_variable'"), unknown.message)
        let console = try s.client.request("evaluate", ["expression": "-history no_such_variable", "context": "repl"])
        XCTAssertFalse(console.success)
        XCTAssertTrue(console.message.hasPrefix("cannot evaluate 'no_such_variable'"), console.message)
        let rvalue = try s.client.request("valueHistory", ["expression": "counter + 1"])
        XCTAssertEqual(rvalue.message, "'counter + 1' is not an object in memory: it has no history to watch")
        for bad: [String: Any] in [[:], ["expression": 3], ["expression": "counter", "limit": -1],
                                   ["expression": "counter", "frameId": "top"]] {
            let r = try s.client.request("valueHistory", bad)
            XCTAssertFalse(r.success, "\(bad)")
        }
        XCTAssertFalse(try s.client.request("gotoHistoryEntry", ["positionId": "1"]).success)
        let nowhere = try s.client.request("gotoHistoryEntry", ["positionId": 9999])
        XCTAssertFalse(nowhere.success)
        XCTAssertTrue(nowhere.message.hasPrefix("gotoHistoryEntry: unknown positionId 9999"), nowhere.message)
        // Outside the console, -history is an expression like any other.
        XCTAssertFalse(try s.evaluate("-history counter").success)
        XCTAssertEqual(try s.evaluate("counter").body["result"] as? String, "10")
        try s.finish()
    }

    func testTheChildsWritesOnlyWhenDebuggingTheChild() throws {
        let program = try DAPTestEnv.fixture("history")
        let rec = try DAPTestEnv.record(program)
        XCTAssertEqual(rec.status, 0)
        let match = try XCTUnwrap(rec.stdout.firstMatch(of: #/child (\d+)/#), rec.stdout)
        let child = try XCTUnwrap(Int(match.1))
        let source = DAPTestEnv.fixtureDirectory + "/history.c"
        let line = try String(contentsOfFile: source, encoding: .utf8).components(separatedBy: "\n")
            .firstIndex { $0.hasSuffix("L:child") }! + 1

        let c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr", "linesStartAt1": true]).success)
        XCTAssertTrue(try c.request("launch", ["trace": rec.trace, "process": child]).success)
        XCTAssertTrue(try c.request("setBreakpoints", ["source": ["path": source], "breakpoints": [["line": line]]]).success)
        XCTAssertTrue(try c.request("configurationDone").success)
        let stop = try c.event("stopped").body
        XCTAssertEqual(stop["threadId"] as? Int, child)
        let r = try c.request("valueHistory", ["expression": "counter"], timeout: 120)
        XCTAssertTrue(r.success, r.message)
        let entries = try XCTUnwrap(r.body["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["value"] as? String }, ["7", "8"])
        XCTAssertEqual(entries.map { $0["line"] as? Int }, [line, line + 1])
        XCTAssertEqual(Set(entries.map { $0["processId"] as? Int }), [child])
        XCTAssertEqual(r.body["passedOver"] as? Int, 7, "the parent's writes")
        let end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }
}
