// A process tree in one debugging session (issue 17 item 2): a recording of
// Tests/Fixtures/dap/forktree.c (forks twice, the first child execs) debugged by a client that
// announces supportsStartDebuggingRequest. After configurationDone the parent session asks for one
// child session per other process with `startDebugging`; the test answers as VS Code does, by
// starting another swrr-dap with the configuration given (which forwards the session to the
// parent's replay). One timeline: breakpoints stop in their own session's process, a reverse or
// forward move in any session stops every session, `threads` of each lists its own process only,
// and every `stopped` names a listed thread. A client without the capability is asked for nothing.
import Foundation
import XCTest

final class ProcessTreeTests: XCTestCase {

    var workLine: (source: String, line: Int) {
        let source = DAPTestEnv.fixtureDirectory + "/forktree.c"
        let line = (try? String(contentsOfFile: source, encoding: .utf8))?.components(separatedBy: "\n")
            .firstIndex { $0.hasSuffix("L:work") }.map { $0 + 1 } ?? 0
        return (source, line)
    }

    /// initialize (announcing startDebugging), launch with `configuration`, a breakpoint on the
    /// work line, configurationDone.
    func start(_ configuration: [String: Any], startDebugging: Bool = true) throws -> DAPClient {
        let c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr", "linesStartAt1": true,
                                                   "supportsStartDebuggingRequest": startDebugging]).success)
        let r = try c.request("launch", configuration)
        XCTAssertTrue(r.success, r.message)
        let bp = try c.request("setBreakpoints", ["source": ["path": workLine.source], "breakpoints": [["line": workLine.line]]])
        XCTAssertTrue(bp.success, bp.message)
        XCTAssertTrue(try c.request("configurationDone").success)
        return c
    }

    /// The ids `threads` lists.
    func threadIDs(_ c: DAPClient) throws -> [Int] {
        (try c.request("threads").body["threads"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }


    /// The next `stopped` of every session, each checked to name a thread its `threads` lists;
    /// with those lists.
    func stops(_ sessions: [DAPClient]) throws -> [(stop: [String: Any], threads: [[String: Any]])] {
        try sessions.enumerated().map { i, c in
            let stop: [String: Any]
            do { stop = try c.event("stopped", timeout: 20).body } catch { throw ClientError(description: "session \(i): \(error)") }
            let threads = (try c.request("threads").body["threads"] as? [[String: Any]]) ?? []
            XCTAssertTrue(threads.contains { $0["id"] as? Int == stop["threadId"] as? Int }, "\(stop) names no thread of \(threads)")
            return (stop, threads)
        }
    }

    func testEachProcessOfTheTreeIsAChildSessionOfOneReplay() throws {
        let program = try DAPTestEnv.fixture("forktree")
        let rec = try DAPTestEnv.record(program)
        XCTAssertEqual(rec.status, 0, rec.stdout)
        let first = try pid(#"child (\d+) sum 6"#, in: rec.stdout)
        XCTAssertEqual(try pid(#"exec (\d+) sum 9"#, in: rec.stdout), first)
        let second = try pid(#"second (\d+) sum 12"#, in: rec.stdout)
        let parent = try pid(#"parent (\d+) sum 3, children exited with 3 and 4"#, in: rec.stdout)

        // The parent session: its breakpoint stops in its own process only, at work(1), though
        // both children ran the line before; it lists its own thread only.
        let p = try start(["trace": rec.trace])
        let stop = try p.event("stopped").body
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        XCTAssertEqual(stop["threadId"] as? Int, parent)
        XCTAssertEqual(try threadIDs(p), [parent])
        XCTAssertEqual(try argument(p, parent, "who"), "1")

        // One startDebugging per child, in the order the processes appear, named for the process.
        var requests: [[String: Any]] = []
        for _ in 0..<2 {
            let r = try p.waitFor("a startDebugging request") { $0["type"] as? String == "request" }
            XCTAssertEqual(r["command"] as? String, "startDebugging")
            p.respond(to: r)
            requests.append(r["arguments"] as? [String: Any] ?? [:])
        }
        let configurations = requests.compactMap { $0["configuration"] as? [String: Any] }
        let name = (program as NSString).lastPathComponent
        XCTAssertEqual(configurations.map { $0["process"] as? Int }, [first, second])
        XCTAssertEqual(configurations.map { $0["name"] as? String }, ["\(name) (pid \(first))", "\(name) (pid \(second))"])
        XCTAssertEqual(requests.map { $0["request"] as? String }, ["launch", "launch"])

        // Each child as VS Code starts it: a new swrr-dap launched with the configuration given.
        // It shows the replay where the parent's is: both children have ended there.
        let a = try start(configurations[0])
        let b = try start(configurations[1])
        for (c, child) in [(a, first), (b, second)] {
            let s = try c.event("stopped").body
            XCTAssertEqual(s["reason"] as? String, "pause", "\(s)")
            XCTAssertEqual(s["threadId"] as? Int, child)
            let listed = (try c.request("threads").body["threads"] as? [[String: Any]]) ?? []
            XCTAssertEqual(listed.compactMap { $0["id"] as? Int }, [child])
            XCTAssertTrue((listed.first?["name"] as? String ?? "").contains("not alive at event"), "\(listed)")
            // A child starts no grandchildren.
            XCTAssertFalse(c.received.contains { $0["type"] as? String == "request" })
        }

        // Reverse-continue in the first child: back to the last hit of any session's breakpoint,
        // the second child's work(4). Every session stops: the second with the breakpoint, the
        // others paused where their processes are then (the first ended, the parent waiting).
        XCTAssertTrue(try a.request("reverseContinue", ["threadId": first]).success)
        var all = try stops([p, a, b])
        XCTAssertEqual(all[2].stop["reason"] as? String, "breakpoint", "\(all[2].stop)")
        XCTAssertEqual(all[2].stop["threadId"] as? Int, second)
        XCTAssertEqual(all[2].threads.compactMap { $0["id"] as? Int }, [second])
        XCTAssertEqual(try argument(b, second, "who"), "4")
        XCTAssertEqual(all[0].stop["reason"] as? String, "pause")
        XCTAssertEqual(all[0].threads.compactMap { $0["id"] as? Int }, [parent])
        XCTAssertEqual(all[1].stop["reason"] as? String, "pause")
        XCTAssertEqual(all[1].threads.compactMap { $0["id"] as? Int }, [first])

        // Reverse-continue in the parent: the breakpoint (at the line's first instruction, the
        // loop's start) is hit once per call, so the previous hit is the first child's, in the
        // image it exec'd; there the second child has not been forked yet, and its session
        // says so.
        XCTAssertTrue(try p.request("reverseContinue", ["threadId": parent]).success)
        all = try stops([p, a, b])
        XCTAssertEqual(all[1].stop["reason"] as? String, "breakpoint", "\(all[1].stop)")
        XCTAssertEqual(all[1].stop["threadId"] as? Int, first)
        XCTAssertEqual(all[1].threads.compactMap { $0["id"] as? Int }, [first])
        XCTAssertEqual(try argument(a, first, "who"), "3", "the last hit in the first child is in the image it exec'd")
        XCTAssertEqual(all[0].stop["reason"] as? String, "pause")
        XCTAssertEqual(all[2].stop["reason"] as? String, "pause")
        XCTAssertEqual(all[2].threads.compactMap { $0["id"] as? Int }, [second])
        XCTAssertTrue((all[2].threads.first?["name"] as? String ?? "").contains("not alive at event"), "\(all[2].threads)")

        // Back once more in the first child: its work(2), before the exec.
        XCTAssertTrue(try a.request("reverseContinue", ["threadId": first]).success)
        all = try stops([p, a, b])
        XCTAssertEqual(all[1].stop["reason"] as? String, "breakpoint", "\(all[1].stop)")
        XCTAssertEqual(try argument(a, first, "who"), "2")
        // The value history of work()'s `sum` in the child's session: its own process's writes
        // (the parent's and the second child's at the same address are passed over).
        let history = try a.request("valueHistory", ["expression": "sum"], timeout: 120)
        XCTAssertTrue(history.success, history.message)
        let entries = history.body["entries"] as? [[String: Any]] ?? []
        XCTAssertEqual(Set(entries.compactMap { $0["processId"] as? Int }), [first])
        XCTAssertEqual(entries.prefix(4).compactMap { $0["value"] as? String }, ["0", "2", "4", "6"])
        XCTAssertGreaterThan(history.body["passedOver"] as? Int ?? 0, 0)
        // The pass ends where it began: the session that asked gets its answer, the others
        // (told `continued` when it began) stop again where they were.
        _ = try stops([p, b])
        // A step in the child's session: a step stop there, its line the next of work().
        XCTAssertTrue(try a.request("next", ["threadId": first]).success)
        all = try stops([p, a, b])
        XCTAssertEqual(all.map { $0.stop["reason"] as? String }, ["pause", "step", "pause"])
        let frame = try XCTUnwrap((try a.request("stackTrace", ["threadId": first]).body["stackFrames"] as? [[String: Any]])?.first)
        XCTAssertEqual(frame["name"] as? String, "work")
        XCTAssertEqual(frame["line"] as? Int, workLine.line + 1)

        // Forward from the second child's session, whose process does not exist yet: the first
        // child's exec'd work(3) stops first, then the second child's own work(4).
        XCTAssertTrue(try b.request("continue", ["threadId": second]).success)
        all = try stops([p, a, b])
        XCTAssertEqual(all[1].stop["reason"] as? String, "breakpoint", "\(all[1].stop)")
        XCTAssertEqual(try argument(a, first, "who"), "3")
        XCTAssertTrue(try b.request("continue", ["threadId": second]).success)
        all = try stops([p, a, b])
        XCTAssertEqual(all[2].stop["reason"] as? String, "breakpoint", "\(all[2].stop)")
        XCTAssertEqual(all[2].stop["threadId"] as? Int, second)
        XCTAssertEqual(all[1].stop["reason"] as? String, "pause")

        // A restart in a child session travels the one replay to its start: every session stops
        // there, where only the parent's process exists.
        XCTAssertTrue(try a.request("restart").success)
        all = try stops([p, a, b])
        XCTAssertEqual(all.map { $0.stop["threadId"] as? Int }, [parent, first, second])
        XCTAssertTrue((all[1].threads.first?["name"] as? String ?? "").contains("not alive at event"), "\(all[1].threads)")

        // The second child's session ends alone; the parent's ends the first child's with it.
        var end = try b.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        end = try p.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        try a.event("terminated")
        a.closeInput()
        XCTAssertEqual(a.waitForExit(), 0)
        for c in [p, a, b] { XCTAssertEqual(try c.schemaViolations(), []) }
    }

    func testAClientWithoutStartDebuggingKeepsOneSessionWithEveryThread() throws {
        let program = try DAPTestEnv.fixture("forktree")
        let rec = try DAPTestEnv.record(program)
        XCTAssertEqual(rec.status, 0, rec.stdout)
        let parent = try pid(#"parent (\d+) sum 3"#, in: rec.stdout)
        let second = try pid(#"second (\d+) sum 12"#, in: rec.stdout)
        // The second child picked by the `process` attribute, as today: its work(4) stops, and
        // every live thread is listed, the parent's too (the first child has ended by then).
        let c = try start(["trace": rec.trace, "process": second], startDebugging: false)
        let stop = try c.event("stopped").body
        XCTAssertEqual(stop["threadId"] as? Int, second)
        XCTAssertEqual(Set(try threadIDs(c)), [parent, second])
        XCTAssertFalse(c.received.contains { $0["type"] as? String == "request" })
        let end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }
}
