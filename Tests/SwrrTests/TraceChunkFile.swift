// Rewriting the end marker of a trace's `events` file, independently of SwrrTrace (as
// TraceHeaderFile does for the header), so a test can plant a wait status swrr would never write.
// Layout (docs/TRACE-FORMAT.md): chunks of a 32-byte header ("SWRC", u8 kind, 3 zero bytes, u32
// raw length, u32 compressed length, u32 CRC-32 of the frame, u64 first, u32 CRC-32 of bytes
// 0..<28) and a zstd frame; the end marker is the last chunk, kind 3.
import Foundation

enum TraceChunkFile {
    struct Chunk {
        var offset: Int
        var kind: UInt8
        var rawLength: UInt32
        var compressedLength: Int
        var first: UInt64
    }

    static func chunks(_ bytes: [UInt8]) -> [Chunk] {
        var out: [Chunk] = []
        var offset = 0
        while offset + 32 <= bytes.count {
            let length = Int(TraceHeaderFile.readU32(bytes, at: offset + 12))
            let first = UInt64(TraceHeaderFile.readU32(bytes, at: offset + 20))
                | UInt64(TraceHeaderFile.readU32(bytes, at: offset + 24)) << 32
            out.append(Chunk(offset: offset, kind: bytes[offset + 4], rawLength: TraceHeaderFile.readU32(bytes, at: offset + 8),
                             compressedLength: length, first: first))
            offset += 32 + length
        }
        return out
    }

    /// Replaces the end marker of the complete trace `trace` by one saying the program ended with
    /// the raw wait status `status` (same event count and data length).
    static func setEndStatus(_ trace: String, _ status: Int32) throws {
        let events = [UInt8](try Data(contentsOf: URL(fileURLWithPath: trace + "/events")))
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: trace + "/data")))
        guard let end = chunks(events).last, end.kind == 3 else {
            throw TraceHeaderFile.Malformed(description: "\(trace)/events does not end with an end marker")
        }
        let dataLength = chunks(data).reduce(UInt64(0)) { $0 + UInt64($1.rawLength) }
        let zigzag = UInt64(bitPattern: (Int64(status) << 1) ^ (Int64(status) >> 63))
        let payload = [1] + varint(zigzag) + varint(end.first) + varint(dataLength)
        // A zstd frame of one raw block: magic, a single-segment descriptor with a 1-byte
        // content size, then the block header (last block, raw, its size) and the bytes.
        let blockHeader = UInt32(1) | UInt32(payload.count) << 3
        let frame: [UInt8] = [0x28, 0xb5, 0x2f, 0xfd, 0x20, UInt8(payload.count),
                              UInt8(blockHeader & 0xff), UInt8((blockHeader >> 8) & 0xff), UInt8(blockHeader >> 16)] + payload
        var header = Array("SWRC".utf8) + [3, 0, 0, 0]
        TraceHeaderFile.appendU32(&header, UInt32(payload.count))
        TraceHeaderFile.appendU32(&header, UInt32(frame.count))
        TraceHeaderFile.appendU32(&header, TraceHeaderFile.crc32(frame))
        TraceHeaderFile.appendU32(&header, UInt32(end.first & 0xffff_ffff))
        TraceHeaderFile.appendU32(&header, UInt32(end.first >> 32))
        TraceHeaderFile.appendU32(&header, TraceHeaderFile.crc32(header))
        try Data(Array(events[0..<end.offset]) + header + frame).write(to: URL(fileURLWithPath: trace + "/events"))
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        return out + [UInt8(v)]
    }
}
