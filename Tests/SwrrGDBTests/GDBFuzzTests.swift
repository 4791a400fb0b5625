// Thousands of random, mutated and boundary-valued packets (seeded, so a failure replays;
// SWRR_FUZZ_SEED picks another seed) at `swrr replay --gdb-port`: the server never crashes or
// hangs. After every batch a sentinel `qC` must be answered with the current thread, and the
// server must still be running; at the end a `k` ends it.
import Foundation
import SwrrTestSupport
import XCTest

final class GDBFuzzTests: XCTestCase {
    /// Hex fields at and past the edges of 32 and 64 bits, signs, empty, not hex, very long.
    static let numbers = ["0", "1", "-1", "7fffffff", "80000000", "ffffffff", "100000000", "7fffffffffffffff",
                          "8000000000000000", "ffffffffffffffff", "10000000000000000", "-0", "+1", "1.5", "x", "",
                          String(repeating: "f", count: 5000)]

    /// Packets with numeric fields (N): none of them resumes the replay except the occasional
    /// step, so the session stays at the same few places.
    static let templates = ["mN,N", "pN", "HgN", "HcN", "TN", "Z0,N,N", "zN,N,N", "Z2,N,N", "Z4,N,N",
                            "qXfer:features:read:target.xml:N,N", "qXfer:auxv:read::N,N", "qXfer:exec-file:read::N,N",
                            "qThreadExtraInfo,N", "vCont;t:N", "vCont;tN", "vCont;CN:N", "vCont;t:pN.N", "qRcmd,N",
                            "MN,N:00", "XN,N:\u{1}", "GN", "PN=N", "?", "g", "qC", "qfThreadInfo", "qsThreadInfo",
                            "qAttached", "qSupported", "vCont?", "vMustReplyEmpty", "vRun;N", "QStartNoAckMode"]

    func packet(_ rng: inout SeededRandom, tid: String) -> [UInt8] {
        var text = ""
        if Int.random(in: 0..<40, using: &rng) == 0 {
            text = ["vCont;s:" + tid, "s", "bs", "vCont;s"].randomElement(using: &rng)!   // moves a little
        } else {
            for ch in Self.templates.randomElement(using: &rng)! {
                if ch == "N" {
                    text += Int.random(in: 0..<4, using: &rng) == 0 ? tid : Self.numbers.randomElement(using: &rng)!
                } else {
                    text.append(ch)
                }
            }
        }
        var bytes = Array(text.utf8)
        if Int.random(in: 0..<4, using: &rng) == 0, !bytes.isEmpty {
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0x20...0x7e, using: &rng)
                case 1: bytes.insert(Array(",:;-}*#$".utf8).randomElement(using: &rng)!, at: i)
                default: bytes = Array(bytes[0..<i])
                }
                if bytes.isEmpty { break }
            }
        }
        // What ends the session (k, D, vKill) is left to the end of the test.
        if let f = bytes.first, f == UInt8(ascii: "k") || f == UInt8(ascii: "D") || bytes.starts(with: Array("vKill".utf8)) {
            return Array("?".utf8)
        }
        return bytes
    }

    /// Frames a payload as gdb does (escaping `$`, `#`, `}` and `*` so the packet stays one
    /// packet); `badChecksum` gets a `-` from the server and no reply.
    func framed(_ payload: [UInt8], badChecksum: Bool = false) -> [UInt8] {
        var body: [UInt8] = []
        for b in payload {
            if [UInt8(ascii: "$"), UInt8(ascii: "#"), UInt8(ascii: "}"), UInt8(ascii: "*")].contains(b) {
                body += [UInt8(ascii: "}"), b ^ 0x20]
            } else {
                body.append(b)
            }
        }
        let sum = body.reduce(UInt8(0)) { $0 &+ $1 } &+ (badChecksum ? 1 : 0)
        return [UInt8(ascii: "$")] + body + Array(String(format: "#%02x", sum).utf8)
    }

    func testRandomMutatedAndBoundaryPackets() throws {
        let rec = try GDBFixture.recording()
        let server = try GDBServerProcess(trace: rec.trace)
        defer { _ = server.stop(timeout: 10) }
        let gdb = try RawRSPClient(port: server.port)
        let first = try gdb.request("qC")
        XCTAssertTrue(first.hasPrefix("QC"), first)
        let tid = String(first.dropFirst(2))
        let seed = UInt64(ProcessInfo.processInfo.environment["SWRR_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_9DB)
        var rng = SeededRandom(seed: seed)
        let start = Date()
        var sent = 0
        for batch in 0..<40 {
            for _ in 0..<50 {
                switch Int.random(in: 0..<20, using: &rng) {
                case 0:
                    gdb.sendRaw(framed(packet(&rng, tid: tid), badChecksum: true))
                case 1:
                    // Noise outside packets: acks, stray bytes (no 0x03, an interrupt request).
                    gdb.sendRaw((0..<Int.random(in: 1...64, using: &rng)).map { _ in
                        [UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "x"), 0, 0xff, 10].randomElement(using: &rng)!
                    })
                case 2 where batch % 10 == 0:
                    // Longer than any packet the server keeps (1 MiB): dropped with an error.
                    gdb.sendRaw(framed([UInt8](repeating: UInt8(ascii: "m"), count: (1 << 20) + 100)))
                default:
                    gdb.sendRaw(framed(packet(&rng, tid: tid)))
                }
                sent += 1
            }
            // The sentinel: an answer naming a thread, from a server that still runs.
            gdb.sendPacket("qC")
            var answer = ""
            let deadline = Date().addingTimeInterval(60)
            while !answer.hasPrefix("QC") && Date() < deadline {
                do { answer = try gdb.readPacket(timeout: 60) } catch { break }
            }
            XCTAssertTrue(answer.hasPrefix("QC"), "no answer to qC after \(sent) packets (seed \(seed)): \(answer)")
            XCTAssertTrue(server.process.isRunning, "the server ended after \(sent) packets (seed \(seed)): \(server.stderrText.suffix(2000))")
            if !server.process.isRunning || !answer.hasPrefix("QC") { return }
        }
        print("gdb fuzz: \(sent) packets in " + String(format: "%.1f s", Date().timeIntervalSince(start)))
        gdb.sendPacket("k")
        XCTAssertTrue(server.stop(timeout: 20), "k ends the server")
        XCTAssertFalse(server.stderrText.contains("Fatal error"), server.stderrText.suffix(2000).description)
    }
}
