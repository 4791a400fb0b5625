import Foundation
import SwrrTestSupport
import XCTest

/// An editor user's session on Rust, Swift and Go programs (Tests/Fixtures/languages, built at
/// test time): a line breakpoint, stackTrace, scopes and variables, next, stepIn, stepBack,
/// continue and reverseContinue, as the lead's probe (briefs/langprobe/probe.py) drives them.
final class LanguageSessionTests: XCTestCase {
    private func names(_ frames: [[String: Any]]) -> [String] { frames.map { $0["name"] as? String ?? "?" } }

    /// Rust: swrr-dap crashed (an overflow trap in the v0 demangler) on the first stackTrace.
    func testRustSession() throws {
        let call = try LanguageFixtures.line("rust-call", in: "points.rs")
        let s = try DebugSession(program: try LanguageFixtures.rust(), source: LanguageFixtures.directory + "/points.rs")
        try s.setBreakpoints([["line": call]])
        let first = try s.start()
        XCTAssertEqual(first["reason"] as? String, "breakpoint")
        XCTAssertEqual(try s.whereStopped(first).line, call)
        let stack = names(try s.frames())
        XCTAssertEqual(stack.first, "points::main")
        XCTAssertTrue(stack.contains("std::rt::lang_start"), "\(stack)")
        var locals = try s.scope("Locals")
        XCTAssertEqual(s.value(locals, "p"), "{x = 3, y = 4}")
        XCTAssertEqual(s.value(locals, "v"), "vec![1, 2, 3, 4]")
        XCTAssertEqual(try s.child(locals, "v").map { "\($0["name"]!)=\($0["value"]!)" }, ["[0]=1", "[1]=2", "[2]=3", "[3]=4"])

        _ = try s.resume("stepIn")
        XCTAssertEqual(names(try s.frames(levels: 2)), ["points::scale", "points::main"])
        XCTAssertEqual(try s.frames(levels: 1).first?["line"] as? Int, try LanguageFixtures.line("rust-scale", in: "points.rs"))
        XCTAssertEqual(s.value(try s.scope("Arguments"), "k"), "2")
        // Back through scale's prologue (its `fn` line) to the call.
        var stop = try s.resume("stepBack")
        XCTAssertEqual(try s.whereStopped(stop).line, call)
        XCTAssertEqual(try s.whereStopped(stop).name, "points::main")
        // Line-0 rows between statements are no stops.
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, call + 1)
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, call + 2)
        locals = try s.scope("Locals")
        XCTAssertEqual(s.value(locals, "name"), "\"swrr\"")
        XCTAssertEqual(s.value(locals, "s"), "{x = 6, y = 8}")

        _ = try s.resume("continue")
        stop = try s.resume("reverseContinue")
        XCTAssertEqual(stop["reason"] as? String, "breakpoint")
        XCTAssertEqual(try s.whereStopped(stop).line, call)
        try s.finish()
    }

    /// Swift top-level code: `next` stopped at `main@points.swift:0` (line-0 rows), and stepIn
    /// in the memberwise Point.init's line-0 code.
    func testSwiftStepsSkipLineZero() throws {
        let call = try LanguageFixtures.line("swift-call", in: "points.swift")
        let scale = try LanguageFixtures.line("swift-scale", in: "points.swift")
        let s = try DebugSession(program: try LanguageFixtures.swift(), source: LanguageFixtures.directory + "/points.swift")
        try s.setBreakpoints([["line": call]])
        XCTAssertEqual(try s.whereStopped(try s.start()).line, call)
        var stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, call + 1)
        XCTAssertEqual(try s.whereStopped(stop).name, "main")
        stop = try s.resume("stepBack")
        XCTAssertEqual(try s.whereStopped(stop).line, call)
        // Into scale, through Point.init's compiler-generated code (no source line).
        stop = try s.resume("stepIn")
        XCTAssertEqual(try s.whereStopped(stop).line, scale)
        XCTAssertEqual(names(try s.frames(levels: 2)), ["points.scale", "main"])
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, scale + 1)
        stop = try s.resume("next")
        XCTAssertEqual(try s.whereStopped(stop).line, scale + 2)
        XCTAssertEqual(s.value(try s.scope("Locals"), "label"), "\"k is 2\"")
        XCTAssertEqual(s.value(try s.scope("Arguments"), "k"), "2")
        XCTAssertEqual(s.value(try s.scope("Globals"), "arr"), "[1, 2, 3]")
        try s.finish()
    }

    /// Go at -N -l: every local showed <optimized out>.
    func testGoLocals() throws {
        let line = try LanguageFixtures.line("go-print", in: "points.go")
        let s = try DebugSession(program: try LanguageFixtures.go(), source: LanguageFixtures.directory + "/points.go")
        try s.setBreakpoints([["line": line]])
        let stop = try s.start()
        XCTAssertEqual(try s.whereStopped(stop).line, line)
        XCTAssertEqual(try s.whereStopped(stop).name, "main.main")
        let locals = try s.scope("Locals")
        XCTAssertEqual(s.value(locals, "s"), "len: 3, cap: 3, [1, 2, 3]")
        XCTAssertEqual(s.value(locals, "name"), "\"swrr\"")
        XCTAssertEqual(s.value(locals, "p"), "{X = 6, Y = 8}")
        XCTAssertEqual(s.value(locals, "m"), "map[\"a\": 1]")
        XCTAssertEqual(try s.child(locals, "m").map { "\($0["name"]!)=\($0["value"]!)" }, ["[\"a\"]=1"])
        XCTAssertEqual(locals.first { $0["name"] as? String == "s" }?["type"] as? String, "[]int")
        XCTAssertEqual(try s.child(locals, "p").map { "\($0["name"]!)=\($0["value"]!)" }, ["X=6", "Y=8"])
        try s.finish()
    }
}
