// Bad input over the real pipe: malformed JSON, wrong or missing Content-Length, garbage,
// unknown commands, missing or ill-typed arguments, requests in the wrong state. Each is answered
// with success:false (or reported with an output event when it cannot be answered), and the
// adapter keeps serving. The adapter's messages are validated against the schema.
import Foundation
import XCTest

final class BadInputTests: XCTestCase {
    /// The adapter still answers: a fresh `threads` request gets its response.
    func assertServing(_ c: DAPClient, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try c.request("threads", timeout: 20)
        XCTAssertTrue(r.success, "threads after bad input: \(r)", file: file, line: line)
    }

    func consoleOutputs(_ c: DAPClient) -> [String] {
        c.takeEvents("output").compactMap { $0.body["output"] as? String }
    }

    func testFramingErrorsAreReportedAndSkipped() throws {
        let c = try DAPClient()
        // Not JSON.
        c.writeFramed(Array("{not json".utf8))
        try assertServing(c)
        XCTAssertTrue(consoleOutputs(c).contains { $0.contains("not valid JSON") })
        // Garbage between messages.
        c.writeRaw(Array("hello there\r\n".utf8))
        try assertServing(c)
        XCTAssertTrue(consoleOutputs(c).contains { $0.contains("not a DAP message header") })
        // A non-numeric and a negative Content-Length.
        c.writeRaw(Array("Content-Length: abc\r\n\r\n{}".utf8))
        try assertServing(c)
        c.writeRaw(Array("Content-Length: -5\r\n\r\n".utf8))
        try assertServing(c)
        // Lengths no client sends (at and past 2^31, 2^63-1, 2^64-1, beyond): the header is
        // skipped and the next message is read (a body was not waited for).
        for n in ["2147483648", "1073741825", "9223372036854775807", "18446744073709551615", "99999999999999999999999"] {
            c.writeRaw(Array("Content-Length: \(n)\r\n\r\n".utf8))
            try assertServing(c)
            XCTAssertTrue(consoleOutputs(c).contains("swrr-dap: invalid Content-Length '\(n)' was skipped\n"), n)
        }
        // Too short a Content-Length: the rest of the body is garbage before the next message.
        let body = Array(#"{"seq":1,"type":"request","command":"threads"}"#.utf8)
        c.writeRaw(Array("Content-Length: 10\r\n\r\n".utf8) + body)
        try assertServing(c)
        // A header without Content-Length.
        c.writeRaw(Array("Content-Type: application/json\r\n\r\n".utf8))
        try assertServing(c)
        // An oversized body (more than 16 MiB announced and sent) is skipped without being stored.
        let big = [UInt8](repeating: UInt8(ascii: " "), count: (16 << 20) + 10)
        c.writeFramed(big)
        try assertServing(c)
        XCTAssertTrue(consoleOutputs(c).contains { $0.contains("was skipped") })
        // JSON that is not a request.
        c.sendObject([1, 2, 3])
        c.sendObject(["type": "request", "command": "threads"])              // no seq
        c.sendObject(["seq": "7", "type": "request", "command": "threads"])  // ill-typed seq
        c.sendObject(["seq": 9, "type": "event", "event": "x"])
        c.sendObject(["seq": 10, "type": "bogus"])
        try assertServing(c)
        let end = try c.disconnectAndExit()
        XCTAssertTrue(end.response.success)
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }

    func testBadRequestsGetErrorResponses() throws {
        let c = try DAPClient()
        func expectError(_ command: String, _ args: [String: Any]?, _ fragment: String,
                         file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try c.response(to: c.send(command, args, validate: false))
            XCTAssertFalse(r.success, "\(command) \(String(describing: args))", file: file, line: line)
            XCTAssertTrue(r.message.contains(fragment), "\(command): \(r.message)", file: file, line: line)
            XCTAssertEqual(r["command"] as? String, command, file: file, line: line)
        }
        // Wrong state: before initialize.
        try expectError("launch", ["trace": "/nonexistent"], "not initialized")
        try expectError("configurationDone", nil, "not valid now")
        // Unknown command.
        try expectError("frobnicate", nil, "unknown request 'frobnicate'")
        // Ill-typed arguments.
        let seq = c.nextSeq()
        c.sendObject(["seq": seq, "type": "request", "command": "initialize", "arguments": "yes"])
        let r = try c.response(to: seq)
        XCTAssertFalse(r.success)
        XCTAssertTrue(r.message.contains("'arguments' must be an object"), r.message)
        try expectError("initialize", ["adapterID": 3], "'adapterID' must be a string")

        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr"]).success)
        try expectError("initialize", ["adapterID": "swrr"], "not valid now")
        try expectError("launch", ["program": 42], "'program' must be a string")
        try expectError("launch", ["program": "/bin/true", "args": "a b"], "'args' must be an array of strings")
        try expectError("launch", ["program": "/bin/true", "stopOnEntry": "yes"], "'stopOnEntry' must be true or false")
        try expectError("launch", ["program": "/bin/true", "env": ["A": 1]], "'env' must be an object of strings")
        try expectError("launch", ["trace": "/x", "program": "/bin/true"], "cannot be combined")
        try expectError("setBreakpoints", [:], "'source' is required")
        try expectError("setBreakpoints", ["source": ["path": "/a.c"], "breakpoints": [["column": 1]]], "'line' is required")
        try expectError("setExceptionBreakpoints", ["filters": ["nonsense"]], "unknown filter")
        try expectError("setVariable", ["variablesReference": 1, "name": "x", "value": "1"], "cannot change the past")
        try expectError("attach", [:], "cannot attach")
        try expectError("continue", ["threadId": 1], "not valid now")
        // Requests that need a stopped replay say so.
        for command in ["stackTrace", "scopes", "variables", "evaluate", "next", "stepIn", "stepOut",
                        "reverseContinue", "stepBack", "setDataBreakpoints", "disassemble", "readMemory",
                        "goto", "gotoTargets", "reverseStepOut"] {
            try expectError(command, [:], "not valid now")
        }
        try assertServing(c)

        // A running replay: continue while running is refused; pause stops it.
        let program = try DAPTestEnv.fixture("hello_dap")
        XCTAssertTrue(try c.request("launch", ["program": program, "stopOnEntry": true]).success)
        try expectError("continue", ["threadId": 1], "not configured yet")
        XCTAssertTrue(try c.request("configurationDone").success)
        let stop = try c.event("stopped")
        let tid = stop.body["threadId"] as! Int
        try expectError("continue", [:], "'threadId' is required")
        try expectError("continue", ["threadId": "one"], "'threadId' must be an integer")
        try expectError("pause", ["threadId": 1.5], "'threadId' must be an integer")
        XCTAssertTrue(try c.request("pause", ["threadId": tid]).success)  // already stopped: nothing to do
        try assertServing(c)
        let end = try c.disconnectAndExit()
        XCTAssertTrue(end.response.success)
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }

    func testEndOfInputEndsTheSessionAndTheReplay() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr"]).success)
        XCTAssertTrue(try c.request("launch", ["program": program, "stopOnEntry": true]).success)
        XCTAssertTrue(try c.request("configurationDone").success)
        try c.event("stopped")
        let children = DAPClient.children(of: c.pid)
        XCTAssertFalse(children.isEmpty, "the replayed program should be running under swrr-dap")
        // EOF in the middle of a message.
        c.writeRaw(Array("Content-Length: 100\r\n\r\n{\"seq\":".utf8))
        c.closeInput()
        XCTAssertEqual(c.waitForExit(), 0)
        for pid in children {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)/stat") &&
                           !((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") ?? true),
                           "process \(pid) left running")
        }
        XCTAssertEqual(try c.schemaViolations(), [])
    }
}

extension DAPClient {
    /// The pids whose parent is `pid` (from /proc).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { p in
            guard let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }
}
