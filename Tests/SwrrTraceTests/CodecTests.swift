// The building blocks: CRC32, varints, the bounds-checked reader, the event codec under random
// input, zstd frames and chunk headers.
@testable import SwrrTrace
import SwrrTracee
import XCTest

final class CodecTests: XCTestCase {
    func testCRC32KnownValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
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
                if !bytes.isEmpty { bytes[0] = UInt8(1 + random.below(5)) }
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
        for end in [TraceEnd.complete(waitStatus: 0), .complete(waitStatus: -1), .aborted(reason: ""), .aborted(reason: "x ✓")] {
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
