// What nvim-dap (Neovim's DAP client) sends and expects, at the protocol level (issue 13, each
// measured with nvim-dap driven headless): requests numbered from seq 0 (versions before
// December 2023), `file://` URIs as source paths (its goto-at-cursor, every version), a `stopped`
// event whose thread `threads` must list (it asks `threads` again while it does not, forever),
// frames at the end of the recording, thread names, and a goto that cannot move.
import Foundation
import XCTest

final class NvimDapTests: XCTestCase {
    /// The initialize arguments nvim-dap sends.
    static let initialize: [String: Any] = [
        "clientID": "neovim", "clientName": "neovim", "adapterID": "swrr", "pathFormat": "path",
        "linesStartAt1": true, "columnsStartAt1": true, "supportsRunInTerminalRequest": true,
        "supportsVariableType": true, "supportsProgressReporting": true, "supportsStartDebuggingRequest": true,
        "locale": "en_US.UTF-8",
    ]

    /// `file://` + the path, with a few characters percent-encoded (as a URI may have them).
    static func uri(_ path: String, host: String = "") -> String {
        "file://" + host + path.replacingOccurrences(of: "Fixtures", with: "Fi%78tures")
            .replacingOccurrences(of: "_", with: "%5F")
    }

    func testRequestsNumberedFromZeroOrBelowAreAnswered() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let trace = try DAPTestEnv.record(program, ["1"]).trace
        let c = try DAPClient()
        // seq 0 first, as old nvim-dap sends it; the client's own numbering goes on from 1.
        c.sendObject(["seq": 0, "type": "request", "command": "initialize", "arguments": Self.initialize])
        let r = try c.response(to: 0, timeout: 20)
        XCTAssertTrue(r.success, "\(r)")
        XCTAssertEqual(r["request_seq"] as? Int, 0)
        XCTAssertEqual(r["command"] as? String, "initialize")
        // Negative and very large numbers are answered with the same request_seq.
        for seq in [-1, -2_147_483_649, Int.max, 1 << 53] {
            c.sendObject(["seq": seq, "type": "request", "command": "threads"])
            let t = try c.response(to: seq, timeout: 20)
            XCTAssertTrue(t.success, "\(seq): \(t)")
        }
        // A seq of 70.0 is the integer 70; 1.5 is not an integer and cannot be answered.
        c.sendObject(["seq": 1.5, "type": "request", "command": "threads"])
        c.sendObject(["seq": 70.0, "type": "request", "command": "threads"])
        XCTAssertTrue(try c.response(to: 70, timeout: 20).success)
        XCTAssertTrue(c.received.contains { ($0["body"] as? [String: Any])?["output"] as? String
                                             == "swrr-dap: a request without a valid 'seq' (an integer) was ignored\n" })
        // The rest of the session is numbered from 1 on, and works.
        XCTAssertTrue(try c.request("launch", ["trace": trace, "stopOnEntry": true]).success)
        try c.event("initialized")
        XCTAssertTrue(try c.request("configurationDone").success)
        XCTAssertEqual(try c.event("stopped").body["reason"] as? String, "entry")
        let end = try c.disconnectAndExit()
        XCTAssertEqual(end.status, 0)
        // The shared schema wants seq >= 1: the answers to the requests numbered out of it echo
        // their numbers (the client matches answers by them), and nothing else is out of it.
        XCTAssertEqual(try c.schemaViolations(), [
            "VIOLATION A->C InitializeResponse at /request_seq: 0 is less than the minimum of 1",
            "VIOLATION A->C ThreadsResponse at /request_seq: -1 is less than the minimum of 1",
            "VIOLATION A->C ThreadsResponse at /request_seq: -2147483649 is less than the minimum of 1",
        ])
    }

    func testFileURIsAreAcceptedAsSourcePaths() throws {
        let s = try DebugSession("debuggee")
        XCTAssertTrue(Self.uri(s.source).contains("%78"))
        // setBreakpoints with a URI: verified on its line, and hit.
        let r = try s.client.request("setBreakpoints", ["source": ["name": "debuggee.c", "path": Self.uri(s.source)],
                                                        "breakpoints": [["line": s.line("loop")]]])
        XCTAssertTrue(r.success, r.message)
        let bp = (r.body["breakpoints"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(bp["verified"] as? Bool, true, "\(bp)")
        XCTAssertEqual(bp["line"] as? Int, s.line("loop"))
        let stop = try s.start()
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        // gotoTargets with a URI (file://localhost/... too), then goto its next execution.
        let targets = try s.client.request("gotoTargets", ["source": ["path": Self.uri(s.source, host: "localhost")],
                                                           "line": s.line("counter")])
        XCTAssertTrue(targets.success, targets.message)
        let next = (targets.body["targets"] as? [[String: Any]] ?? []).first { ($0["label"] as? String ?? "").contains("next") }
        XCTAssertEqual(next?["line"] as? Int, s.line("counter"))
        let moved = try s.resume("goto", ["targetId": next?["id"] as? Int ?? -1])
        XCTAssertEqual(moved["reason"] as? String, "goto", "\(moved)")
        XCTAssertEqual(try s.whereStopped(moved).line, s.line("counter"))
        // source with a URI.
        let text = try s.client.request("source", ["source": ["path": Self.uri(s.source)], "sourceReference": 0])
        XCTAssertTrue(text.success, text.message)
        XCTAssertEqual(text.body["content"] as? String, try String(contentsOfFile: s.source, encoding: .utf8))
        // A URI of another machine is not a local path.
        let remote = try s.client.request("gotoTargets", ["source": ["path": "file://otherhost" + s.source], "line": s.line("loop")])
        XCTAssertFalse(remote.success)
        XCTAssertTrue(remote.message.contains("no code is at or after line"), remote.message)
        try s.finish()
    }

    /// named_threads.c: main renames itself (prctl), two workers name themselves
    /// (pthread_setname_np) and exit before main ends the program.
    func testThreadNamesAndTheEndOfAMultiThreadedRecording() throws {
        let s = try DebugSession("named_threads")
        try s.setBreakpoints([["line": s.line("worker")]])
        var stop = try s.start()
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        let worker = stop["threadId"] as! Int
        _ = try s.whereStopped(stop)
        let frame = try s.frames().first?["id"] as? Int ?? 0
        let id = try s.evaluate("id", frameId: frame).body["result"] as? String ?? "?"
        XCTAssertTrue(["0", "1"].contains(id), id)
        // Both workers have named themselves (they wait at a barrier before this line).
        let threads = try s.client.request("threads").body["threads"] as? [[String: Any]] ?? []
        var names: [Int: String] = [:]
        for t in threads { names[t["id"] as? Int ?? 0] = t["name"] as? String }
        XCTAssertEqual(names.count, 3, "\(threads)")
        XCTAssertEqual(names[worker], "worker-\(id) (\(worker))")
        let main = names.first { $0.value.hasPrefix("named-main") }?.key ?? -1
        XCTAssertEqual(names[main], "named-main (\(main))")
        let other = names.keys.first { $0 != main && $0 != worker } ?? -1
        XCTAssertEqual(names[other], "worker-\(id == "0" ? 1 : 0) (\(other))")

        // The end: the workers have exited; the stop names main, which `threads` lists, and
        // main's frames are there (held in exit's exit_group, called from main).
        try s.setBreakpoints([])
        stop = try s.resume("continue")
        XCTAssertEqual(stop["reason"] as? String, "end of recording", "\(stop)")
        XCTAssertEqual(stop["threadId"] as? Int, main, "\(stop)")
        let atEnd = try s.client.request("threads").body["threads"] as? [[String: Any]] ?? []
        XCTAssertEqual(atEnd.map { $0["id"] as? Int ?? 0 }, [main])
        XCTAssertEqual(atEnd.first?["name"] as? String, "named-main (\(main))")
        s.lastThread = main
        let frames = try s.frames()
        let mainFrame = frames.first { $0["name"] as? String == "main" }
        XCTAssertEqual(mainFrame?["line"] as? Int, s.line("exit"), "\(frames.map { $0["name"] ?? "?" })")
        XCTAssertEqual(try s.evaluate("results[1]", frameId: mainFrame?["id"] as? Int).body["result"] as? String, "107")
        // A worker's id is refused there, with a message.
        let gone = try s.client.request("stackTrace", ["threadId": worker])
        XCTAssertFalse(gone.success)
        XCTAssertEqual(gone.message, "there is no thread \(worker) at this point of the replay")
        try s.finish()
    }

    /// A forward goto to a line that does not run again leaves the replay where it was and sends
    /// none of the program's later output; that output comes once, when the replay gets there.
    func testGotoThatCannotMoveSendsNoOutput() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("fact-call")]])
        let stop = try s.start()
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("fact-call"))
        try s.setBreakpoints([])
        func stdout() -> String {
            s.client.takeEvents("output").filter { $0.body["category"] as? String == "stdout" }
                .map { $0.body["output"] as? String ?? "" }.joined()
        }
        // What the recording printed (launch records first, streaming its output); the replay has
        // printed nothing yet (stdout is a pipe: printf's buffer is written at exit).
        XCTAssertEqual(stdout(), "total 30 fact 24 box 4\n")
        let targets = try s.client.request("gotoTargets", ["source": ["path": s.source], "line": s.line("loop")])
        let next = (targets.body["targets"] as? [[String: Any]] ?? []).first { ($0["label"] as? String ?? "").contains("next") }
        let stayed = try s.resume("goto", ["targetId": next?["id"] as? Int ?? -1])
        XCTAssertEqual(stayed["reason"] as? String, "goto")
        XCTAssertTrue((stayed["description"] as? String ?? "").hasPrefix("The replay stayed where it was"), "\(stayed)")
        XCTAssertEqual(try s.whereStopped(stayed).line, s.line("fact-call"))
        XCTAssertEqual(stdout(), "", "the trial run's output was not sent")
        let end = try s.resume("continue")
        XCTAssertEqual(end["reason"] as? String, "end of recording", "\(end)")
        XCTAssertEqual(stdout(), "total 30 fact 24 box 4\n", "the replay's output, once")
        try s.finish()
    }
}
