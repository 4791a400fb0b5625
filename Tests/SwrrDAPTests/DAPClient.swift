// A scripted DAP client: runs swrr-dap (optionally behind shared/dap/schema_tap.py) as a real
// subprocess over pipes, sends requests, reads framed messages with timeouts, and keeps every
// message in both directions for schema validation.
import Foundation
import SwrrTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

final class DAPClient {
    typealias Message = [String: Any]

    let process = Process()
    private let toAdapter = Pipe()
    private let fromAdapter = Pipe()
    private var buffer: [UInt8] = []
    private var seq = 0
    /// Every message sent (that is meant to be valid) and received, with its direction.
    private(set) var transcript: [(direction: String, message: Message)] = []
    /// Messages received and not consumed yet by `waitFor`.
    private(set) var inbox: [Message] = []
    /// Every message received, in order.
    private(set) var received: [Message] = []
    var closedInput = false

    /// Starts swrr-dap; `tapLog` runs it behind schema_tap.py, writing that log.
    init(environment: [String: String] = [:], tapLog: String? = nil) throws {
        guard let exe = DAPTestEnv.executable else {
            throw ClientError(description: "swrr-dap not found: build it (swift build) or set SWRR_DAP_BIN")
        }
        if let log = tapLog {
            process.executableURL = URL(fileURLWithPath: DAPTestEnv.python)
            process.arguments = [DAPTestEnv.schemaTap, "--log", log, "--", exe]
        } else {
            process.executableURL = URL(fileURLWithPath: exe)
        }
        var env = ProcessInfo.processInfo.environment
        env["SWRR_TRACE_DIR"] = try TestDirectory.makeUnique(prefix: "traces")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = toAdapter
        process.standardOutput = fromAdapter
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var pid: Int32 { process.processIdentifier }

    // MARK: sending

    func writeRaw(_ bytes: [UInt8]) {
        let fd = toAdapter.fileHandleForWriting.fileDescriptor
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { if errno == EINTR { continue }; return }
            off += n
        }
    }

    func writeFramed(_ body: [UInt8]) {
        writeRaw(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
    }

    /// Sends a request; returns its seq.
    @discardableResult
    func send(_ command: String, _ arguments: Message? = nil, validate: Bool = true) -> Int {
        seq += 1
        var m: Message = ["seq": seq, "type": "request", "command": command]
        if let a = arguments { m["arguments"] = a }
        if validate { transcript.append(("C->A", m)) }
        writeFramed(Array(try! JSONSerialization.data(withJSONObject: m)))
        return seq
    }

    /// Answers a reverse request of the adapter's (`startDebugging`) with success; validated.
    func respond(to request: Message) {
        seq += 1
        let m: Message = ["seq": seq, "type": "response", "request_seq": request["seq"] as? Int ?? 0,
                          "success": true, "command": request["command"] as? String ?? ""]
        transcript.append(("C->A", m))
        writeFramed(Array(try! JSONSerialization.data(withJSONObject: m)))
    }

    /// Sends any JSON object as a message (not validated: tests use it for bad input).
    func sendObject(_ m: Any) {
        writeFramed(Array(try! JSONSerialization.data(withJSONObject: m, options: [.fragmentsAllowed])))
    }

    func nextSeq() -> Int {
        seq += 1
        return seq
    }

    func closeInput() {
        try? toAdapter.fileHandleForWriting.close()
        closedInput = true
    }

    // MARK: receiving

    /// Reads one message, or nil at end of output or after `timeout` seconds.
    func readMessage(timeout: TimeInterval) throws -> Message? {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = fromAdapter.fileHandleForReading.fileDescriptor
        while true {
            if let m = try parseBuffered() { return m }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(min(left, 1) * 1000))
            if r <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    private func parseBuffered() throws -> Message? {
        let sep: [UInt8] = Array("\r\n\r\n".utf8)
        guard let i = (0..<max(0, buffer.count - 3)).first(where: { Array(buffer[$0..<$0 + 4]) == sep }) else { return nil }
        let header = String(decoding: buffer[0..<i], as: UTF8.self)
        guard header.hasPrefix("Content-Length: "), let n = Int(header.dropFirst(16)) else {
            throw ClientError(description: "bad header from swrr-dap: \(header.debugDescription)")
        }
        guard buffer.count >= i + 4 + n else { return nil }
        let body = Data(buffer[(i + 4)..<(i + 4 + n)])
        buffer.removeFirst(i + 4 + n)
        guard let m = try JSONSerialization.jsonObject(with: body) as? Message else {
            throw ClientError(description: "swrr-dap sent a message that is not an object")
        }
        transcript.append(("A->C", m))
        received.append(m)
        return m
    }

    /// Waits for the first message (in the inbox, then new ones) matching `predicate`; the
    /// messages before it stay in the inbox.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 60, _ predicate: (Message) -> Bool) throws -> Message {
        if let i = inbox.firstIndex(where: predicate) { return inbox.remove(at: i) }
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let m = try readMessage(timeout: deadline.timeIntervalSinceNow) else { break }
            if predicate(m) { return m }
            inbox.append(m)
        }
        throw ClientError(description: "timed out waiting for \(what); received: \(received.suffix(8).map { Self.summary($0) })")
    }

    func response(to seq: Int, timeout: TimeInterval = 60) throws -> Message {
        try waitFor("the response to request \(seq)", timeout: timeout) {
            $0["type"] as? String == "response" && $0["request_seq"] as? Int == seq
        }
    }

    @discardableResult
    func event(_ name: String, timeout: TimeInterval = 60) throws -> Message {
        try waitFor("event \(name)", timeout: timeout) { $0["type"] as? String == "event" && $0["event"] as? String == name }
    }

    /// Sends a request and returns its response.
    func request(_ command: String, _ arguments: Message? = nil, timeout: TimeInterval = 60) throws -> Message {
        try response(to: send(command, arguments), timeout: timeout)
    }

    /// Removes and returns the inbox's events of this name (in order).
    func takeEvents(_ name: String) -> [Message] {
        let taken = inbox.filter { $0["type"] as? String == "event" && $0["event"] as? String == name }
        inbox.removeAll { $0["type"] as? String == "event" && $0["event"] as? String == name }
        return taken
    }

    /// Sends `disconnect`, closes stdin and waits for the adapter to end; returns the response
    /// and the exit status.
    func disconnectAndExit() throws -> (response: Message, status: Int32?) {
        let r = try response(to: send("disconnect", ["terminateDebuggee": true]))
        closeInput()
        return (r, waitForExit())
    }

    /// Waits for the process to end; returns its exit status (nil on timeout).
    func waitForExit(timeout: TimeInterval = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && deadline.timeIntervalSinceNow > 0 { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationStatus
    }

    static func summary(_ m: Message) -> String {
        let t = m["type"] as? String ?? "?"
        if t == "event" { return "event \(m["event"] ?? "?")" }
        if t == "response" { return "response \(m["command"] ?? "?") success=\(m["success"] ?? "?") \(m["message"] ?? "")" }
        return t
    }

    /// Validates the transcript against the DAP schema; returns the violations.
    func schemaViolations() throws -> [String] {
        try SchemaValidator.violations(transcript)
    }
}

extension Dictionary where Key == String, Value == Any {
    var success: Bool { self["success"] as? Bool ?? false }
    var body: [String: Any] { self["body"] as? [String: Any] ?? [:] }
    var message: String { self["message"] as? String ?? "" }
}
