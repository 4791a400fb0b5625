// Thousands of random and mutated messages (seeded, so a failure replays): the adapter never
// crashes or hangs. After every batch a sentinel `threads` request must be answered, the
// adapter's messages must all be schema-valid, and the end of input ends it with status 0.
import Foundation
import SwrrTestSupport
import XCTest

final class FuzzTests: XCTestCase {
    static let commands = ["initialize", "launch", "configurationDone", "threads", "continue", "pause",
                           "restart", "launch", "configurationDone", "continue", "setBreakpoints", "setFunctionBreakpoints",
                           "setExceptionBreakpoints", "setInstructionBreakpoints", "stackTrace", "scopes",
                           "variables", "evaluate", "next", "stepBack", "reverseContinue", "setVariable",
                           "currentEvent", "readMemory", "attach", "nonsense", "", "stepIn", "stepOut",
                           "gotoTargets", "goto", "gotoEvent", "reverseStepOut", "dataBreakpointInfo",
                           "setDataBreakpoints", "modules"]

    /// Numbers at the edges of the integer types, and past them.
    static let boundaryNumbers: [Any] = [0, -1, Int(Int32.max), Int(Int32.max) + 1, Int(Int32.min) - 1, Int.max, Int.min,
                                         UInt64.max, 1e300, -0.5, Double(1 << 53) * 4]
    /// Every numeric argument swrr-dap reads.
    static let numericKeys = ["frameId", "variablesReference", "startFrame", "levels", "start", "count", "offset",
                              "instructionOffset", "instructionCount", "column", "event", "targetId", "sourceReference",
                              "bytes", "startModule", "moduleCount", "process"]

    func randomValue(_ rng: inout SeededRandom, depth: Int = 0) -> Any {
        switch Int.random(in: 0..<(depth > 2 ? 6 : 8), using: &rng) {
        case 0: return Bool.random(using: &rng) ? Int.random(in: -5...100_000, using: &rng)
                                                : Self.boundaryNumbers.randomElement(using: &rng)!
        case 1: return Bool.random(using: &rng)
        case 2: return ["", "x", "/nonexistent", "fatal-signals", "∂é😀", String(repeating: "a", count: 300)]
            .randomElement(using: &rng)!
        case 3: return NSNull()
        case 4: return Double.random(in: -1e6...1e6, using: &rng)
        case 5: return 1
        case 6: return (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) }
        default:
            var o: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let key = (["program", "args", "trace", "threadId", "source", "breakpoints", "line", "filters",
                            "stopOnEntry", "record", "env", "cwd", "name", "path", "adapterID"] + Self.numericKeys)
                    .randomElement(using: &rng)!
                o[key] = randomValue(&rng, depth: depth + 1)
            }
            return o
        }
    }

    /// A plausible request: a known command with arguments that are right, random or missing.
    func plausibleRequest(_ rng: inout SeededRandom, seq: Int, trace: String) -> [String: Any] {
        let command = Self.commands.randomElement(using: &rng)!
        var m: [String: Any] = ["seq": seq, "type": "request", "command": command]
        switch command {
        case "initialize": m["arguments"] = ["adapterID": "swrr"]
        case "launch": m["arguments"] = Bool.random(using: &rng) ? ["trace": trace, "stopOnEntry": Bool.random(using: &rng)]
                                                                   : randomValue(&rng)
        case "continue", "pause": m["arguments"] = ["threadId": 1]
        case "stackTrace", "next", "stepIn", "stepOut", "stepBack", "reverseStepOut":
            // Issue 13's crash: threadId 2^31 and beyond.
            m["arguments"] = ["threadId": Bool.random(using: &rng) ? Self.boundaryNumbers.randomElement(using: &rng)!
                                                                   : randomValue(&rng)]
        case "setBreakpoints": m["arguments"] = ["source": ["path": "/a.c"], "breakpoints": [["line": 3]]]
        case "gotoTargets": m["arguments"] = ["source": ["path": DAPTestEnv.fixtureDirectory + "/hello_dap.c"],
                                              "line": Int.random(in: 0...25, using: &rng)]
        case "goto": m["arguments"] = ["threadId": 1, "targetId": Int.random(in: 0...4, using: &rng)]
        case "gotoEvent": m["arguments"] = ["event": Int.random(in: -1...40, using: &rng)]
        default: if Bool.random(using: &rng) { m["arguments"] = randomValue(&rng) }
        }
        return m
    }

    func mutate(_ bytes: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var b = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !b.isEmpty else { break }
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: b[i] = UInt8.random(in: 0...255, using: &rng)
            case 1: b.remove(at: i)
            case 2: b.insert(Array("{}[]\",:0\\".utf8).randomElement(using: &rng)!, at: i)
            default: b = Array(b[0..<i])
            }
        }
        return b
    }

    func testRandomAndMutatedMessages() throws {
        let program = try DAPTestEnv.fixture("hello_dap")
        let trace = try DAPTestEnv.record(program, ["1"]).trace
        let seed = UInt64(ProcessInfo.processInfo.environment["SWRR_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_DA9)
        var rng = SeededRandom(seed: seed)
        let start = Date()
        var seq = 100_000
        var allEvents: Set<String> = []
        // Several sessions (terminate or a failed launch end one for good), each fed in batches.
        for round in 0..<10 {
            let c = try DAPClient()
            var sent = 0
            let total = 500
            while sent < total {
                for _ in 0..<50 {
                    seq += 1
                    let request = plausibleRequest(&rng, seq: seq, trace: trace)
                    let body = Array(try JSONSerialization.data(withJSONObject: request))
                    switch Int.random(in: 0..<10, using: &rng) {
                    case 0...4:
                        c.writeFramed(body)
                    case 5...7:
                        c.writeFramed(mutate(body, &rng))
                    case 8:
                        // Random bytes, framed or not.
                        let junk = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                        if Bool.random(using: &rng) { c.writeFramed(junk) } else { c.writeRaw(junk) }
                    default:
                        // A wrong Content-Length: short (the tail becomes garbage), long (padded
                        // with spaces so the stream stays in step), or not a number.
                        let delta = Int.random(in: -20...20, using: &rng)
                        let n = max(0, body.count + delta)
                        if Bool.random(using: &rng) {
                            c.writeRaw(Array("Content-Length: \(n)\r\n\r\n".utf8) + body
                                       + [UInt8](repeating: 32, count: max(0, n - body.count)))
                        } else {
                            c.writeRaw(Array("Content-Length: \(n)x\r\n\r\n".utf8) + body)
                        }
                    }
                    sent += 1
                    while try c.readMessage(timeout: 0) != nil {}
                }
                // The sentinel: a well-formed request still gets its answer.
                let s = c.send("threads", validate: false)
                do {
                    _ = try c.response(to: s, timeout: 20)
                } catch {
                    XCTFail("no answer after \(sent) fuzz messages of round \(round) (seed \(seed)): \(error)")
                    return
                }
                XCTAssertTrue(c.process.isRunning, "swrr-dap ended after \(sent) messages (seed \(seed))")
            }
            if round % 2 == 0 { c.send("terminate", validate: false) }
            c.closeInput()
            while try c.readMessage(timeout: 20) != nil {}
            XCTAssertEqual(c.waitForExit(), 0, "seed \(seed)")
            let adapterOnly = c.transcript.filter { $0.direction == "A->C" }
            XCTAssertGreaterThan(adapterOnly.count, total / 2)
            XCTAssertEqual(try SchemaValidator.violations(adapterOnly), [], "seed \(seed)")
            allEvents.formUnion(c.received.compactMap { $0["event"] as? String })
        }
        // No timing assertion (tests never fail on speed): a hang is caught by the per-answer
        // time limits above. The time is printed for whoever watches the suite's length.
        print("fuzz: 10 sessions of 500 messages in " + String(format: "%.1f s", Date().timeIntervalSince(start)))
        // The sessions went through their states: launched, stopped, replayed to the end.
        XCTAssertTrue(allEvents.isSuperset(of: ["initialized", "stopped", "continued", "exited", "terminated"]),
                      "\(allEvents)")
    }

    /// Every numeric field of every request swrr-dap reads, at every boundary value
    /// (BoundaryLiterals: 0, -1, 2^31-1, 2^31, 2^63-1, 2^64-1 and beyond, floats, strings where
    /// numbers belong, a 100,000-character string), at a stop in a live replay: each is answered
    /// (an error naming the field for a value that is no integer), and swrr-dap lives on.
    func testBoundaryValuesInEveryNumericField() throws {
        let s = try DebugSession("debuggee")
        let stop = try s.startAtHit(1, of: "loop")
        let tid = stop["threadId"] as! Int
        let frame = try s.frames().first?["id"] as? Int ?? 0
        let pc = try s.frames().first?["instructionPointerReference"] as? String ?? "0x0"
        let x = BoundaryLiterals.placeholder
        let source: [String: Any] = ["path": s.source]
        // (command, arguments with the placeholder where the number goes, the field's name).
        let fields: [(command: String, args: [String: Any], field: String)] = [
            ("stackTrace", ["threadId": x], "threadId"), ("stackTrace", ["threadId": tid, "startFrame": x], "startFrame"),
            ("stackTrace", ["threadId": tid, "levels": x], "levels"),
            ("next", ["threadId": x], "threadId"), ("stepIn", ["threadId": x], "threadId"),
            ("stepOut", ["threadId": x], "threadId"), ("stepBack", ["threadId": x], "threadId"),
            ("reverseStepOut", ["threadId": x], "threadId"), ("pause", ["threadId": x], "threadId"),
            ("continue", ["threadId": x], "threadId"), ("reverseContinue", ["threadId": x], "threadId"),
            ("scopes", ["frameId": x], "frameId"), ("variables", ["variablesReference": x], "variablesReference"),
            ("variables", ["variablesReference": 1, "start": x], "start"),
            ("variables", ["variablesReference": 1, "count": x], "count"),
            ("evaluate", ["expression": "i", "frameId": x], "frameId"),
            ("readMemory", ["memoryReference": pc, "count": 4, "offset": x], "offset"),
            ("readMemory", ["memoryReference": pc, "count": x], "count"),
            ("disassemble", ["memoryReference": pc, "instructionCount": 2, "offset": x], "offset"),
            ("disassemble", ["memoryReference": pc, "instructionCount": 2, "instructionOffset": x], "instructionOffset"),
            ("disassemble", ["memoryReference": pc, "instructionCount": x], "instructionCount"),
            ("modules", ["startModule": x], "startModule"), ("modules", ["moduleCount": x], "moduleCount"),
            ("gotoTargets", ["source": source, "line": x], "line"),
            ("gotoTargets", ["source": source, "line": s.line("loop"), "column": x], "column"),
            ("goto", ["threadId": x, "targetId": 1], "threadId"), ("goto", ["threadId": tid, "targetId": x], "targetId"),
            ("gotoEvent", ["event": x], "event"),
            ("source", ["sourceReference": x], "sourceReference"),
            ("dataBreakpointInfo", ["name": "i", "frameId": x], "frameId"),
            ("dataBreakpointInfo", ["name": "i", "variablesReference": x], "variablesReference"),
            ("dataBreakpointInfo", ["name": "0x1000", "asAddress": true, "bytes": x], "bytes"),
            ("setBreakpoints", ["source": source, "breakpoints": [["line": x]]], "line"),
            ("setBreakpoints", ["source": source, "breakpoints": [["line": 1, "column": x]]], "column"),
            ("setInstructionBreakpoints", ["breakpoints": [["instructionReference": pc, "offset": x]]], "offset"),
        ]
        // Valid numbers that would run the replay away from the stop are left out: a live thread
        // for the steps, any integer for the rest (continue, reverseContinue and goto resume every
        // thread whichever they name).
        let steps: Set<String> = ["next", "stepIn", "stepOut", "stepBack", "reverseStepOut"]
        let runs: Set<String> = ["continue", "reverseContinue", "goto", "gotoEvent"]
        var answered = 0
        for f in fields {
            for literal in BoundaryLiterals.all {
                if steps.contains(f.command) && literal == String(tid) { continue }
                if runs.contains(f.command) && BoundaryLiterals.integers.contains(literal) { continue }
                let r = try s.client.request(f.command, f.args, replacingPlaceholderWith: literal, timeout: 120)
                XCTAssertEqual(r["command"] as? String, f.command)
                if BoundaryLiterals.others.contains(literal) {
                    XCTAssertFalse(r.success, "\(f.command) \(f.field)=\(literal.prefix(30))")
                    XCTAssertTrue(r.message.hasSuffix("'\(f.field)' must be an integer"), "\(f.command): \(r.message)")
                }
                answered += 1
            }
            XCTAssertTrue(s.client.process.isRunning, "swrr-dap died on \(f.command) \(f.field)")
        }
        XCTAssertGreaterThan(answered, fields.count * BoundaryLiterals.others.count)
        // Nothing moved: the breakpoints are put back, the frame is still there, and it steps.
        try s.setBreakpoints([])
        XCTAssertTrue(try s.client.request("setInstructionBreakpoints", ["breakpoints": []]).success)
        XCTAssertTrue(try s.client.request("scopes", ["frameId": frame]).success)
        XCTAssertEqual(try s.whereStopped(stop).line, s.line("loop"))
        let stepped = try s.resume("next", ["threadId": tid])
        XCTAssertEqual(try s.whereStopped(stepped).line, s.line("counter"))
        try s.finish()
    }
}
