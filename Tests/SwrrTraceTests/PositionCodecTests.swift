// Format 2's events at a state signature (docs/TRACE-FORMAT.md): a preempt event with its
// signature (tag 9) and a signal delivered at a position (delivery point 3) round-trip; format 1's
// preempt (tag 7, registers only) still decodes; damaged signatures are refused, never trapped on.
@testable import SwrrTrace
import SwrrTracee
import XCTest

final class PositionCodecTests: XCTestCase {
    /// These records carry nothing in the data stream.
    private let noData: EventCodec.LoadBytes = { _, _ in throw DataCutShort() }

    private func encoded(_ e: Event) throws -> [UInt8] {
        var w = ByteWriter()
        try EventCodec.encode(e, into: &w) { _ in
            XCTFail("a position writes nothing to the data stream")
            return 0
        }
        return w.bytes
    }

    private func signature(words: Int) -> StateSignature {
        StateSignature(registers: Sample.registers(3), fpDigest: 0x1122_3344_5566_7788,
                       memory: MemoryDigest(value: 0xDEAD_BEEF_0BAD_F00D, bytes: 0x21000, unreadable: 0),
                       words: (0..<words).map { ProgressWord(address: 0x5555_5555_8010 + UInt64($0) * 8, value: UInt64($0) + 1) })
    }

    private func roundTrip(_ e: Event) throws -> [UInt8] {
        let record = try encoded(e)
        var r = ByteReader(record)
        let decoded: Event = try EventCodec.decode(&r, load: noData)
        XCTAssertEqual(decoded, e)
        XCTAssertEqual(r.remaining, 0, "the whole record is read")
        return record
    }

    func testPreemptAndSignalAtAPositionRoundTrip() throws {
        for n in 0...StateSignature.maxWords {
            let sig = signature(words: n)
            let preempt = try roundTrip(Event.preempt(PreemptEvent(tid: 9, registers: sig.registers, signature: sig)))
            XCTAssertEqual(preempt[0], EventCodec.Tag.preemptAtPosition.rawValue)
            let signal = SignalEvent(tid: 9, signal: 10, code: -6, registers: sig.registers,
                                     siginfo: [UInt8](repeating: 7, count: 128), point: .position, signature: sig)
            _ = try roundTrip(Event.signal(signal))
        }
        // Format 1's preempt: registers only, tag 7, as before.
        let old = try roundTrip(Event.preempt(PreemptEvent(tid: 9, registers: Sample.registers(3))))
        XCTAssertEqual(old[0], EventCodec.Tag.preempt.rawValue)
        // A signature must carry the event's registers; a position needs its signature.
        let otherRegisters = PreemptEvent(tid: 9, registers: Sample.registers(4), signature: signature(words: 1))
        XCTAssertThrowsError(try encoded(Event.preempt(otherRegisters)))
        let noSignature = SignalEvent(tid: 9, signal: 10, code: 0, registers: Sample.registers(3), point: .position)
        XCTAssertThrowsError(try encoded(Event.signal(noSignature)))
    }

    func testDamagedSignaturesAreRefused() throws {
        let sig = signature(words: 2)
        let record = try encoded(Event.preempt(PreemptEvent(tid: 9, registers: sig.registers, signature: sig)))
        func refused(_ bytes: [UInt8], _ expected: String, _ what: String) {
            var r = ByteReader(bytes)
            XCTAssertThrowsError(try EventCodec.decode(&r, load: noData), what) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(what): \(error)")
            }
        }
        // The tail: version u8, fp u64, memory u64, varint bytes (0x21000: 3 bytes), varint
        // unreadable (1), varint count (1), then the words.
        let tail = record.count - (1 + 8 + 8 + 3 + 1 + 1) - 2 * (7 + 1)
        var bad = record
        bad[tail] = StateSignature.version &+ 1
        refused(bad, "signature version \(StateSignature.version &+ 1), this swrr reads \(StateSignature.version)", "a later version")
        bad[tail] = 1
        refused(bad, "an earlier swrr wrote it: record the program again", "version 1 (the dead stack digested)")
        bad[tail] = 2
        refused(bad, "signature version 2, this swrr reads 3 (an earlier swrr wrote it: record the program again)",
                "version 2 (other threads' dead stacks digested)")
        bad = record
        bad[tail + 1 + 16 + 3 + 1] = UInt8(StateSignature.maxWords + 1)
        refused(bad, "progress words", "too many words")
        bad = record
        bad[tail + 1 + 16 + 3 + 1 + 1] |= 1   // a word's address not 8-aligned
        refused(bad, "progress word at", "a misaligned word")
        refused(Array(record.dropLast(3)), "remain", "a record cut short")
        // Memory counts no address space has.
        let huge = StateSignature(registers: sig.registers, fpDigest: 0, memory: MemoryDigest(value: 0, bytes: 1 << 47, unreadable: 0),
                                  words: [])
        let hr = try encoded(Event.preempt(PreemptEvent(tid: 9, registers: sig.registers, signature: huge)))
        refused(hr, "impossible", "2^47 bytes of writable memory")
    }
}
