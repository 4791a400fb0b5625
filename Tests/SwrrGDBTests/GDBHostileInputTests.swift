// Packets no gdb sends but a peer on the port can: numbers that overflow, signs, empty fields,
// a vCont `t`. Each gets an error reply (or the right answer) and the server keeps serving the
// replay where it was. Issue 13 measured `$mffffffffffffffff,10` killing `swrr replay --gdb-port`
// (arithmetic overflow in GDBServer.readMemory) and `vCont;t` running the replay to its end.
import Foundation
import SwrrTestSupport
import XCTest

final class GDBHostileInputTests: XCTestCase {
    /// The loop fixture's replay behind a raw client, at the program's first instruction.
    private func session() throws -> (GDBServerProcess, RawRSPClient, GDBFixture.Recording) {
        let rec = try GDBFixture.recording()
        let server = try GDBServerProcess(trace: rec.trace)
        let gdb = try RawRSPClient(port: server.port)
        XCTAssertTrue(try gdb.request("?").hasPrefix("T05"))
        return (server, gdb, rec)
    }

    private func when(_ gdb: RawRSPClient) throws -> String {
        gdb.sendPacket("qRcmd," + Array("when".utf8).map { String(format: "%02x", $0) }.joined())
        var console = ""
        while true {
            let p = try gdb.readPacket(timeout: 30)
            if p.hasPrefix("O") && p != "OK" {
                let hex = Array(p.dropFirst())
                console += String(decoding: stride(from: 0, to: hex.count - 1, by: 2).compactMap {
                    UInt8(String(hex[$0...$0 + 1]), radix: 16)
                }, as: UTF8.self)
                continue
            }
            XCTAssertEqual(p, "OK")
            return console
        }
    }

    func testMemoryReadsPastTheTopOfTheAddressSpaceAreErrors() throws {
        let (server, gdb, rec) = try session()
        defer { _ = server.stop(timeout: 10) }
        let iter = String(try GDBFixture.symbol("iter", in: rec.executable), radix: 16)
        let replies = try [
            "mffffffffffffffff,10", "mffffffffffffffff,1", "mfffffffffffffff0,ffffffffffffffff",
            "m8000000000000000,7fffffffffffffff", "m\(iter),ffffffffffffffff0", "m10000000000000000,1",
            "m-1,4", "m\(iter),-4", "m+\(iter),4", "m\(iter)", "m,", "m", "m\(iter),4,4",
        ].map { try gdb.request($0) }
        XCTAssertEqual(replies, ["E14", "E14", "E14", "E14", "E01", "E01", "E01", "E01", "E01", "E01", "E01", "E01", "E01"])
        // Still serving, at the start: iter is 0 there.
        XCTAssertEqual(try gdb.request("m\(iter),4"), "00000000")
        gdb.sendPacket("k")
        XCTAssertTrue(server.stop(timeout: 20))
    }

    func testOtherNumericFieldsOutOfRange() throws {
        let (server, gdb, _) = try session()
        defer { _ = server.stop(timeout: 10) }
        let tid = try gdb.request("qC")
        XCTAssertTrue(tid.hasPrefix("QC"), tid)
        let cases: [(String, String)] = [
            ("p-1", "E01"), ("pffffffffffffffffff", "E01"), ("p7fffffffffffffff", "E01"), ("p3c", "E01"),
            ("Hg-5", "E01"), ("Hgffffffffff", "E01"), ("Hg80000000", "E01"), ("Hg0", "OK"), ("Hg-1", "OK"),
            ("T-1", "E01"), ("Tffffffffffffffff", "E01"), ("T7fffffff", "E01"),
            ("qXfer:features:read:target.xml:-1,10", "E01"),
            ("qXfer:features:read:target.xml:7fffffffffffffff,7fffffffffffffff", "l"),
            ("qXfer:features:read:target.xml:0,ffffffffffffffffff", "E01"),
            ("Z", "E01"), ("Z;", "E01"), ("Z0,,", "E01"), ("Z2,0,-8", "E01"), ("Z2,0,ffffffffffffffff", "E01"),
            ("z1,ffffffffffffffff,1", "E01"), ("Z9,1000,1", ""), ("Z2,1000,3", "E01"),
            ("qThreadExtraInfo,-1", ""), ("qThreadExtraInfo,ffffffffffffffffff", ""),
        ]
        for (packet, expected) in cases {
            XCTAssertEqual(try gdb.request(packet), expected, packet)
        }
        // The registers of the current thread are still read (Hg0: any thread).
        XCTAssertEqual(try gdb.request("g").count, 1120, "560 bytes of registers")
        XCTAssertEqual(try gdb.request("p10").count, 16, "rip is 8 bytes")
        XCTAssertEqual(try gdb.request("qC"), tid)
        gdb.sendPacket("k")
        XCTAssertTrue(server.stop(timeout: 20))
    }

    /// `vCont;t` (stop) answers a stop with no signal for the thread and runs nothing; unknown
    /// actions run nothing either; a real continue afterwards still reaches the end.
    func testVContStopDoesNotRunTheReplay() throws {
        let (server, gdb, rec) = try session()
        defer { _ = server.stop(timeout: 10) }
        let tid = String(try gdb.request("qC").dropFirst(2))
        let before = try when(gdb)
        XCTAssertTrue(before.hasPrefix("Current event: "), before)
        XCTAssertEqual(try gdb.request("vCont;t"), "T00thread:\(tid);")
        XCTAssertEqual(try gdb.request("vCont;t:\(tid)"), "T00thread:\(tid);")
        XCTAssertEqual(try gdb.request("vCont;t:p\(tid).\(tid)"), "T00thread:\(tid);")
        for bad in ["vCont;x", "vCont;", "vCont;c;q", "vCont;C", "vCont;Cfff", "vCont;s:-5", "vCont;s:ffffffffff", "vCont;tt"] {
            XCTAssertEqual(try gdb.request(bad), "E01", bad)
        }
        XCTAssertEqual(try when(gdb), before, "nothing ran")
        let iter = String(try GDBFixture.symbol("iter", in: rec.executable), radix: 16)
        XCTAssertEqual(try gdb.request("m\(iter),4"), "00000000")
        // A continue with a thread's `t` in the same packet continues (all-stop: the replay runs
        // every thread in the recorded order).
        let end = try gdb.request("vCont;c;t:\(tid)", timeout: 60)
        XCTAssertTrue(end.hasPrefix("O") || end.hasPrefix("T05"), end)
        gdb.sendPacket("k")
        XCTAssertTrue(server.stop(timeout: 20))
    }
}
