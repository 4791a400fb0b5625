// Stepping and inspection through swrr-dap over real pipes on Tests/Fixtures/dap/debuggee.c:
// next/stepIn/stepOut landing lines, the stack of a recursive function (paged), nested structs,
// arrays and pointers, evaluate, readMemory, disassemble, threads of a 3-thread fixture.
import Foundation
import XCTest

final class InspectionTests: XCTestCase {
    func testNextStepInStepOutLandOnTheExpectedLines() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("loop")]])
        var stop = try s.start()
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        try s.setBreakpoints([])
        stop = try s.resume("stepIn")
        XCTAssertEqual(stop["reason"] as? String, "step")
        var at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "square")
        XCTAssertEqual(at.line, s.line("square-body"))
        stop = try s.resume("stepOut")
        at = try s.whereStopped(stop)
        XCTAssertEqual(at.name, "main")
        XCTAssertEqual(at.line, s.line("loop"))
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("for"))
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        XCTAssertEqual(s.value(try s.scope("Locals"), "i"), "1")
        // next steps over the call: square's line is never a stop.
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("counter"))
        // By instruction: one instruction, still on the same line or the next.
        let pc = try s.frames()[0]["instructionPointerReference"] as? String
        stop = try s.resume("next", ["granularity": "instruction"])
        XCTAssertNotEqual(try s.frames()[0]["instructionPointerReference"] as? String, pc)
        try s.finish()
    }

    func testStackTraceOfARecursiveFunction() throws {
        let s = try DebugSession("debuggee")
        let r = try s.client.request("setFunctionBreakpoints", ["breakpoints": [["name": "fact", "condition": "n == 1"]]])
        XCTAssertTrue(r.success, r.message)
        let stop = try s.start()
        _ = try s.whereStopped(stop)
        let frames = try s.frames()
        XCTAssertEqual(frames.prefix(5).map { $0["name"] as? String ?? "" }, ["fact", "fact", "fact", "fact", "main"])
        XCTAssertEqual(frames.prefix(5).map { $0["line"] as? Int ?? 0 },
                       [s.line("fact-body"), s.line("fact-body") + 1, s.line("fact-body") + 1, s.line("fact-body") + 1, s.line("fact-call")])
        for f in frames.prefix(5) {
            XCTAssertTrue((f["instructionPointerReference"] as? String ?? "").hasPrefix("0x"))
            XCTAssertEqual((f["source"] as? [String: Any])?["path"] as? String, s.source)
        }
        // Arguments of each level.
        for level in 0..<4 {
            XCTAssertEqual(s.value(try s.scope("Arguments", frame: level), "n"), "\(level + 1)")
        }
        // Paging.
        let page = try s.client.request("stackTrace", ["threadId": s.thread, "startFrame": 3, "levels": 2])
        XCTAssertEqual((page.body["stackFrames"] as? [[String: Any]])?.map { $0["name"] as? String ?? "" }, ["fact", "main"])
        XCTAssertEqual(page.body["totalFrames"] as? Int, frames.count)
        try s.finish()
    }

    func testNestedVariablesEvaluateAndMemory() throws {
        let s = try DebugSession("debuggee")
        try s.setBreakpoints([["line": s.line("print")]])
        let stop = try s.start()
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("print"))
        let locals = try s.scope("Locals")
        XCTAssertEqual(s.value(locals, "total"), "30")
        XCTAssertEqual(s.value(locals, "f"), "24")
        let shape = try s.child(locals, "s")
        XCTAssertEqual(s.value(shape, "name"), #""box\000\000\000\000""#)   // as gdb prints char[8]
        let corners = try s.child(shape, "corners")
        XCTAssertEqual(corners.map { $0["name"] as? String ?? "" }, ["[0]", "[1]"])
        let c1 = try s.child(corners, "[1]")
        XCTAssertEqual(s.value(c1, "x"), "5")
        XCTAssertEqual(s.value(c1, "y"), "6")
        XCTAssertEqual(c1.first?["evaluateName"] as? String, "s.corners[1].x")
        let origin = try s.child(shape, "origin")
        XCTAssertEqual(s.value(origin, "*"), "{x = 3, y = 4}")
        XCTAssertEqual(s.value(try s.child(origin, "*"), "y"), "4")
        XCTAssertEqual(s.value(try s.child(shape, "tags"), "[2]"), "9")
        // Paged variables.
        let ref = locals.first { $0["name"] as? String == "s" }?["variablesReference"] as? Int ?? 0
        let page = try s.client.request("variables", ["variablesReference": ref, "start": 1, "count": 2])
        XCTAssertEqual((page.body["variables"] as? [[String: Any]])?.map { $0["name"] as? String ?? "" }, ["corners", "origin"])
        // Globals.
        XCTAssertEqual(s.value(try s.scope("Globals"), "counter"), "30")
        // Evaluate.
        let e = try s.evaluate("s.corners[1].y * 10 + s.origin->x")
        XCTAssertTrue(e.success, e.message)
        XCTAssertEqual(e.body["result"] as? String, "63")
        let agg = try s.evaluate("*s.origin")
        XCTAssertEqual(agg.body["result"] as? String, "{x = 3, y = 4}")
        XCTAssertGreaterThan(agg.body["variablesReference"] as? Int ?? 0, 0)
        let bad = try s.evaluate("no_such_variable + 1")
        XCTAssertFalse(bad.success)
        XCTAssertFalse(bad.message.isEmpty)
        // readMemory at s: "box\0".
        let address = try XCTUnwrap(locals.first { $0["name"] as? String == "s" }?["memoryReference"] as? String)
        let mem = try s.client.request("readMemory", ["memoryReference": address, "count": 4])
        XCTAssertTrue(mem.success, mem.message)
        XCTAssertEqual(Data(base64Encoded: mem.body["data"] as? String ?? "").map(Array.init), Array("box\0".utf8))
        // Disassemble around the pc.
        let pc = try XCTUnwrap(s.frames()[0]["instructionPointerReference"] as? String)
        let dis = try s.client.request("disassemble", ["memoryReference": pc, "instructionOffset": -2, "instructionCount": 5])
        XCTAssertTrue(dis.success, dis.message)
        let instructions = dis.body["instructions"] as? [[String: Any]] ?? []
        XCTAssertEqual(instructions.count, 5)
        XCTAssertEqual(instructions.dropFirst(2).first?["address"] as? String, pc)
        // Modules and sources.
        let modules = try s.client.request("modules", [:])
        let listed = modules.body["modules"] as? [[String: Any]] ?? []
        XCTAssertTrue(listed.contains { $0["symbolStatus"] as? String == "Symbols loaded" })
        // Each was announced with a `module` event (reason new) at a stop: the program and libc.
        let announced = s.client.received.filter { $0["event"] as? String == "module" }
            .compactMap { $0["body"] as? [String: Any] }
        XCTAssertTrue(announced.allSatisfy { $0["reason"] as? String == "new" }, "\(announced)")
        let names = Set(announced.compactMap { ($0["module"] as? [String: Any])?["name"] as? String })
        XCTAssertEqual(names, Set(listed.compactMap { $0["name"] as? String }))
        XCTAssertTrue(names.contains { $0.hasSuffix("debuggee") } && names.contains { $0.contains("libc.so") }, "\(names)")
        let sources = try s.client.request("loadedSources")
        XCTAssertTrue((sources.body["sources"] as? [[String: Any]] ?? []).contains { $0["path"] as? String == s.source })
        try s.finish()
    }

    func testThreadsOfAThreeThreadProgram() throws {
        let s = try DebugSession("threads3")
        try s.setBreakpoints([["line": s.line("worker")]])
        var stop = try s.start()
        var stoppedThreads = Set<Int>()
        for _ in 0..<3 {
            XCTAssertEqual(stop["reason"] as? String, "breakpoint", "\(stop)")
            let at = try s.whereStopped(stop)
            XCTAssertEqual(at.name, "worker")
            stoppedThreads.insert(stop["threadId"] as? Int ?? 0)
            let threads = try s.client.request("threads").body["threads"] as? [[String: Any]] ?? []
            XCTAssertGreaterThanOrEqual(threads.count, 2)
            XCTAssertTrue(threads.contains { $0["id"] as? Int == stop["threadId"] as? Int })
            stop = try s.resume("continue")
        }
        XCTAssertEqual(stoppedThreads.count, 3)
        XCTAssertEqual(stop["reason"] as? String, "end of recording", "\(stop)")
        try s.finish()
    }
}
