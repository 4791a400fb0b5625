// Numbers at the edges of every integer type, where a DAP argument is a number: each is answered
// with an error response (or a normal answer, when the value is valid) and swrr-dap lives on.
// Issue 13 measured swrr-dap dying (SIGILL, "Not enough bits to represent the passed value") on
// threadId 2^31 in stackTrace, next, stepIn, stepOut, stepBack and reverseStepOut.
import Foundation
import XCTest

/// JSON literals at the boundaries, written as text (JSONSerialization would not write some of
/// them as given): integers of every width, floats, a string where a number belongs, a huge string.
enum BoundaryLiterals {
    static let integers = ["0", "-1", "2147483647", "2147483648", "-2147483649", "4294967296",
                           "9223372036854775807", "-9223372036854775808", "18446744073709551615",
                           "99999999999999999999999"]
    static let others = ["1.5", "-0.5", "1e300", "-1e300", "\"1\"", "\"" + String(repeating: "9", count: 100_000) + "\"",
                         "true", "[1]", "{\"a\":1}"]
    static var all: [String] { integers + others }
}

extension BoundaryLiterals {
    /// Marks where a literal goes in arguments built as objects.
    static let placeholder = "@@RAW@@"
}

extension DAPClient {
    /// Sends `command` with `arguments` in which `key` has the raw JSON `literal`; returns the
    /// response. Not validated against the schema (the values are wrong on purpose).
    func request(_ command: String, _ arguments: Message, raw key: String, _ literal: String,
                 timeout: TimeInterval = 60) throws -> Message {
        var a = arguments
        a[key] = BoundaryLiterals.placeholder
        return try request(command, a, replacingPlaceholderWith: literal, timeout: timeout)
    }

    /// Sends `command` with `arguments` in which the string BoundaryLiterals.placeholder (at any
    /// depth) is replaced by the raw JSON `literal`; returns the response.
    func request(_ command: String, _ arguments: Message, replacingPlaceholderWith literal: String,
                 timeout: TimeInterval = 60) throws -> Message {
        let seq = nextSeq()
        let m: Message = ["seq": seq, "type": "request", "command": command, "arguments": arguments]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: m), as: UTF8.self)
            .replacingOccurrences(of: "\"" + BoundaryLiterals.placeholder + "\"", with: literal)
        writeFramed(Array(text.utf8))
        return try response(to: seq, timeout: timeout)
    }
}

final class NumericBoundaryTests: XCTestCase {
    /// Every request that names a thread, at a breakpoint in a live replay: each boundary value
    /// is refused with a message about threadId, and afterwards the real thread still steps.
    func testThreadIdsAtTheBoundariesAreRefusedAndTheAdapterLives() throws {
        let s = try DebugSession("debuggee")
        let stop = try s.startAtHit(1, of: "loop")
        let tid = stop["threadId"] as! Int
        // (continue, reverseContinue, pause and goto resume or pause every thread: they take any
        // integer there, see FuzzTests.)
        for command in ["stackTrace", "next", "stepIn", "stepOut", "stepBack", "reverseStepOut"] {
            for literal in BoundaryLiterals.all {
                let r = try s.client.request(command, ["targetId": 1], raw: "threadId", literal)
                XCTAssertFalse(r.success, "\(command) threadId \(literal.prefix(30)) succeeded")
                let m = r.message
                switch literal {
                case "2147483647":
                    // A valid tid that is not a thread of the recording.
                    XCTAssertEqual(m, "there is no thread 2147483647 at this point of the replay", command)
                case "true", "[1]", "{\"a\":1}", "\"1\"", "1.5", "-0.5", "1e300", "-1e300", "99999999999999999999999",
                     "18446744073709551615", "\"" + String(repeating: "9", count: 100_000) + "\"":
                    XCTAssertEqual(m, "\(command): 'threadId' must be an integer", "\(literal.prefix(30))")
                default:
                    XCTAssertEqual(m, "\(command): 'threadId' must be an integer from 1 to 2147483647", "\(literal.prefix(30))")
                }
            }
            XCTAssertTrue(s.client.process.isRunning, "swrr-dap died after \(command)")
        }
        // Nothing moved: still at the breakpoint, and the real thread steps.
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        let stepped = try s.resume("next", ["threadId": tid])
        XCTAssertEqual(stepped["reason"] as? String, "step")
        XCTAssertEqual(try s.whereStopped(stepped).line, s.line("counter"))
        try s.finish()
    }

    /// The launch attribute `process` (a recorded pid) at the boundaries: 2^32 plus a real pid
    /// once matched that pid (its low 32 bits); now every value outside 1...2^31-1 is refused.
    func testLaunchProcessAtTheBoundaries() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let trace = try DAPTestEnv.record(program, ["1"]).trace
        for literal in BoundaryLiterals.integers where literal != "2147483647" {
            let c = try DAPClient()
            XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr"]).success)
            let r = try c.request("launch", ["trace": trace], raw: "process", literal)
            XCTAssertFalse(r.success, literal)
            XCTAssertTrue(r.message.hasPrefix("launch: 'process' must be"), r.message)
            XCTAssertEqual(try c.disconnectAndExit().status, 0)
        }
    }
}
