// Chunks: the unit in which both streams (`events`, `data`) are written and read.
//
// A chunk is a 32-byte header followed by one zstd frame:
//
//     0  "SWRC"                magic
//     4  u8 kind               1 events, 2 data, 3 end marker, 4 file checksum
//     5  3 bytes               zero
//     8  u32 raw length        uncompressed bytes (at most TraceFormat.maxChunkLength)
//    12  u32 compressed length bytes of the zstd frame that follows
//    16  u32 CRC32             of the compressed bytes
//    20  u64 first             events: index of the chunk's first event;
//                              data: stream offset of its first uncompressed byte;
//                              end: the number of events in the trace;
//                              file checksum: index of the record
//    28  u32 CRC32             of header bytes 0..<28
//
// The header checksum makes a damaged length field damage rather than an apparent cut. A
// header or frame that stops at the end of the file is a cut (the recorder was killed in the
// middle of its single write()); anything else that does not check out is damage, including
// trailing bytes too short for a header that cannot be the start of one (wrong magic, kind or
// reserved bytes): a killed write leaves a prefix of a real chunk, never other bytes.
//
// The encoder (ChunkEncoder) is a pure function of the raw bytes, separate from the file
// appends (ChunkAppender), so both run on the writer's background thread (ChunkPipeline).
import Glibc

enum ChunkKind: UInt8 {
    case events = 1
    case data = 2
    case end = 3
    case fileChecksum = 4
}

struct ChunkHeader: Equatable {
    static let size = 32
    static let magic: [UInt8] = Array("SWRC".utf8)
    static let maxCompressedLength = Zstd.bound(TraceFormat.maxChunkLength)

    var kind: ChunkKind
    var rawLength: UInt32
    var compressedLength: UInt32
    var checksum: UInt32
    var first: UInt64

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: ChunkHeader.size)
        w.append(ChunkHeader.magic)
        w.append([kind.rawValue, 0, 0, 0])
        w.u32(rawLength)
        w.u32(compressedLength)
        w.u32(checksum)
        w.u64(first)
        w.u32(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Parses and checks a complete 32-byte header.
    static func parse(_ bytes: [UInt8]) throws -> ChunkHeader {
        var r = ByteReader(bytes)
        let magic = Array(try r.bytes(4))
        guard magic == ChunkHeader.magic else {
            throw r.failure("bad chunk magic \(hex(magic)) (expected \(hex(ChunkHeader.magic)), \"SWRC\")")
        }
        let kindByte = try r.u8()
        let reserved = Array(try r.bytes(3))
        let rawLength = try r.u32()
        let compressedLength = try r.u32()
        let checksum = try r.u32()
        let first = try r.u64()
        let stored = try r.u32()
        let computed = CRC32.checksum(bytes[0..<28])
        guard stored == computed else {
            throw DecodeError(message: "chunk header checksum mismatch (stored \(hex32(stored)), "
                              + "computed \(hex32(computed)))", position: 28)
        }
        guard let kind = ChunkKind(rawValue: kindByte) else {
            throw DecodeError(message: "unknown chunk kind \(kindByte)", position: 4)
        }
        guard reserved == [0, 0, 0] else {
            throw DecodeError(message: "reserved chunk header bytes are not zero", position: 5)
        }
        guard rawLength <= TraceFormat.maxChunkLength else {
            throw DecodeError(message: "chunk length \(rawLength) exceeds the "
                              + "\(TraceFormat.maxChunkLength)-byte limit", position: 8)
        }
        guard compressedLength <= maxCompressedLength else {
            throw DecodeError(message: "compressed chunk length \(compressedLength) exceeds the "
                              + "\(maxCompressedLength)-byte limit", position: 12)
        }
        return ChunkHeader(kind: kind, rawLength: rawLength, compressedLength: compressedLength,
                           checksum: checksum, first: first)
    }
}

extension ChunkHeader {
    /// Why `bytes`, shorter than a header, cannot be the beginning of one; nil when they may be.
    static func notAPrefix(_ bytes: [UInt8]) -> String? {
        for (i, b) in bytes.prefix(magic.count).enumerated() where b != magic[i] { return "bad magic" }
        if bytes.count > 4 && ChunkKind(rawValue: bytes[4]) == nil { return "unknown chunk kind \(bytes[4])" }
        if bytes[min(5, bytes.count)..<min(8, bytes.count)].contains(where: { $0 != 0 }) {
            return "reserved bytes are not zero"
        }
        return nil
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
}

func hex32(_ v: UInt32) -> String {
    "0x" + String(v, radix: 16)
}

/// Raw bytes to one complete framed chunk (header + compressed frame). Pure, so it can run on
/// any thread.
enum ChunkEncoder {
    static func encode(kind: ChunkKind, first: UInt64, raw: [UInt8]) throws -> [UInt8] {
        guard raw.count <= TraceFormat.maxChunkLength else {
            throw TraceError(.invalidUse, path: nil,
                             "a \(raw.count)-byte chunk exceeds the \(TraceFormat.maxChunkLength)-byte limit")
        }
        let frame: [UInt8]
        switch Zstd.compress(raw) {
        case .success(let f): frame = f
        case .failure(let why):
            throw TraceError(.io, path: nil, "cannot compress a trace chunk: \(why.message)")
        }
        let header = ChunkHeader(kind: kind, rawLength: UInt32(raw.count),
                                 compressedLength: UInt32(frame.count),
                                 checksum: CRC32.checksum(frame), first: first)
        return header.encoded() + frame
    }
}

/// One stream file being written: appends whole chunks, each with a single write().
final class ChunkAppender {
    let path: String
    private var fd: Int32
    private(set) var size: UInt64 = 0

    /// Creates the file; it must not exist.
    init(path: String) throws {
        self.path = path
        switch Posix.openFile(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND) {
        case .success(let fd): self.fd = fd
        case .failure(let e): throw TraceError.io("create", path, errno: e.code)
        }
    }

    deinit { close() }

    /// Appends one encoded chunk. If the write fails part-way the file is cut back to where it
    /// was, so the stream stays a sequence of whole chunks.
    func append(_ chunk: [UInt8]) throws {
        guard fd >= 0 else { throw TraceError(.invalidUse, path: path, "'\(path)' is already closed") }
        let code = chunk.withUnsafeBytes { Posix.writeAll(fd, $0) }
        if code != 0 {
            _ = ftruncate(fd, off_t(size))
            throw TraceError.io("write to", path, errno: code)
        }
        size += UInt64(chunk.count)
    }

    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }
}

/// One stream file being read, chunk by chunk, at explicit offsets.
final class ChunkFileReader {
    let path: String
    private let fd: Int32

    enum Outcome {
        case chunk(ChunkHeader, raw: [UInt8], next: UInt64)
        /// Nothing at all at that offset.
        case endOfFile
        /// A header or frame that stops at the end of the file: where a killed recorder stopped.
        case cutShort
    }

    enum HeaderOutcome {
        case header(ChunkHeader)
        case endOfFile
        case cutShort
    }

    /// Reads the open file `fd` (which it closes when done).
    init(fd: Int32, path: String) {
        self.path = path
        self.fd = fd
    }

    deinit { _ = Glibc.close(fd) }

    func size() throws -> UInt64 {
        try Posix.fileSize(fd, path: path)
    }

    private func damaged(_ offset: UInt64, _ error: DecodeError) -> TraceError {
        TraceError.damaged(path, at: offset, error.message)
    }

    /// Reads and checks the header of the chunk at `offset`.
    func header(at offset: UInt64) throws -> HeaderOutcome {
        let bytes = try Posix.read(fd, count: ChunkHeader.size, at: offset, path: path)
        if bytes.isEmpty { return .endOfFile }
        if bytes.count < ChunkHeader.size {
            if let why = ChunkHeader.notAPrefix(bytes) {
                throw TraceError.damaged(path, at: offset, "\(bytes.count) bytes after the last chunk are not "
                                         + "the start of one (\(why))")
            }
            return .cutShort
        }
        do {
            return .header(try ChunkHeader.parse(bytes))
        } catch let e as DecodeError {
            throw damaged(offset, e)
        }
    }

    /// Reads, checks and decompresses the chunk at `offset`.
    func read(at offset: UInt64) throws -> Outcome {
        let header: ChunkHeader
        switch try self.header(at: offset) {
        case .endOfFile: return .endOfFile
        case .cutShort: return .cutShort
        case .header(let h): header = h
        }
        let frameStart = offset + UInt64(ChunkHeader.size)
        let next = frameStart + UInt64(header.compressedLength)
        // Check the size before allocating for the frame.
        if try size() < next { return .cutShort }
        let frame = try Posix.read(fd, count: Int(header.compressedLength), at: frameStart, path: path)
        if frame.count < Int(header.compressedLength) { return .cutShort }
        let computed = CRC32.checksum(frame)
        guard computed == header.checksum else {
            throw TraceError.damaged(path, at: offset,
                                     "the chunk's checksum does not match its bytes (stored "
                                     + "\(hex32(header.checksum)), computed \(hex32(computed)))")
        }
        switch Zstd.decompress(frame, length: Int(header.rawLength)) {
        case .success(let raw): return .chunk(header, raw: raw, next: next)
        case .failure(let why): throw TraceError.damaged(path, at: offset, why.message)
        }
    }
}
