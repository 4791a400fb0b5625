// Breakpoints through swrr-dap over real pipes on Tests/Fixtures/dap/debuggee.c: a line
// breakpoint in a loop hit five times with the loop variable read each time, a condition and a
// hit condition, a logpoint's output, a function breakpoint, a data breakpoint, and a signal
// stop. Every message is validated against the DAP schema.
import Foundation
import SwrrTestSupport
import XCTest

final class BreakpointTests: XCTestCase {
    func testLineBreakpointInALoopReadsTheLoopVariableEachTime() throws {
        let s = try DebugSession("debuggee")
        let bps = try s.setBreakpoints([["line": s.line("loop")]])
        XCTAssertEqual(bps.first?["verified"] as? Bool, true, "\(bps)")
        XCTAssertEqual(bps.first?["line"] as? Int, s.line("loop"))
        var stop = try s.start()
        for i in 0..<5 {
            XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
            XCTAssertEqual(stop["hitBreakpointIds"] as? [Int], [bps[0]["id"] as! Int])
            let at = try s.whereStopped(stop)
            XCTAssertEqual(at.line, s.line("loop"))
            XCTAssertEqual(at.name, "main")
            let locals = try s.scope("Locals")
            XCTAssertEqual(s.value(locals, "i"), "\(i)", "\(locals)")
            XCTAssertEqual(s.value(locals, "total"), "\((0..<i).map { $0 * $0 }.reduce(0, +))")
            stop = try s.resume("continue")
        }
        XCTAssertEqual(stop["reason"] as? String, "end of recording", "\(stop)")
        XCTAssertEqual(try s.client.event("exited").body["exitCode"] as? Int, 0)
        try s.finish()
    }

    func testConditionAndHitCondition() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("loop"), "condition": "i == 3"],
                              ["line": s.line("counter"), "hitCondition": "==2"]])
        var stop = try s.start()
        // Hit condition: the second time at `counter = total` (i == 1).
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "1")
        stop = try s.resume("continue")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "3")
        stop = try s.resume("continue")
        XCTAssertEqual(stop["reason"] as? String, "end of recording", "\(stop)")
        try s.finish()
    }

    func testLogpointPrintsAndDoesNotStop() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("counter"), "logMessage": "i={i} total={total} {{braces}}"]])
        let stop = try s.start()
        XCTAssertEqual(stop["reason"] as? String, "end of recording", "\(stop)")
        let logged = s.client.takeEvents("output").filter { $0.body["category"] as? String == "console" }
            .map { $0.body["output"] as? String ?? "" }.filter { $0.hasPrefix("i=") }
        XCTAssertEqual(logged, (0..<5).map { i in "i=\(i) total=\((0...i).map { $0 * $0 }.reduce(0, +)) {braces}\n" })
        try s.finish()
    }

    func testFunctionBreakpoint() throws {
        let s = try DebugSession("debuggee")
        let r = try s.client.request("setFunctionBreakpoints", ["breakpoints": [["name": "square", "condition": "v == 2"]]])
        XCTAssertTrue(r.success, r.message)
        XCTAssertEqual((r.body["breakpoints"] as? [[String: Any]])?.first?["verified"] as? Bool, true, "\(r.body)")
        let stop = try s.start()
        XCTAssertEqual(stop["reason"] as? String, "function breakpoint", "\(stop)")
        let at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "square")
        XCTAssertEqual(at.line, s.line("square-body"))
        XCTAssertEqual(s.value(try s.scope("Arguments"), "v"), "2")
        try s.finish()
    }

    func testDataBreakpointFiresOnAWriteWithTheNewValue() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("loop")]])
        var stop = try s.start()
        _ = try s.whereStopped(stop)
        let frame = try s.frames()[0]["id"] as! Int
        let info = try s.client.request("dataBreakpointInfo", ["name": "counter", "frameId": frame])
        XCTAssertTrue(info.success, info.message)
        let dataId = try XCTUnwrap(info.body["dataId"] as? String, "\(info.body)")
        try s.setBreakpoints([])
        let set = try s.client.request("setDataBreakpoints", ["breakpoints": [["dataId": dataId, "accessType": "write"]]])
        XCTAssertEqual((set.body["breakpoints"] as? [[String: Any]])?.first?["verified"] as? Bool, true, "\(set.body)")
        var values: [String] = []
        for _ in 0..<3 {
            stop = try s.resume("continue")
            XCTAssertEqual(stop["reason"] as? String, "data breakpoint", "\(stop)")
            values.append(stop["text"] as? String ?? "")
            let line = try s.whereStopped(stop).line
            XCTAssertTrue([s.line("counter"), s.line("for")].contains(line), "stopped at line \(line)")
        }
        XCTAssertEqual(values, ["counter = 0", "counter = 1", "counter = 5"])
        XCTAssertTrue((stop["description"] as? String ?? "").contains("from 1 to 5"), "\(stop)")
        try s.finish()
    }

    /// A data breakpoint found going backwards stops before its write, where its condition is
    /// evaluated; going forward, its hit condition counts the writes.
    func testDataBreakpointBackwardsWithAConditionAndForwardWithAHitCondition() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("print")]])
        var stop = try s.start()
        _ = try s.whereStopped(stop)
        let frame = try s.frames()[0]["id"] as! Int
        let info = try s.client.request("dataBreakpointInfo", ["name": "counter", "frameId": frame])
        let dataId = try XCTUnwrap(info.body["dataId"] as? String, "\(info.body)")
        try s.setBreakpoints([])
        var set = try s.client.request("setDataBreakpoints", ["breakpoints": [["dataId": dataId, "condition": "counter == 1"]]])
        XCTAssertEqual((set.body["breakpoints"] as? [[String: Any]])?.first?["verified"] as? Bool, true, "\(set.body)")
        // Back past the writes of 30, 14 and 5 to the one that turned 1 into 5 (i == 2).
        stop = try s.resume("reverseContinue")
        XCTAssertEqual(stop["reason"] as? String, "data breakpoint", "\(stop)")
        XCTAssertEqual(stop["text"] as? String, "counter = 1")
        XCTAssertTrue((stop["description"] as? String ?? "").contains("just before the write"), "\(stop)")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "2")
        XCTAssertEqual(s.value(try s.scope("Locals"), "total"), "5")
        // No earlier write starts from 1: back to the start.
        stop = try s.resume("reverseContinue")
        XCTAssertEqual(stop["reason"] as? String, "start of recording", "\(stop)")
        // Forward from the start: the second write (i == 1) with a hit condition.
        set = try s.client.request("setDataBreakpoints", ["breakpoints": [["dataId": dataId, "hitCondition": "==2"]]])
        XCTAssertTrue(set.success, set.message)
        stop = try s.resume("continue")
        XCTAssertEqual(stop["reason"] as? String, "data breakpoint", "\(stop)")
        XCTAssertEqual(stop["text"] as? String, "counter = 1")
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "1")
        try s.finish()
    }

    /// A program compiled from a relative path (`gcc -g debuggee.c` in its directory): its
    /// DWARF names the file relative to the compilation directory, and the editor's absolute
    /// path must still set breakpoints; stack frames give the absolute path back.
    func testAProgramCompiledFromARelativePathHasAbsoluteSourcePaths() throws {
        let exe = try FixtureCompiler.compile("debuggee.c", flags: ["-g", "-O0"], directory: DAPTestEnv.fixtureDirectory)
        let c = try DAPClient()
        XCTAssertTrue(try c.request("initialize", ["adapterID": "swrr", "linesStartAt1": true]).success)
        XCTAssertTrue(try c.request("launch", ["program": exe], timeout: 120).success)
        let source = DAPTestEnv.fixtureDirectory + "/debuggee.c"
        let line = try String(contentsOfFile: source, encoding: .utf8).components(separatedBy: "\n")
            .firstIndex { $0.hasSuffix("L:square-body") }! + 1
        let bp = try c.request("setBreakpoints", ["source": ["path": source], "breakpoints": [["line": line]]])
        let placed = (bp.body["breakpoints"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(placed["verified"] as? Bool, true, "\(placed)")
        XCTAssertEqual((placed["source"] as? [String: Any])?["path"] as? String, source)
        XCTAssertTrue(try c.request("configurationDone").success)
        let stop = try c.event("stopped").body
        XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
        let frame = (try c.request("stackTrace", ["threadId": stop["threadId"] as! Int]).body["stackFrames"] as? [[String: Any]])?.first
        XCTAssertEqual((frame?["source"] as? [String: Any])?["path"] as? String, source)
        XCTAssertEqual(frame?["line"] as? Int, line)
        XCTAssertEqual(try c.disconnectAndExit().status, 0)
        XCTAssertEqual(try c.schemaViolations(), [])
    }

    func testSegmentationFaultIsAnExceptionStop() throws {
        let s = try DebugSession("debuggee", args: ["crash"])
        let r = try s.client.request("setExceptionBreakpoints", ["filters": ["fatal-signals"]])
        XCTAssertTrue(r.success, r.message)
        let stop = try s.start()
        XCTAssertEqual(stop["reason"] as? String, "exception", "\(stop)")
        XCTAssertEqual(stop["text"] as? String, "SIGSEGV")
        let at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "crash")
        XCTAssertEqual(at.line, s.line("crash"))
        let frames = try s.frames()
        XCTAssertEqual(frames.dropFirst().first?["name"] as? String, "main")
        XCTAssertEqual(frames.dropFirst().first?["line"] as? Int, s.line("crash-call"))
        let end = try s.resume("continue")
        XCTAssertEqual(end["reason"] as? String, "end of recording", "\(end)")
        try s.finish()
    }
}
