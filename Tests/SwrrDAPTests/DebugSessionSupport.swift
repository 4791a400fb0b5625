// A scripted debugging session over real pipes for the debugging tests: launch a C fixture
// (recorded by swrr-dap), set breakpoints, run to stops, read stacks and variables. Every
// message is kept for schema validation.
import Foundation
import XCTest

final class DebugSession {
    let client: DAPClient
    let source: String
    let program: String
    private let sourceLines: [String]

    /// Records and launches fixture `name` with `args` (and more launch attributes `launch`,
    /// more initialize arguments `initialize`); stops at configurationDone's first stop after
    /// `configure` has set breakpoints. `environment`: swrr-dap's (SWRR_SYSCALLBUF=0 records
    /// without syscall buffering).
    convenience init(_ name: String, args: [String] = [], launch more: [String: Any] = [:], initialize: [String: Any] = [:],
                     environment: [String: String] = [:]) throws {
        try self.init(program: try DAPTestEnv.fixture(name), source: DAPTestEnv.fixtureDirectory + "/" + name + ".c",
                      args: args, launch: more, initialize: initialize, environment: environment)
    }

    /// Records and launches `program` built from `source` (a program of another language).
    init(program: String, source: String, args: [String] = [], launch more: [String: Any] = [:],
         initialize: [String: Any] = [:], environment: [String: String] = [:]) throws {
        self.program = program
        self.source = source
        sourceLines = try String(contentsOfFile: source, encoding: .utf8).components(separatedBy: "\n")
        client = try DAPClient(environment: environment)
        let r = try client.request("initialize", ["adapterID": "swrr", "linesStartAt1": true, "columnsStartAt1": true]
                                                    .merging(initialize) { $1 })
        XCTAssertTrue(r.success, r.message)
        let launch = try client.request("launch", ["program": program, "args": args].merging(more) { $1 }, timeout: 120)
        XCTAssertTrue(launch.success, launch.message)
        try client.event("initialized")
    }

    /// The line of the marker "L:NAME" in the fixture.
    func line(_ marker: String) -> Int {
        guard let i = sourceLines.firstIndex(where: { $0.hasSuffix("L:" + marker) }) else {
            XCTFail("no marker \(marker)")
            return 0
        }
        return i + 1
    }

    @discardableResult
    func setBreakpoints(_ bps: [[String: Any]]) throws -> [[String: Any]] {
        let r = try client.request("setBreakpoints", ["source": ["path": source], "breakpoints": bps])
        XCTAssertTrue(r.success, r.message)
        return r.body["breakpoints"] as? [[String: Any]] ?? []
    }

    /// configurationDone, then the first stop.
    func start() throws -> [String: Any] {
        XCTAssertTrue(try client.request("configurationDone").success)
        return try nextStop()
    }

    /// Starts with a breakpoint on `marker`'s line and runs to its `hit`-th hit (the thread
    /// that stopped becomes the one requests name).
    @discardableResult
    func startAtHit(_ hit: Int, of marker: String) throws -> [String: Any] {
        try setBreakpoints([["line": line(marker)]])
        var stop = try start()
        for _ in 1..<hit { stop = try resume("continue") }
        _ = try whereStopped(stop)
        return stop
    }

    /// The next `stopped` event's body (after a `continued`).
    func nextStop(timeout: TimeInterval = 120) throws -> [String: Any] {
        try client.event("continued", timeout: timeout)
        return try client.event("stopped", timeout: timeout).body
    }

    func resume(_ command: String, _ args: [String: Any] = [:]) throws -> [String: Any] {
        var a = args
        a["threadId"] = a["threadId"] ?? thread
        let r = try client.request(command, a)
        XCTAssertTrue(r.success, "\(command): \(r.message)")
        return try nextStop()
    }

    var lastThread: Int?
    var thread: Int { lastThread ?? 0 }

    func frames(_ tid: Int? = nil, start: Int = 0, levels: Int = 0) throws -> [[String: Any]] {
        let r = try client.request("stackTrace", ["threadId": tid ?? thread, "startFrame": start, "levels": levels])
        XCTAssertTrue(r.success, r.message)
        return r.body["stackFrames"] as? [[String: Any]] ?? []
    }

    /// Line and function of frame 0 of the stopped thread.
    func whereStopped(_ stop: [String: Any]) throws -> (line: Int, name: String) {
        lastThread = stop["threadId"] as? Int
        let f = try frames(levels: 1).first ?? [:]
        return (f["line"] as? Int ?? -1, f["name"] as? String ?? "")
    }

    func variables(_ ref: Int) throws -> [[String: Any]] {
        let r = try client.request("variables", ["variablesReference": ref])
        XCTAssertTrue(r.success, r.message)
        return r.body["variables"] as? [[String: Any]] ?? []
    }

    /// The variables of scope `scope` ("Locals", "Arguments", "Globals") of frame 0.
    func scope(_ name: String, frame: Int = 0) throws -> [[String: Any]] {
        let f = try frames()[frame]
        let r = try client.request("scopes", ["frameId": f["id"] as! Int])
        XCTAssertTrue(r.success, r.message)
        let s = (r.body["scopes"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name }
        return try variables(s?["variablesReference"] as? Int ?? -1)
    }

    func value(_ vars: [[String: Any]], _ name: String) -> String? {
        vars.first { $0["name"] as? String == name }?["value"] as? String
    }

    func child(_ vars: [[String: Any]], _ name: String) throws -> [[String: Any]] {
        let ref = vars.first { $0["name"] as? String == name }?["variablesReference"] as? Int ?? 0
        XCTAssertGreaterThan(ref, 0, "\(name) has no children")
        return try variables(ref)
    }

    func evaluate(_ expression: String, frameId: Int? = nil) throws -> [String: Any] {
        var a: [String: Any] = ["expression": expression, "context": "watch"]
        if let f = frameId { a["frameId"] = f }
        return try client.request("evaluate", a)
    }

    /// Disconnects and checks that the session ended cleanly with zero schema violations.
    func finish(file: StaticString = #filePath, line: UInt = #line) throws {
        let end = try client.disconnectAndExit()
        XCTAssertTrue(end.response.success, file: file, line: line)
        XCTAssertEqual(end.status, 0, file: file, line: line)
        XCTAssertEqual(try client.schemaViolations(), [], "schema violations", file: file, line: line)
    }
}
