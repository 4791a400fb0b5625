// gdb's Ctrl-C (a raw 0x03 byte while gdb waits for a stop reply) pauses a running replay, on
// Tests/Fixtures/gdb/pause.c (20,000 syscalls, then seconds of computation without any). gdb in
// batch mode cannot be made to send it at a chosen moment, so a minimal remote-protocol client
// plays gdb's part: it sends `c`, then 0x03, and must get a T02 stop reply; the session stays
// usable afterwards.
import Foundation
import SwrrTestSupport
import XCTest

final class GDBInterruptTests: XCTestCase {
    func testCtrlCDuringContinueStopsTheReplayWithSIGINT() throws {
        let rec = try GDBFixture.recording("pause", status: 5)
        let server = try GDBServerProcess(trace: rec.trace)
        defer { _ = server.stop(timeout: 10) }
        let gdb = try RawRSPClient(port: server.port)
        XCTAssertTrue(try gdb.request("?").hasPrefix("T"))
        gdb.sendPacket("c")
        usleep(1_500_000)
        gdb.sendRaw([0x03])
        let t0 = Date()
        let reply = try gdb.readPacket(timeout: 60)
        print("Ctrl-C answered in \(String(format: "%.3f", Date().timeIntervalSince(t0))) s: \(reply)")
        XCTAssertTrue(reply.hasPrefix("T02"), "an interrupted continue is reported as SIGINT: \(reply)")
        // Still usable: memory of the paused program, and the current event.
        let phase = try GDBFixture.symbol("phase", in: rec.executable)
        let bytes = try gdb.request("m\(String(phase, radix: 16)),4")
        XCTAssertTrue(["01000000", "02000000"].contains(bytes), "paused in the syscalls or the computation: \(bytes)")
        let when = try gdb.request("qRcmd," + Array("when".utf8).map { String(format: "%02x", $0) }.joined())
        XCTAssertNotEqual(when, "E01")
        gdb.sendPacket("k")
        XCTAssertTrue(server.stop(timeout: 20), "the server ends with the session")
    }
}

/// The remote serial protocol's framing, enough to play gdb: `$payload#cs`, `+` acks.
final class RawRSPClient {
    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else { throw GDBFixture.Failure(description: "connect to 127.0.0.1:\(port) failed") }
    }

    deinit { close(fd) }

    func sendRaw(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    func sendPacket(_ payload: String) {
        let sum = payload.utf8.reduce(UInt8(0)) { $0 &+ $1 }
        sendRaw(Array("$\(payload)#\(String(format: "%02x", sum))".utf8))
    }

    /// The next packet's payload (acks skipped, and acknowledged).
    func readPacket(timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let start = pending.firstIndex(of: UInt8(ascii: "$")),
               let hash = pending[start...].firstIndex(of: UInt8(ascii: "#")), pending.count >= hash + 3 {
                let payload = String(decoding: pending[(start + 1)..<hash], as: UTF8.self)
                pending.removeFirst(hash + 3)
                sendRaw([UInt8(ascii: "+")])
                return payload
            }
            guard Date() < deadline else { throw GDBFixture.Failure(description: "no reply within \(timeout) s") }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 100) > 0 {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
                guard n > 0 else { throw GDBFixture.Failure(description: "the server closed the connection") }
                pending += chunk[0..<n]
            }
        }
    }

    func request(_ payload: String, timeout: TimeInterval = 30) throws -> String {
        sendPacket(payload)
        return try readPacket(timeout: timeout)
    }
}
