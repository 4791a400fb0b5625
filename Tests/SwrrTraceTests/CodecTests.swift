// The building blocks: CRC32, varints, the bounds-checked reader, the event codec under random
// input, zstd frames and chunk headers.
import Foundation
@testable import SwrrTrace
import SwrrTracee
import XCTest

final class CodecTests: XCTestCase {
    func testCRC32KnownValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
    }

    /// The carry-less multiply's folding (swrr_crc32.h) against the definition, one bit at a time,
    /// at every length around its block sizes, at odd addresses and from a running CRC; a run split
    /// anywhere continues to the same value.
    func testCRC32OfBulkDataMatchesTheDefinition() {
        XCTAssertTrue(CRC32.carrylessMultiply, "this CPU lacks PCLMULQDQ or SSE4.1: only zlib's CRC is tested")
        func definition(_ crc: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
            var c = ~crc
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
            }
            return ~c
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let lengths = Array(0...200) + [255, 256, 257, 1023, 1024, 1039, 4096, 4111, 65_536 + 63]
        for length in lengths {
            for offset in [0, 1, 7] {
                let slice = bytes[offset..<offset + length]
                for start: UInt32 in [0, 0xDEAD_BEEF] {
                    let got = slice.withUnsafeBytes { CRC32.update(start, $0) }
                    XCTAssertEqual(got, definition(start, slice), "length \(length) at offset \(offset) from \(start)")
                }
            }
        }
        let whole = CRC32.checksum(bytes)
        for cut in [1, 63, 64, 65, 1000, 69_999] {
            let first = bytes[..<cut].withUnsafeBytes { CRC32.update(0, $0) }
            XCTAssertEqual(bytes[cut...].withUnsafeBytes { CRC32.update(first, $0) }, whole, "cut at \(cut)")
        }
    }

    func testIntegersRoundTrip() throws {
        let unsigned: [UInt64] = [0, 1, 127, 128, 255, 16383, 16384, UInt64(UInt32.max), UInt64.max - 1, UInt64.max]
        let signed: [Int64] = [0, -1, 1, -64, 63, -65, Int64(Int32.min), Int64(Int32.max), Int64.min, Int64.max]
        var w = ByteWriter()
        for v in unsigned { w.varint(v) }
        for v in signed { w.zigzag(v) }
        w.u32(0xDEAD_BEEF)
        w.u64(0x0102_0304_0506_0708)
        w.string("añb ✓")
        w.bool(true)
        var r = ByteReader(w.bytes)
        for v in unsigned { XCTAssertEqual(try r.varint(), v) }
        for v in signed { XCTAssertEqual(try r.zigzag(), v) }
        XCTAssertEqual(try r.u32(), 0xDEAD_BEEF)
        XCTAssertEqual(try r.u64(), 0x0102_0304_0506_0708)
        XCTAssertEqual(try r.string(), "añb ✓")
        XCTAssertEqual(try r.bool(), true)
        XCTAssertTrue(r.isAtEnd)
        XCTAssertThrowsError(try r.u8())
        // Little-endian on disk.
        var le = ByteWriter()
        le.u32(0x0403_0201)
        XCTAssertEqual(le.bytes, [1, 2, 3, 4])
    }

    func testReaderRejectsMalformedInput() {
        var tooLong = ByteReader([UInt8](repeating: 0xFF, count: 11))
        XCTAssertThrowsError(try tooLong.varint())
        var overflow = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        XCTAssertThrowsError(try overflow.varint())
        var unterminated = ByteReader([0x80, 0x80])
        XCTAssertThrowsError(try unterminated.varint())
        var hugeCount = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3])
        XCTAssertThrowsError(try hugeCount.count(of: "things"))
        var hugeString = ByteReader([0x90, 0x4E, 0x41])
        XCTAssertThrowsError(try hugeString.string())
        var badUTF8 = ByteReader([2, 0xC3, 0x28])
        XCTAssertThrowsError(try badUTF8.string())
        var badBool = ByteReader([2])
        XCTAssertThrowsError(try badBool.bool())
        var wide = ByteReader([0x80, 0x80, 0x80, 0x80, 0x10])  // 2^32 zigzag → does not fit Int32
        XCTAssertThrowsError(try wide.int32())
        var short = ByteReader([1, 2, 3])
        XCTAssertThrowsError(try short.u32())
        XCTAssertThrowsError(try short.bytes(4))
        XCTAssertEqual(short.position, 0, "failed reads consume nothing")
    }

    /// Loads data the way the reader does, but from memory, refusing absurd lengths.
    func load(_ data: [UInt8]) -> EventCodec.LoadBytes {
        { offset, length in
            guard offset <= UInt64(data.count), length <= UInt64(data.count) - offset else { throw DataCutShort() }
            return Array(data[Int(offset)..<Int(offset + length)])
        }
    }

    func encode(_ events: [Event]) throws -> (records: [[UInt8]], data: [UInt8]) {
        var data: [UInt8] = []
        let records = try events.map { e -> [UInt8] in
            var w = ByteWriter()
            try EventCodec.encode(e, into: &w) { bytes in
                defer { data += bytes }
                return UInt64(data.count)
            }
            return w.bytes
        }
        return (records, data)
    }

    func testEventCodecRoundTripsAndIsCompact() throws {
        let events = Sample.everyKind()
        let (records, data) = try encode(events)
        for (record, event) in zip(records, events) {
            var r = ByteReader(record)
            XCTAssertTrue(try EventCodec.decode(&r, load: load(data)) == event)
            XCTAssertTrue(r.isAtEnd)
        }
        // An exit event is a handful of bytes.
        XCTAssertLessThan(records.last!.count, 10)
    }

    func testSignalRecordsCarryTheirSiginfoInlineAndCheckIt() throws {
        var random = TestRandom(seed: 5)
        let siginfo = Sample.siginfo(signal: 10, code: 0, random: &random)
        let signal = Event.signal(SignalEvent(tid: 7, signal: 10, code: 0, registers: Sample.registers(1),
                                              siginfo: siginfo, point: .syscallBoundary))
        let (records, data) = try encode([signal])
        XCTAssertTrue(data.isEmpty, "a siginfo does not go to the data stream")
        var record = records[0]
        // The record ends with: siginfo length (128 = varint 0x80 0x01), the bytes, the point.
        XCTAssertEqual(Array(record.suffix(131)), [0x80, 0x01] + siginfo + [1])
        var r = ByteReader(record)
        XCTAssertTrue(try EventCodec.decode(&r, load: load(data)) == signal)

        // Every delivery point round-trips; an unknown one is refused.
        for point in [SignalDeliveryPoint.synchronous, .syscallBoundary, .arbitrary] {
            let e = Event.signal(SignalEvent(tid: 7, signal: 10, code: 0, registers: Sample.registers(1), point: point))
            let (rs, _) = try encode([e])
            var r = ByteReader(rs[0])
            XCTAssertTrue(try EventCodec.decode(&r, load: load([])) == e)
            XCTAssertEqual(rs[0].suffix(2), [0, point.rawValue], "empty siginfo, then the point")
        }
        record[record.count - 1] = 4   // (3 is a position, with a signature after it)
        r = ByteReader(record)
        XCTAssertThrowsError(try EventCodec.decode(&r, load: load(data))) { error in
            XCTAssertTrue("\(error)".contains("delivery point 4"), "\(error)")
        }

        // A siginfo longer than 128 bytes is neither written nor read.
        let long = Event.signal(SignalEvent(tid: 7, signal: 10, code: 0, registers: Sample.registers(1),
                                            siginfo: [UInt8](repeating: 1, count: 129)))
        var w = ByteWriter()
        XCTAssertThrowsError(try EventCodec.encode(long, into: &w) { _ in 0 }) { error in
            XCTAssertEqual((error as? TraceError)?.kind, .invalidUse)
        }
        let empty = Event.signal(SignalEvent(tid: 7, signal: 10, code: 0, registers: Sample.registers(1)))
        var forged = try encode([empty]).records[0].dropLast(2)   // without the empty siginfo and point
        forged += [0x81, 0x01] + [UInt8](repeating: 1, count: 129) + [0]
        r = ByteReader(Array(forged))
        XCTAssertThrowsError(try EventCodec.decode(&r, load: load([]))) { error in
            XCTAssertTrue("\(error)".contains("129 bytes"), "\(error)")
        }
    }

    func testEntryAndPreemptRecordsAreSmall() throws {
        let entry = Event.syscallEntry(SyscallEntryEvent(tid: 1000, number: 202, registers: Sample.registers(3)))
        let preempt = Event.preempt(PreemptEvent(tid: 1001, registers: Sample.registers(4)))
        let (records, data) = try encode([entry, preempt])
        XCTAssertTrue(data.isEmpty)
        XCTAssertEqual(records[0].first, 6)
        XCTAssertEqual(records[1].first, 7)
        for (record, event) in zip(records, [entry, preempt]) {
            var r = ByteReader(record)
            XCTAssertTrue(try EventCodec.decode(&r, load: load(data)) == event)
            XCTAssertTrue(r.isAtEnd)
            // Registers dominate: 27 varints of at most 10 bytes, plus a few bytes of header.
            XCTAssertLessThan(record.count, 27 * 10 + 8)
            // Every proper prefix is refused, never mistaken for a whole record.
            for n in 0..<record.count {
                var cut = ByteReader(Array(record.prefix(n)))
                XCTAssertThrowsError(try EventCodec.decode(&cut, load: load(data)), "prefix of \(n) bytes")
            }
        }
    }

    func testEventDecoderNeverTrapsOnMutatedOrRandomRecords() throws {
        var random = TestRandom(seed: 2024)
        var (records, data) = try encode(Sample.everyKind())
        records = records.map { Array($0.prefix(4000)) }
        var decoded = 0, failed = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = records[random.below(records.count)]
                for _ in 0..<(1 + random.below(4)) where !bytes.isEmpty {
                    bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
                }
                if random.below(4) == 0 { bytes = Array(bytes.prefix(random.below(bytes.count + 1))) }
            } else {
                bytes = random.bytes(random.below(80))
                if !bytes.isEmpty { bytes[0] = UInt8(1 + random.below(7)) }
            }
            var r = ByteReader(bytes)
            do {
                _ = try EventCodec.decode(&r, load: load(data))
                decoded += 1
            } catch is DecodeError {
                failed += 1
            } catch is DataCutShort {
                failed += 1
            }
        }
        XCTAssertEqual(decoded + failed, 20_000)
        XCTAssertGreaterThan(failed, 0)
    }

    func testEndMarkerRoundTrips() throws {
        let statuses: [Int32] = [0, 0xff00, 0x0100, 0x8b, 0x0b, 0x40]   // exits, SIGSEGV with and without core, signal 64
        for end in statuses.map({ TraceEnd.complete(waitStatus: $0) }) + [.aborted(reason: ""), .aborted(reason: "x ✓")] {
            let bytes = try XCTUnwrap(EventCodec.encodeEnd(end, eventCount: 12345, dataLength: 1 << 40))
            let decoded = try EventCodec.decodeEnd(bytes)
            XCTAssertEqual(decoded.end, end)
            XCTAssertEqual(decoded.eventCount, 12345)
            XCTAssertEqual(decoded.dataLength, 1 << 40)
            XCTAssertThrowsError(try EventCodec.decodeEnd(bytes + [0]))
            XCTAssertThrowsError(try EventCodec.decodeEnd(Array(bytes.dropLast())))
        }
        XCTAssertNil(EventCodec.encodeEnd(.truncated, eventCount: 0, dataLength: 0))
        XCTAssertThrowsError(try EventCodec.decodeEnd([9, 0, 0]))
    }

    /// A wait status that ends no program (a stop, a continue, a signal that does not exist, stray
    /// bits) in the end marker is damage, named as such; the writer refuses to write one.
    func testEndMarkerRefusesStatusesThatAreNoExit() throws {
        let cases: [(Int32, String)] = [(0x7f, "stopped"), (0x137f, "stopped"), (0xffff, "continued"), (-1, "bits above 15"),
                                        (0x10000, "bits above 15"), (0x80, "core dump without a signal"),
                                        (0x41, "signal 65"), (0x10b, "exit code")]
        for (status, why) in cases {
            let bytes = try XCTUnwrap(EventCodec.encodeEnd(.complete(waitStatus: status), eventCount: 1, dataLength: 0))
            do {
                _ = try EventCodec.decodeEnd(bytes)
                XCTFail("wait status \(status) decoded")
            } catch let e as DecodeError {
                XCTAssertTrue(e.message.contains("is no exit status") && e.message.contains(why), "\(status): \(e.message)")
            }
        }
        let dir = try temporaryDirectory("bad-status") + "/trace"
        let writer = try TraceWriter(directory: dir, header: Sample.header())
        assertTraceError("finish with 0x7f", kind: .invalidUse, mentioning: "stopped process") {
            try writer.finish(.complete(waitStatus: 0x7f))
        }
        try writer.finish(.complete(waitStatus: 0x7f00))
        let reader = try TraceReader(directory: dir)
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.end, .complete(waitStatus: 0x7f00))
    }

    func testHeaderSignalMasksRoundTripAndDefaultToZero() throws {
        var header = Sample.header()
        header.ignoredSignals = 1 << 12 | 1 << 1     // SIGPIPE, SIGQUIT
        header.blockedSignals = UInt64.max
        let encoded = try HeaderCodec.encode(header)
        XCTAssertEqual(try HeaderCodec.decode(encoded, path: "h", directory: "d"), header)

        let without = try reframedHeader(header) { $0["ignoredSignals"] = nil; $0["blockedSignals"] = nil }
        let decoded = try HeaderCodec.decode(without, path: "h", directory: "d")
        XCTAssertEqual(decoded.ignoredSignals, 0)
        XCTAssertEqual(decoded.blockedSignals, 0)
        var expected = header
        expected.ignoredSignals = 0
        expected.blockedSignals = 0
        XCTAssertEqual(decoded, expected)

        // Every other field stays required, and the masks keep their type when present.
        let noProgram = try reframedHeader(header) { $0["program"] = nil }
        assertTraceError("no program", kind: .damaged, mentioning: "no field 'program'") {
            try HeaderCodec.decode(noProgram, path: "h", directory: "d")
        }
        let wrongType = try reframedHeader(header) { $0["blockedSignals"] = "all" }
        assertTraceError("string mask", kind: .damaged, mentioning: "blockedSignals") {
            try HeaderCodec.decode(wrongType, path: "h", directory: "d")
        }
    }

    /// The CPU a recording was bound to: written when there is one, absent otherwise (and in
    /// traces older than binding, which read as unbound), and a CPU index when present.
    func testHeaderBoundCPURoundTripsAndIsOptional() throws {
        var header = Sample.header()
        XCTAssertNil(header.boundCPU)
        let unbound = try HeaderCodec.encode(header)
        XCTAssertFalse(String(decoding: unbound, as: UTF8.self).contains("boundCPU"))
        XCTAssertNil(try HeaderCodec.decode(unbound, path: "h", directory: "d").boundCPU)

        header.boundCPU = 1
        let bound = try HeaderCodec.encode(header)
        XCTAssertTrue(String(decoding: bound, as: UTF8.self).contains("\"boundCPU\" : 1"))
        XCTAssertEqual(try HeaderCodec.decode(bound, path: "h", directory: "d"), header)
        let highest = try reframedHeader(header) { $0["boundCPU"] = 1023 }
        XCTAssertEqual(try HeaderCodec.decode(highest, path: "h", directory: "d").boundCPU, 1023)

        for (value, label) in [(-1, "negative"), (1024, "beyond the cpumask"), (Int(Int32.max) + 1, "huge")] {
            let bad = try reframedHeader(header) { $0["boundCPU"] = value }
            assertTraceError(label, kind: .damaged, mentioning: "boundCPU \(value) is not a CPU index") {
                try HeaderCodec.decode(bad, path: "h", directory: "d")
            }
        }
        let wrongType = try reframedHeader(header) { $0["boundCPU"] = "one" }
        assertTraceError("string CPU", kind: .damaged, mentioning: "boundCPU") {
            try HeaderCodec.decode(wrongType, path: "h", directory: "d")
        }
    }

    /// Chaos mode's seed: absent unless the recording used --chaos, every UInt64 round-trips
    /// exactly (JSON numbers above 2^53 included), and anything else is a damaged header.
    func testHeaderChaosSeedRoundTripsAndIsOptional() throws {
        var header = Sample.header()
        XCTAssertNil(header.chaosSeed)
        let plain = try HeaderCodec.encode(header)
        XCTAssertFalse(String(decoding: plain, as: UTF8.self).contains("chaosSeed"))
        XCTAssertNil(try HeaderCodec.decode(plain, path: "h", directory: "d").chaosSeed)
        for seed: UInt64 in [0, (1 << 53) + 1, UInt64.max] {
            header.chaosSeed = seed
            let bytes = try HeaderCodec.encode(header)
            XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("\"chaosSeed\" : \(seed)"))
            XCTAssertEqual(try HeaderCodec.decode(bytes, path: "h", directory: "d").chaosSeed, seed)
        }
        header.chaosSeed = 7   // (JSONSerialization would turn UInt64.max into a Double)
        for (value, label) in [(-1 as Any, "negative"), (1.5 as Any, "fractional"), ("7" as Any, "a string")] {
            let bad = try reframedHeader(header) { $0["chaosSeed"] = value }
            assertTraceError(label, kind: .damaged, mentioning: "chaosSeed") {
                try HeaderCodec.decode(bad, path: "h", directory: "d")
            }
        }
    }

    func testZstdFramesAreChecked() throws {
        var random = TestRandom(seed: 4)
        let raw = random.bytes(10_000) + [UInt8](repeating: 7, count: 50_000)
        let frame = try Zstd.compress(raw).get()
        XCTAssertLessThan(frame.count, raw.count)
        XCTAssertEqual(try Zstd.decompress(frame, length: raw.count).get(), raw)
        XCTAssertThrowsError(try Zstd.decompress(frame, length: raw.count - 1).get())
        XCTAssertThrowsError(try Zstd.decompress(frame + [0], length: raw.count).get())
        XCTAssertThrowsError(try Zstd.decompress(Array(frame.prefix(frame.count / 2)), length: raw.count).get())
        XCTAssertThrowsError(try Zstd.decompress(random.bytes(100), length: 10).get())
        XCTAssertThrowsError(try Zstd.decompress([UInt8](), length: 0).get())
        let empty = try Zstd.compress([]).get()
        XCTAssertEqual(try Zstd.decompress(empty, length: 0).get(), [])
    }

    func testChunkHeaderIsCheckedAndCapped() throws {
        let header = ChunkHeader(kind: .data, rawLength: 100, compressedLength: 50, checksum: 0x1234_5678, first: 1 << 33)
        let bytes = header.encoded()
        XCTAssertEqual(bytes.count, ChunkHeader.size)
        XCTAssertEqual(try ChunkHeader.parse(bytes), header)
        for i in 0..<bytes.count {
            var damaged = bytes
            damaged[i] ^= 0x10
            XCTAssertThrowsError(try ChunkHeader.parse(damaged), "byte \(i)")
        }
        // A checksummed header with an absurd length is still refused.
        let huge = ChunkHeader(kind: .events, rawLength: UInt32.max, compressedLength: 10, checksum: 0, first: 0)
        XCTAssertThrowsError(try ChunkHeader.parse(huge.encoded()))
        let hugeFrame = ChunkHeader(kind: .events, rawLength: 10, compressedLength: UInt32.max, checksum: 0, first: 0)
        XCTAssertThrowsError(try ChunkHeader.parse(hugeFrame.encoded()))
    }
}
