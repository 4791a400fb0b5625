// The requests editors send at a stop, through swrr-dap over real pipes on recordings of
// Tests/Fixtures/dap/requests.c (every message schema-validated): breakpointLocations (exact
// lines and columns from the line table), exceptionInfo of a SIGSEGV (name, si_code, the fault
// address the program printed), of a SIGUSR1 sent with kill (the sender's pid and uid the
// program printed) and its error away from a signal, stepInTargets of a line with
// two calls and stepIn into the second, completions of a local, a member, a register.
import Foundation
import SwrrDAP
import XCTest

final class EditorRequestTests: XCTestCase {
    /// The 1-based column where `text` starts on line `line` of the fixture's source.
    private func column(_ s: DebugSession, line: Int, of text: String) throws -> Int {
        let lines = try String(contentsOfFile: s.source, encoding: .utf8).components(separatedBy: "\n")
        let l = lines[line - 1]
        let r = try XCTUnwrap(l.range(of: text), "'\(text)' is not on line \(line)")
        return l.distance(from: l.startIndex, to: r.lowerBound) + 1
    }

    /// The program's output event that contains `text`.
    private func printed(_ s: DebugSession, _ text: String) throws -> String {
        let m = try s.client.waitFor("output with '\(text)'") {
            (($0["body"] as? [String: Any])?["output"] as? String)?.contains(text) ?? false
        }
        return (m["body"] as? [String: Any])?["output"] as? String ?? ""
    }

    /// exceptionInfo of the stopped thread, checked to name `signal` with breakMode always; its
    /// body and details.
    private func exceptionInfo(_ s: DebugSession, _ signal: String) throws -> (body: [String: Any], details: [String: Any]) {
        let info = try s.client.request("exceptionInfo", ["threadId": s.thread])
        XCTAssertTrue(info.success, info.message)
        XCTAssertEqual(info.body["exceptionId"] as? String, signal)
        XCTAssertEqual(info.body["breakMode"] as? String, "always")
        return (info.body, info.body["details"] as? [String: Any] ?? [:])
    }

    func testBreakpointLocationsAreTheLineTablesStatements() throws {
        let s = try DebugSession("requests")
        // Before configurationDone (VS Code asks while it sets breakpoints) and while stopped.
        let r = try s.client.request("breakpointLocations",
                                     ["source": ["path": s.source], "line": s.line("add-decl"), "endLine": s.line("twice-end")])
        XCTAssertTrue(r.success, r.message)
        let lines = (r.body["breakpoints"] as? [[String: Any]] ?? []).map { $0["line"] as? Int ?? 0 }
        // The blank line between the functions has no code.
        XCTAssertEqual(lines, [s.line("add-decl"), s.line("add-body"), s.line("add-body") + 1,
                               s.line("twice-decl"), s.line("twice-body"), s.line("twice-return"), s.line("twice-end")])
        try s.setBreakpoints([["line": s.line("print")]])
        _ = try s.whereStopped(try s.start())
        // One line: the for statement's parts, each at the column gcc gives it.
        let forLine = s.line("for")
        let f = try s.client.request("breakpointLocations", ["source": ["path": s.source], "line": forLine])
        XCTAssertTrue(f.success, f.message)
        let positions = (f.body["breakpoints"] as? [[String: Any]] ?? []).map { [$0["line"] as? Int ?? 0, $0["column"] as? Int ?? 0] }
        let expected = try ["for", "i = 0", "< 3", "++", "+="].map { [forLine, try column(s, line: forLine, of: $0)] }
        XCTAssertEqual(positions, expected.sorted { $0[1] < $1[1] })
        // A column range keeps the positions inside it.
        let part = try s.client.request("breakpointLocations",
                                        ["source": ["path": s.source], "line": forLine, "column": expected[2][1], "endColumn": expected[3][1]])
        XCTAssertEqual((part.body["breakpoints"] as? [[String: Any]] ?? []).map { $0["column"] as? Int ?? 0 },
                       [expected[2][1], expected[3][1]])
        // Numbers out of range are refused, not converted.
        for bad: [String: Any] in [["line": -1], ["line": 1 << 40], ["line": 3, "endLine": -2], ["line": 3, "column": 1 << 33]] {
            let e = try s.client.request("breakpointLocations", ["source": ["path": s.source]].merging(bad) { $1 })
            XCTAssertFalse(e.success, "\(bad)")
            XCTAssertTrue(e.message.contains("must be an integer from 0 to 2147483647"), e.message)
        }
        try s.finish()
    }

    /// A client that counts columns from 0 (columnsStartAt1: false) is answered in its columns.
    func testColumnsFromZeroWhenTheClientSaysSo() throws {
        let s = try DebugSession("requests", initialize: ["columnsStartAt1": false])
        try s.startAtHit(1, of: "two-calls")
        let line = s.line("two-calls")
        let r = try s.client.request("breakpointLocations", ["source": ["path": s.source], "line": line])
        XCTAssertEqual((r.body["breakpoints"] as? [[String: Any]] ?? []).map { $0["column"] as? Int ?? -1 },
                       try ["= add", "add(", "twice("].map { try column(s, line: line, of: $0) - 1 })
        let frame = try XCTUnwrap(try s.frames().first?["id"] as? Int)
        let targets = try s.client.request("stepInTargets", ["frameId": frame]).body["targets"] as? [[String: Any]] ?? []
        XCTAssertEqual(targets.map { $0["column"] as? Int ?? -1 },
                       [try column(s, line: line, of: "add(") - 1, try column(s, line: line, of: "twice(") - 1])
        // The cursor after "numbers.s" is column 9 from 0; the member starts at 8.
        let c = try s.client.request("completions", ["frameId": frame, "text": "numbers.s", "column": 9])
        let items = c.body["targets"] as? [[String: Any]] ?? []
        XCTAssertEqual(items.map { $0["label"] as? String ?? "" }, ["second"])
        XCTAssertEqual(items.first?["start"] as? Int, 8)
        try s.finish()
    }

    func testExceptionInfoOfASegmentationFault() throws {
        let s = try DebugSession("requests", args: ["crash"])
        try s.setBreakpoints([["line": s.line("print")]])
        let r = try s.client.request("setExceptionBreakpoints", ["filters": ["fatal-signals"]])
        XCTAssertTrue(r.success, r.message)
        var stop = try s.start()
        _ = try s.whereStopped(stop)
        // At a breakpoint: not a signal.
        let notSignal = try s.client.request("exceptionInfo", ["threadId": s.thread])
        XCTAssertFalse(notSignal.success)
        XCTAssertTrue(notSignal.message.contains("did not stop for a signal"), notSignal.message)
        stop = try s.resume("continue")
        XCTAssertEqual(stop["reason"] as? String, "exception", "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("fault"))
        // The address the program printed before the fault.
        let address = try XCTUnwrap(try printed(s, "fault at ").components(separatedBy: "fault at ").last?.prefix { $0 != "\n" })
        XCTAssertEqual(address, "0x5eed0")
        let (info, details) = try exceptionInfo(s, "SIGSEGV")
        XCTAssertEqual(details["signalNumber"] as? Int, 11)
        XCTAssertEqual(details["code"] as? Int, 1)
        XCTAssertEqual(details["codeName"] as? String, "SEGV_MAPERR")
        XCTAssertEqual(details["faultAddress"] as? String, String(address))
        XCTAssertNil(details["senderPid"])
        XCTAssertEqual(info["description"] as? String,
                       "SIGSEGV (Segmentation fault), si_code SEGV_MAPERR, fault address 0x5eed0")
        let range = try s.client.request("exceptionInfo", ["threadId": 1 << 31])
        XCTAssertFalse(range.success)
        try s.finish()
    }

    func testExceptionInfoOfASignalAProcessSent() throws {
        let s = try DebugSession("requests", args: ["signal"])
        let r = try s.client.request("setExceptionBreakpoints", ["filters": ["all-signals"]])
        XCTAssertTrue(r.success, r.message)
        let stop = try s.start()
        XCTAssertEqual(stop["reason"] as? String, "exception", "\(stop)")
        XCTAssertEqual(stop["text"] as? String, "SIGUSR1")
        _ = try s.whereStopped(stop)
        // "pid P uid U": the recorded process's, which the recorded siginfo names as the sender.
        let words = try printed(s, "pid ").split(whereSeparator: { $0 == " " || $0 == "\n" })
        let pid = try XCTUnwrap(words.firstIndex(of: "pid").flatMap { Int(words[$0 + 1]) })
        let uid = try XCTUnwrap(words.firstIndex(of: "uid").flatMap { Int(words[$0 + 1]) })
        let (_, details) = try exceptionInfo(s, "SIGUSR1")
        XCTAssertEqual(details["signalNumber"] as? Int, 10)
        XCTAssertEqual(details["code"] as? Int, 0)
        XCTAssertEqual(details["codeName"] as? String, "SI_USER")
        XCTAssertEqual(details["senderPid"] as? Int, pid)
        XCTAssertEqual(details["senderUid"] as? Int, uid)
        XCTAssertNil(details["faultAddress"])
        try s.finish()
    }

    func testStepInTargetsOfALineWithTwoCallsAndStepIntoTheSecond() throws {
        let s = try DebugSession("requests")
        let line = s.line("two-calls")
        try s.startAtHit(1, of: "two-calls")
        let frame = try XCTUnwrap(try s.frames().first?["id"] as? Int)
        let r = try s.client.request("stepInTargets", ["frameId": frame])
        XCTAssertTrue(r.success, r.message)
        let targets = r.body["targets"] as? [[String: Any]] ?? []
        XCTAssertEqual(targets.map { $0["label"] as? String ?? "" }, ["add", "twice"])
        XCTAssertEqual(targets.map { $0["line"] as? Int ?? 0 }, [line, line])
        XCTAssertEqual(targets.map { $0["column"] as? Int ?? 0 },
                       [try column(s, line: line, of: "add("), try column(s, line: line, of: "twice(")])
        let second = try XCTUnwrap(targets.last?["id"] as? Int)
        let stop = try s.resume("stepIn", ["targetId": second])
        XCTAssertEqual(stop["reason"] as? String, "step")
        let at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "twice")
        XCTAssertEqual(at.line, s.line("twice-body"))
        // add ran on the way: twice's argument is total + 5 with total still 0.
        XCTAssertEqual(s.value(try s.scope("Arguments"), "v"), "5")
        // The targets belonged to that stop.
        let stale = try s.client.request("stepIn", ["threadId": s.thread, "targetId": second])
        XCTAssertFalse(stale.success)
        XCTAssertTrue(stale.message.contains("unknown targetId"), stale.message)
        try s.finish()
    }

    func testCompletionsOfALocalAMemberAndARegister() throws {
        let s = try DebugSession("requests")
        try s.startAtHit(1, of: "two-calls")
        XCTAssertEqual(InitializeHandler.capabilitiesBody["completionTriggerCharacters"] as? [String], [".", ">", "$"])
        let frame = try XCTUnwrap(try s.frames().first?["id"] as? Int)
        func complete(_ text: String) throws -> [[String: Any]] {
            // The cursor at the end; columns from 1 (the session's initialize says so).
            let r = try s.client.request("completions", ["frameId": frame, "text": text, "column": text.utf16.count + 1])
            XCTAssertTrue(r.success, r.message)
            return r.body["targets"] as? [[String: Any]] ?? []
        }
        let local = try complete("num")
        XCTAssertEqual(local.map { $0["label"] as? String ?? "" }, ["numbers"])
        XCTAssertEqual(local.first?["type"] as? String, "variable")
        XCTAssertEqual(local.first?["detail"] as? String, "struct pair")
        XCTAssertEqual(local.first?["start"] as? Int, 1)
        XCTAssertEqual(local.first?["length"] as? Int, 3)
        XCTAssertEqual(try complete("glob").map { $0["label"] as? String ?? "" }, ["globalCount"])
        let member = try complete("total + numbers.s")
        XCTAssertEqual(member.map { $0["label"] as? String ?? "" }, ["second"])
        XCTAssertEqual(member.first?["type"] as? String, "field")
        XCTAssertEqual(member.first?["start"] as? Int, 17)
        XCTAssertEqual(member.first?["length"] as? Int, 1)
        XCTAssertEqual(try complete("numbers.").map { $0["label"] as? String ?? "" }, ["first", "second"])
        XCTAssertEqual(try complete("(&numbers)->f").map { $0["label"] as? String ?? "" }, ["first"])
        let register = try complete("$ri")
        XCTAssertEqual(register.map { $0["label"] as? String ?? "" }, ["$rip"])
        XCTAssertEqual(register.first?["start"] as? Int, 1)
        XCTAssertEqual(register.first?["length"] as? Int, 3)
        XCTAssertEqual(try complete("$r1").map { $0["label"] as? String ?? "" }, ["$r10", "$r11", "$r12", "$r13", "$r14", "$r15"])
        XCTAssertTrue(try complete("nothing_like_this").isEmpty)
        // Without a frame: the focus thread's top frame.
        let r = try s.client.request("completions", ["text": "tot", "column": 4])
        XCTAssertEqual((r.body["targets"] as? [[String: Any]])?.map { $0["label"] as? String ?? "" }, ["total"])
        let bad = try s.client.request("completions", ["text": "x", "column": -1])
        XCTAssertFalse(bad.success)
        try s.finish()
    }
}
