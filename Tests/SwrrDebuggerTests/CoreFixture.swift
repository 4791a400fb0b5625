// What the core's tests share: C fixtures of Tests/Fixtures/dap compiled at test time and
// recorded once per test run with the swrr executable, a Debugger opened on a recording, and
// where a thread is in source terms (line, function, a variable's value).
import Foundation
import SwrrDebugInfo
import SwrrDebugger
import SwrrTestSupport
import XCTest

struct RecordingFailed: Error, CustomStringConvertible {
    var description: String
}

enum CoreFixture {
    static let directory = FixtureCompiler.fixtures + "/dap"

    private static let lock = NSLock()
    nonisolated(unsafe) private static var traces: [[String]: String] = [:]

    /// The trace of fixture `name` run with `args`, recorded once per test run: with syscall
    /// buffering or without (every syscall is then an event) as the test run says (nil: the
    /// environment's SWRR_SYSCALLBUF, so the suite's second pass records without), or as
    /// `syscallBuffer` says whatever the pass.
    static func trace(_ name: String, _ args: [String] = [], syscallBuffer: Bool? = nil) throws -> String {
        let key = [name, syscallBuffer.map { "\($0)" } ?? "environment"] + args
        lock.lock()
        defer { lock.unlock() }
        if let t = traces[key] { return t }
        let program = try FixtureCompiler.compile(directory + "/" + name + ".c", flags: ["-g", "-O0"])
        let trace = try TestDirectory.makeUnique(prefix: "core-" + name) + "/trace"
        let r = try Swrr.record([program] + args, to: trace,
                                environment: syscallBuffer.map { ["SWRR_SYSCALLBUF": $0 ? "1" : "0"] } ?? [:], timeout: 120)
        guard Swrr.isDirectory(trace) else { throw RecordingFailed(description: "swrr record made no trace: \(r)") }
        traces[key] = trace
        return trace
    }

    /// The line of the marker "L:NAME" in fixture `name`.
    static func line(_ marker: String, in name: String = "debuggee") throws -> Int {
        let text = try String(contentsOfFile: directory + "/" + name + ".c", encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let i = try XCTUnwrap(lines.firstIndex { $0.hasSuffix("L:" + marker) }, "no marker \(marker)")
        return i + 1
    }

    static func source(_ name: String = "debuggee") -> String { directory + "/" + name + ".c" }
}

/// A Debugger on a recording, with the messages of its runs kept.
final class CoreSession {
    let debugger: Debugger
    let breakpoints = BreakpointSet()
    /// The fixture's name (its source is Tests/Fixtures/dap/NAME.c).
    let name: String
    private let lock = NSLock()
    private var kept: [DebuggerMessage] = []
    private var output: [UInt8] = []

    /// `process`: the recorded pid of the process to debug (nil: the first).
    init(_ name: String, _ args: [String] = [], syscallBuffer: Bool? = nil, process: Int? = nil) throws {
        self.name = name
        let trace = try CoreFixture.trace(name, args, syscallBuffer: syscallBuffer)
        var keep: ((DebuggerMessage) -> Void)!
        var write: ((UInt8, [UInt8]) -> Void)!
        debugger = try Debugger(traceDirectory: trace, breakpoints: breakpoints, process: process,
                                output: { write($0, $1) }, log: { keep($0) })
        keep = { [unowned self] m in lock.lock(); kept.append(m); lock.unlock() }
        write = { [unowned self] _, bytes in lock.lock(); output += bytes; lock.unlock() }
    }

    deinit { debugger.kill() }

    var messages: [DebuggerMessage] {
        lock.lock()
        defer { lock.unlock() }
        return kept
    }

    var programOutput: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: output, as: UTF8.self)
    }

    /// A source breakpoint on the line of `marker` in the fixture, placed now.
    @discardableResult
    func breakAt(_ marker: String, condition: String? = nil, hitCondition: String? = nil,
                 logMessage: String? = nil) throws -> UserBreakpoint {
        let line = try CoreFixture.line(marker, in: name)
        let bp = breakpoints.make(.source, "\(name).c:\(line)")
        bp.file = CoreFixture.source(name)
        bp.line = line
        bp.condition = ExpressionCondition(condition)
        bp.hitCondition = hitCondition
        bp.logMessage = logMessage
        breakpoints.source[CoreFixture.source(name), default: []].append(bp)
        debugger.placeBreakpoints()
        return bp
    }

    func run(_ request: RunRequest) throws -> Stop { try debugger.run(request) }

    var tid: Int32 { debugger.focusThread }

    /// The top frame's line and function.
    func whereNow() throws -> (line: Int, function: String) {
        let frame = try XCTUnwrap(debugger.callStack(tid).frames.first)
        return (frame.location?.line ?? 0, frame.function ?? "?")
    }

    /// A C expression's value in the top frame.
    func value(_ expression: String) throws -> String {
        try DebugExpression.evaluate(expression, in: debugger.callStack(tid).scope(0)).text
    }

    /// A write data breakpoint on the `int` `expression` (4 bytes, in memory), placed now.
    func watchInt(_ expression: String, condition: String? = nil) throws -> (id: Int, address: UInt64) {
        let r = try DebugExpression.evaluate(expression, in: debugger.callStack(tid).scope(0))
        guard case .object(let v) = r.value, let address = v.address else {
            throw RecordingFailed(description: "\(expression) is not in memory")
        }
        let (id, error) = debugger.addDataBreakpoint(DataBreakpointRequest(
            address: address, length: 4, kind: .write, name: expression, typeName: "int",
            condition: ExpressionCondition(condition), hitCondition: nil))
        XCTAssertNil(error)
        return (id, address)
    }

    /// The goto target of the line of `marker` in `direction`.
    func gotoLine(_ marker: String, _ direction: GotoLine.Direction) throws -> GotoLine {
        let line = try CoreFixture.line(marker)
        let found = try XCTUnwrap(try debugger.gotoTargets(file: CoreFixture.source(), line: line, in: tid),
                                  "no code on line \(line)")
        XCTAssertEqual(found.targets.map(\.direction), [.next, .previous])
        return try XCTUnwrap(found.targets.first { $0.direction == direction && $0.line == line && $0.file == "debuggee.c" })
    }
}
