// The `checksums` file: the size and CRC-32 of every file the trace keeps in `files/` (mapped
// libraries, data files, executables, SysV segments), so that a damaged copy is found before
// replay maps or runs it. Measured before this existed: 64 flipped bytes inside a kept library
// replayed with status 0 and no message.
//
// The file is a chunk stream like `events` (Chunk.swift): one chunk of kind 4 per kept file, its
// `first` the record's index, written with a single write() on the writer's pipeline thread
// (TraceWriter.addFile queues it), before any events chunk that can name the file. A recorder
// killed mid-write leaves at most a partial last chunk, naming a file no complete event refers
// to. A record's raw content:
//
//     string  the trace name ("files/3-libc.so.6")
//     varint  the file's size in bytes
//     u32     CRC-32 of its bytes
//
// Traces written before checksums lack the file and the header's `fileChecksums`: their copies
// replay unchecked (but still confined to the trace, Confinement.swift).
import Glibc

/// A kept file's size and CRC-32.
public struct FileChecksum: Equatable, Sendable, CustomStringConvertible {
    public var size: UInt64
    public var crc32: UInt32

    public init(size: UInt64, crc32: UInt32) {
        self.size = size
        self.crc32 = crc32
    }

    public var description: String { "\(size) bytes, CRC-32 \(hex32(crc32))" }

    /// How a file with this checksum differs from the `recorded` one, or nil when it does not.
    func difference(from recorded: FileChecksum) -> String? {
        if size != recorded.size { return "it has \(size) bytes where the recording kept \(recorded.size)" }
        if crc32 != recorded.crc32 {
            return "its CRC-32 is \(hex32(crc32)) where the recording's was \(hex32(recorded.crc32))"
        }
        return nil
    }

    /// Reads the open file `fd` from its start to its end.
    static func of(_ fd: Int32, path: String) throws -> FileChecksum {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TraceError.io("examine", path, errno: errno) }
        let end = max(0, st.st_size)
        var buffer = [UInt8](repeating: 0, count: FileCopy.blockSize(end))
        var crc: UInt32 = 0
        var position: off_t = 0
        // Holes read as zeros: their CRC is computed from their length, not read.
        while position < end {
            let extent: (off_t, off_t)?
            switch FileExtents.nextData(fd, from: position, end: end) {
            case .success(let e): extent = e
            case .failure(let e): throw TraceError.io("find the data of", path, errno: e.code)
            }
            let (dataStart, dataEnd) = extent ?? (end, end)
            crc = CRC32.updateZeros(crc, count: UInt64(dataStart - position))
            position = dataStart
            while position < dataEnd {
                let want = Int(min(off_t(buffer.count), dataEnd - position))
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, position) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TraceError.io("read", path, errno: errno)
                }
                if n == 0 { return FileChecksum(size: UInt64(position), crc32: crc) }   // it shrank
                crc = buffer.withUnsafeBytes { CRC32.update(crc, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                position += off_t(n)
            }
        }
        return FileChecksum(size: UInt64(position), crc32: crc)
    }
}

enum FileChecksums {
    static func encode(traceName: String, _ sum: FileChecksum) -> [UInt8] {
        var w = ByteWriter(capacity: traceName.utf8.count + 16)
        w.string(traceName)
        w.varint(sum.size)
        w.u32(sum.crc32)
        return w.bytes
    }

    static func decode(_ raw: [UInt8]) throws -> (traceName: String, sum: FileChecksum) {
        var r = ByteReader(raw)
        let name = try r.string()
        let size = try r.varint()
        let crc = try r.u32()
        guard r.isAtEnd else { throw r.failure("the checksum record has \(r.remaining) extra bytes") }
        return (name, FileChecksum(size: size, crc32: crc))
    }

    /// Every complete record of the `checksums` file of `directory`, by trace name. A partial
    /// chunk at the end is where a recorder was killed; anything else wrong is damage.
    static func read(directory: String) throws -> [String: FileChecksum] {
        let fd = try Confinement.openForReading(TraceFormat.checksumsFile, directory: directory)
        let file = ChunkFileReader(fd: fd, path: directory + "/" + TraceFormat.checksumsFile)
        var sums: [String: FileChecksum] = [:]
        var offset: UInt64 = 0
        while case .chunk(let header, let raw, let next) = try file.read(at: offset) {
            func damaged(_ what: String) -> TraceError { TraceError.damaged(file.path, at: offset, what) }
            guard header.kind == .fileChecksum else { throw damaged("a \(header.kind) chunk in the checksums file") }
            guard header.first == UInt64(sums.count) else {
                throw damaged("the record is numbered \(header.first) but \(sums.count) precede it")
            }
            let record: (traceName: String, sum: FileChecksum)
            do {
                record = try decode(raw)
            } catch let e as DecodeError {
                throw damaged("checksum record \(sums.count) does not decode: \(e.message)")
            }
            guard Confinement.keptFileName(record.traceName) != nil else {
                throw damaged("checksum record \(sums.count) names '\(record.traceName)', not a file inside files/")
            }
            guard sums.updateValue(record.sum, forKey: record.traceName) == nil else {
                throw damaged("'\(record.traceName)' has two checksum records")
            }
            offset = next
        }
        return sums
    }
}
