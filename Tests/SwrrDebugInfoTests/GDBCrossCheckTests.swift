// The same binaries and stop points under gdb (batch mode) and under SwrrDebugInfo: function
// names, lines and variable values must agree.
import SwrrDebugInfo
import XCTest

final class GDBCrossCheckTests: XCTestCase {
    struct GDBStop {
        var frames: [(function: String, line: Int?, file: String?)] = []
        var values: [String: String] = [:]
    }

    private func gdb(_ exe: String, file: String, line: Int) throws -> GDBStop {
        let out = try Fixtures.run("gdb", ["-nx", "-batch", "-ex", "set width 0", "-ex", "set print pretty off",
                                           "-ex", "handle SIGUSR1 nostop noprint pass",
                                           "-ex", "break \(file):\(line)", "-ex", "run", "-ex", "bt",
                                           "-ex", "info args", "-ex", "info locals", exe])
        var stop = GDBStop()
        for l in out.split(separator: "\n").map(String.init) {
            if l.hasPrefix("#") {
                // "#1  0x... in recurse (n=1) at program.c:51" or "#0  leaf (depth=0) at program.c:44"
                var rest = l.drop { $0 != " " }.drop { $0 == " " }
                if let r = rest.range(of: " in "), rest.hasPrefix("0x") { rest = rest[r.upperBound...] }
                let fn = rest.hasPrefix("<signal handler called>") ? "<signal handler called>"
                    : String(rest[..<(rest.range(of: " (")?.lowerBound ?? rest.endIndex)])
                let lineNo = l.range(of: ":", options: .backwards).flatMap { Int(l[$0.upperBound...]) }
                let file = l.range(of: " at ", options: .backwards).map { String(l[$0.upperBound...].prefix { $0 != ":" }) }
                stop.frames.append((fn, l.contains(" at ") ? lineNo : nil, file.map { String($0.split(separator: "/").last!) }))
            } else if let eq = l.range(of: " = "), !l.hasPrefix(" ") {
                let name = String(l[..<eq.lowerBound])
                if !name.contains(" ") && stop.values[name] == nil { stop.values[name] = String(l[eq.upperBound...]) }
            }
        }
        return stop
    }

    func compare(_ opt: String, mark: String, source: String = "program.c", compiler: String = "gcc") throws {
        let exe = try Fixtures.build(source, compiler: compiler, flags: [opt])
        let line = Fixtures.line(mark, in: source)
        let expected = try gdb(exe, file: source, line: line)
        XCTAssertFalse(expected.frames.isEmpty, "gdb produced no backtrace")

        let p = try LiveProcess(exe)
        try p.runToLine(source, line)
        let stack = try p.space.callStack(p.task)
        // Frames of the fixture's own code must match one for one. In libc, gdb adds frames
        // for tail calls it reconstructs from DW_TAG_call_site and names some functions by
        // their internal aliases (__GI_raise), so those are left out of the comparison.
        let ours = stack.frames.prefix { $0.function != "__libc_start_call_main" }
            .filter { $0.location?.fileName == source || $0.isSignalTrampoline }
        let theirs = expected.frames.filter { $0.file == source || $0.function == "<signal handler called>" }
        XCTAssertEqual(ours.map { $0.function ?? "??" }, theirs.map(\.function), "\(opt) \(mark): \(stack.frames)")
        for (f, g) in zip(ours, theirs) where g.line != nil {
            XCTAssertEqual(f.location?.line, g.line, "\(opt) \(mark) frame \(f)")
        }
        var compared = 0
        for v in stack.scope(0).variables() {
            guard let g = expected.values[v.name] else { continue }
            // gdb runs the program with another environment: stack addresses differ.
            if g.contains("0x7ff") { continue }
            XCTAssertEqual(stack.formatter.format(v.value), g, "\(opt) \(mark): \(v.name)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 0)
    }

    func testLocalsAgreeWithGDB() throws {
        try compare("-O0", mark: "locals")
        try compare("-O2", mark: "locals")
    }

    func testBacktracesAgreeWithGDB() throws {
        try compare("-O0", mark: "leaf")
        try compare("-O2", mark: "leaf")
        try compare("-O0", mark: "in-handler")
        try compare("-O2", mark: "helper")
        try compare("-O0", mark: "optimized")
        try compare("-O2", mark: "optimized")
    }

    func testCPlusPlusAgreesWithGDB() throws {
        for opt in ["-O0", "-O2"] {
            try compare(opt, mark: "method", source: "classes.cpp", compiler: "g++")
            try compare(opt, mark: "template", source: "classes.cpp", compiler: "g++")
        }
    }
}
