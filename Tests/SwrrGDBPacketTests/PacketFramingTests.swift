// The framing of gdb's remote serial protocol (SwrrGDB/Packets.swift) alone, over a socketpair:
// `$payload#cs` with the modulo-256 checksum, `+`/`-` acknowledgements, a bad checksum answered
// with `-` and the packet dropped, Ctrl-C, `}` escapes, run-length expansion, and a payload longer
// than the limit answered with an error instead of being stored.
import Dispatch
import Glibc
@testable import SwrrGDB
import XCTest

final class PacketFramingTests: XCTestCase {
    /// A connection under test and the peer's end (what gdb would hold).
    private struct Pair {
        var connection: PacketConnection
        var peer: Int32
    }

    private func makePair() throws -> Pair {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            throw XCTSkip("socketpair failed: errno \(errno)")
        }
        let peer = fds[1]
        addTeardownBlock { close(peer) }
        return Pair(connection: PacketConnection(fd: fds[0]), peer: peer)
    }

    private func write(_ fd: Int32, _ text: String) { write(fd, Array(text.utf8)) }

    private func write(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            XCTAssertGreaterThan(n, 0, "write failed: errno \(errno)")
            if n <= 0 { return }
            off += n
        }
    }

    /// Exactly `count` bytes from `fd` (a second at most).
    private func read(_ fd: Int32, _ count: Int) -> String {
        var out: [UInt8] = []
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while out.count < count, poll(&p, 1, 1000) == 1 {
            var b = [UInt8](repeating: 0, count: count - out.count)
            let n = b.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += b[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The checksum gdb computes: the payload's bytes added modulo 256, two lowercase hex digits.
    private func framed(_ payload: String) -> String {
        let sum = payload.utf8.reduce(UInt8(0)) { $0 &+ $1 }
        return "$" + payload + "#" + String(format: "%02x", sum)
    }

    func testSendFramesWithTheChecksum() throws {
        let p = try makePair()
        p.connection.send("OK")
        XCTAssertEqual(read(p.peer, 6), "$OK#9a")
        p.connection.send("")
        XCTAssertEqual(read(p.peer, 4), "$#00")
        // `*` escaped as `}` and 0x2a ^ 0x20 (this server never sends run-length), and the
        // checksum is of the escaped bytes.
        p.connection.send("T05*;")
        XCTAssertEqual(read(p.peer, 10), framed("T05}\n;"))
    }

    func testReceiveAcknowledgesAGoodPacketAndReturnsItsPayload() throws {
        let p = try makePair()
        write(p.peer, "+" + framed("m401000,4"))
        XCTAssertEqual(p.connection.receive().map { String(decoding: $0, as: UTF8.self) }, "m401000,4")
        XCTAssertEqual(read(p.peer, 1), "+")
    }

    func testABadChecksumIsRefusedAndThePacketDropped() throws {
        let p = try makePair()
        write(p.peer, "$g#00" + framed("?"))   // "g" sums to 0x67
        XCTAssertEqual(p.connection.receive().map { String(decoding: $0, as: UTF8.self) }, "?")
        XCTAssertEqual(read(p.peer, 2), "-+")
    }

    func testNoAckModeNeitherSendsNorChecks() throws {
        let p = try makePair()
        p.connection.noAck = true
        write(p.peer, "$g#00")
        XCTAssertEqual(p.connection.receive().map { String(decoding: $0, as: UTF8.self) }, "g")
        p.connection.send("OK")
        XCTAssertEqual(read(p.peer, 6), "$OK#9a", "no `+` before the reply")
    }

    func testCtrlCOutsideAPacketIsAnInterrupt() throws {
        let p = try makePair()
        write(p.peer, [0x03])
        XCTAssertEqual(p.connection.receive(), [0x03])
    }

    func testAClosedConnectionEndsReceiving() throws {
        let p = try makePair()
        write(p.peer, "$m0,4")   // cut before its checksum
        shutdown(p.peer, Int32(SHUT_WR))
        XCTAssertNil(p.connection.receive())
    }

    func testRunLengthIsExpandedOnReceipt() throws {
        let p = try makePair()
        p.connection.noAck = true
        // `0* ` repeats 0 (32 - 29) = 3 more times.
        write(p.peer, framed("G0* 1"))
        XCTAssertEqual(p.connection.receive().map { String(decoding: $0, as: UTF8.self) }, "G00001")
    }

    func testAPayloadOverTheLimitIsAnsweredWithAnError() throws {
        let p = try makePair()
        p.connection.noAck = true
        let long = String(repeating: "a", count: PacketConnection.maximumPayload + 1)
        // The peer writes from another thread: the socket's buffer holds far less than 1 MiB.
        let peer = p.peer
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            self.write(peer, "$" + long + "#00" + "$g#00")
            done.signal()
        }
        XCTAssertEqual(p.connection.receive().map { String(decoding: $0, as: UTF8.self) }, "g",
                       "the long packet is dropped, the next one served")
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(read(p.peer, 7), "$E01#a6")
    }

    // MARK: escapes and run-length, as functions

    func testEscapingRoundTripsEveryByte() {
        let all = (0...255).map { UInt8($0) }
        let escaped = PacketConnection.escape(all)
        XCTAssertEqual(escaped.count, 256 + 4, "exactly $, #, } and * are escaped")
        XCTAssertEqual(escaped.filter { "$#*".utf8.contains($0) }, [], "no $, # or * left bare")
        XCTAssertEqual(PacketConnection.escape(Array("a$b".utf8)), [0x61, 0x7d, 0x04, 0x62])
        XCTAssertEqual(PacketConnection.unescape(escaped[...]), all)
    }

    func testRunLengthExpansion() {
        let expand = { (s: String) in String(decoding: PacketConnection.expandRunLength(Array(s.utf8)), as: UTF8.self) }
        XCTAssertEqual(expand("x*\""), "xxxxxx", "\" is 34: five more")
        XCTAssertEqual(expand("ab"), "ab")
        XCTAssertEqual(expand("*a"), "*a", "nothing to repeat: kept")
        XCTAssertEqual(expand("a*"), "a*", "no count: kept")
        XCTAssertEqual(expand("a*\u{1d}"), "a", "a count of 29 repeats nothing")
    }
}
