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

    func randomValue(_ rng: inout SeededRandom, depth: Int = 0) -> Any {
        switch Int.random(in: 0..<(depth > 2 ? 6 : 8), using: &rng) {
        case 0: return Int.random(in: -5...100_000, using: &rng)
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
                let key = ["program", "args", "trace", "threadId", "source", "breakpoints", "line", "filters",
                           "stopOnEntry", "record", "env", "cwd", "name", "path", "adapterID"].randomElement(using: &rng)!
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
}
