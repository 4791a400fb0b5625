// TraceReader: opens a trace directory, validates its header and reads its events in order.
//
// Reading stops quietly (`end == .truncated`) where the recording was cut: a partial chunk at
// the end of either stream, a missing end marker, or event records pointing past the end of the
// data stream. Anything that is present but wrong is damage and throws a TraceError that names
// the file and offset. Every file is opened inside the trace without following a link
// (Confinement.swift), and a kept file is compared with its recorded checksum before its path is
// handed out (FileChecksums.swift).
import Glibc

public final class TraceReader {
    /// The trace directory (absolute).
    public let directory: String
    public let header: TraceHeader
    /// How the recording ended; known once next() has returned nil.
    public private(set) var end: TraceEnd?
    public private(set) var eventsRead = 0

    private let events: ChunkFileReader
    private let data: DataStreamReader
    /// The decoded content of the current events chunk.
    private var chunk = ByteReader([])
    /// File offsets of the current events chunk and of the next one.
    private var chunkOffset: UInt64 = 0
    private var nextChunkOffset: UInt64 = 0
    /// Once reading has failed, it keeps failing the same way.
    private var failure: TraceError?

    /// Opens and validates the directory: header magic, checksum, format version, JSON, and the
    /// presence of both streams.
    public init(directory: String) throws {
        let dir = Posix.absolute(directory)
        self.directory = dir
        header = try TraceReader.readHeader(directory: dir)
        func open(_ name: String) throws -> ChunkFileReader {
            ChunkFileReader(fd: try Confinement.openForReading(name, directory: dir), path: dir + "/" + name)
        }
        events = try open(TraceFormat.eventsFile)
        data = DataStreamReader(file: try open(TraceFormat.dataFile))
    }

    // MARK: kept files

    /// The checksums of the kept files, read on first use; nil in traces that predate them.
    private var checksums: [String: FileChecksum]??
    /// Kept files found intact so far (each is read and checksummed once per reader).
    private var verified: Set<String> = []

    /// Absolute path of a file kept in the trace, once it is known to be a regular file inside
    /// the trace (no link leads elsewhere) whose bytes match the checksum recorded when it was
    /// kept. Replay calls this before it maps or runs the file.
    public func path(of file: MappedFile) throws -> String {
        try verifyKeptFile(file.traceName, originalPath: file.originalPath)
        return directory + "/" + file.traceName
    }

    /// The same for a trace name ("files/3-libc.so.6").
    public func path(ofKept traceName: String) throws -> String {
        try verifyKeptFile(traceName, originalPath: nil)
        return directory + "/" + traceName
    }

    /// The recorded checksum of every kept file by trace name; nil when the trace has none.
    public func keptFileChecksums() throws -> [String: FileChecksum]? {
        if let loaded = checksums { return loaded }
        let loaded = header.fileChecksums ? try FileChecksums.read(directory: directory) : nil
        checksums = .some(loaded)
        return loaded
    }

    func verifyKeptFile(_ traceName: String, originalPath: String?) throws {
        if verified.contains(traceName) { return }
        guard Confinement.keptFileName(traceName) != nil else {
            throw TraceError.leavesTrace(directory, traceName, "is not a name inside files/")
        }
        let fd = try Confinement.openForReading(traceName, directory: directory)
        defer { close(fd) }
        if let sums = try keptFileChecksums() {
            let what = originalPath.map { "the trace's copy of \($0) ('\(traceName)')" } ?? "the trace's file '\(traceName)'"
            guard let recorded = sums[traceName] else {
                throw TraceError(.damaged, path: directory + "/" + traceName,
                                 "\(what) has no checksum in '\(directory)/\(TraceFormat.checksumsFile)'")
            }
            let found = try FileChecksum.of(fd, path: directory + "/" + traceName)
            if let difference = found.difference(from: recorded) {
                throw TraceError(.damaged, path: directory + "/" + traceName, "\(what) is damaged: \(difference)")
            }
        }
        verified.insert(traceName)
    }

    static func readHeader(directory dir: String) throws -> TraceHeader {
        switch Posix.status(dir) {
        case .failure(let e) where e.code == ENOENT || e.code == ENOTDIR:
            throw TraceError.notATrace(dir, "no such directory")
        case .failure(let e):
            throw TraceError.io("open the trace directory", dir, errno: e.code)
        case .success(let st) where (st.st_mode & S_IFMT) != S_IFDIR:
            throw TraceError.notATrace(dir, "it is a file, not a directory")
        case .success:
            break
        }
        let path = dir + "/" + TraceFormat.headerFile
        let fd: Int32
        do {
            fd = try Confinement.openForReading(TraceFormat.headerFile, directory: dir)
        } catch let e as TraceError where e.kind == .missingFile {
            let names = (try? Posix.directoryEntries(dir).get()) ?? []
            if names.isEmpty { throw TraceError.notATrace(dir, "the directory is empty") }
            if names.contains(TraceFormat.eventsFile) || names.contains(TraceFormat.dataFile) {
                throw e
            }
            throw TraceError.foreign(dir, "it has no 'header' file")
        }
        defer { close(fd) }
        let size = try Posix.fileSize(fd, path: path)
        // Read a little past the limit so an oversized file is recognisable as such.
        let bytes = try Posix.read(fd, count: Int(min(size, UInt64(TraceFormat.maxHeaderLength + 1))),
                                   at: 0, path: path)
        if bytes.count > TraceFormat.maxHeaderLength && Array(bytes.prefix(8)) == HeaderCodec.magic {
            throw TraceError.damaged(path, at: 12, "the header is larger than \(TraceFormat.maxHeaderLength) bytes")
        }
        return try HeaderCodec.decode(bytes, path: path, directory: dir)
    }

    /// The next event, or nil at the end of what was recorded (then `end` is set).
    public func next() throws -> Event? {
        if let failure { throw failure }
        if end != nil { return nil }
        do {
            return try readNext()
        } catch let error as TraceError {
            failure = error
            throw error
        }
    }

    /// Where reading stands, to come back to (replay checkpoints). The decoded chunk is part of
    /// it, so coming back decompresses nothing; the data stream is read by offset and needs
    /// nothing.
    public struct Mark {
        fileprivate let chunk: ByteReader
        fileprivate let chunkOffset: UInt64
        fileprivate let nextChunkOffset: UInt64
        fileprivate let eventsRead: Int
        fileprivate let end: TraceEnd?
    }

    public func mark() -> Mark {
        Mark(chunk: chunk, chunkOffset: chunkOffset, nextChunkOffset: nextChunkOffset, eventsRead: eventsRead, end: end)
    }

    /// Reads on from `m` (a mark of this reader): the events after it come again.
    public func rewind(to m: Mark) {
        chunk = m.chunk
        chunkOffset = m.chunkOffset
        nextChunkOffset = m.nextChunkOffset
        eventsRead = m.eventsRead
        end = m.end
        failure = nil
    }

    private func damaged(_ what: String) -> TraceError {
        TraceError.damaged(events.path, at: chunkOffset, what)
    }

    private func readNext() throws -> Event? {
        while true {
            if !chunk.isAtEnd {
                do {
                    let event = try EventCodec.decode(&chunk) { try self.data.read(offset: $0, length: $1) }
                    eventsRead += 1
                    return event
                } catch let e as DecodeError {
                    throw damaged("event \(eventsRead) (at byte \(e.position) of the chunk's content) "
                                  + "does not decode: \(e.message)")
                } catch is DataCutShort {
                    end = .truncated
                    return nil
                }
            }
            switch try events.read(at: nextChunkOffset) {
            case .endOfFile, .cutShort:
                // Cut where a recorder was killed: the data stream may end in a partial chunk
                // too, but in nothing else.
                try data.followToEnd()
                end = .truncated
                return nil
            case .chunk(let header, let raw, let next):
                chunkOffset = nextChunkOffset
                nextChunkOffset = next
                switch header.kind {
                case .events:
                    guard header.first == UInt64(eventsRead) else {
                        throw damaged("the chunk starts at event \(header.first) but \(eventsRead) events precede it")
                    }
                    chunk = ByteReader(raw)
                case .end:
                    end = try readEndMarker(header, raw)
                    return nil
                case .data, .fileChecksum:
                    throw damaged("a \(header.kind) chunk in the events stream")
                }
            }
        }
    }

    private func readEndMarker(_ header: ChunkHeader, _ raw: [UInt8]) throws -> TraceEnd {
        let marker: (end: TraceEnd, eventCount: UInt64, dataLength: UInt64)
        do {
            marker = try EventCodec.decodeEnd(raw)
        } catch let e as DecodeError {
            throw damaged("the end marker does not decode: \(e.message)")
        }
        guard marker.eventCount == UInt64(eventsRead), header.first == marker.eventCount else {
            throw damaged("the end marker counts \(marker.eventCount) events but \(eventsRead) were read")
        }
        let size = try events.size()
        if size > nextChunkOffset {
            throw TraceError.damaged(events.path, at: nextChunkOffset,
                                     "\(size - nextChunkOffset) unexpected bytes follow the end marker")
        }
        try data.checkComplete(length: marker.dataLength)
        return marker.end
    }

    /// How the recording ended and how many events it has, from the end marker alone (chunk
    /// headers are followed without decompressing events). nil when there is no intact marker.
    func quickEnd() -> (end: TraceEnd, eventCount: Int)? {
        var offset: UInt64 = 0
        while true {
            guard case .header(let header)? = try? events.header(at: offset) else { return nil }
            if header.kind == .end {
                guard case .chunk(_, let raw, _)? = try? events.read(at: offset),
                      let marker = try? EventCodec.decodeEnd(raw),
                      let count = Int(exactly: marker.eventCount) else { return nil }
                return (marker.end, count)
            }
            offset += UInt64(ChunkHeader.size) + UInt64(header.compressedLength)
        }
    }
}

/// Random access to the data stream by stream offset. Chunks are found by following the
/// stream from its start (each one's `first` must continue the previous), remembered in an
/// index, and the latest one is kept decompressed.
final class DataStreamReader {
    private let file: ChunkFileReader
    private struct Entry {
        var fileOffset: UInt64
        var start: UInt64
        var length: UInt64
    }
    private var index: [Entry] = []
    private var nextFileOffset: UInt64 = 0
    private var nextStart: UInt64 = 0
    private var cached: (start: UInt64, bytes: [UInt8]) = (0, [])

    init(file: ChunkFileReader) {
        self.file = file
    }

    /// `length` bytes at `offset`; throws DataCutShort when the stream ends before them.
    func read(offset: UInt64, length: UInt64) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Int(min(length, UInt64(TraceFormat.maxChunkLength))))
        var position = offset
        let endPosition = offset &+ length  // overflow excluded by the caller
        while position < endPosition {
            let c = try chunk(containing: position)
            let from = Int(position - c.start)
            let n = Int(min(UInt64(c.bytes.count - from), endPosition - position))
            out.append(contentsOf: c.bytes[from..<from + n])
            position += UInt64(n)
        }
        return out
    }

    /// Where the chunks not followed yet end: follows them to the end of the file (headers only,
    /// unless `decompress`, which also checks every frame), adding them to the index. Returns
    /// the file offset after the last complete chunk; a partial chunk after it is a cut, other
    /// bytes damage (ChunkFileReader).
    @discardableResult
    func followToEnd(decompress: Bool = false) throws -> UInt64 {
        while true {
            let header: ChunkHeader
            let next: UInt64
            if decompress {
                guard case .chunk(let h, _, let n) = try file.read(at: nextFileOffset) else { return nextFileOffset }
                (header, next) = (h, n)
            } else {
                guard case .header(let h) = try file.header(at: nextFileOffset) else { return nextFileOffset }
                next = nextFileOffset + UInt64(ChunkHeader.size) + UInt64(h.compressedLength)
                if try file.size() < next { return nextFileOffset }
                header = h
            }
            try append(header, at: nextFileOffset, next: next)
        }
    }

    /// Checks that a trace whose end marker says the data stream holds `length` bytes has exactly
    /// those, in complete chunks, and nothing after them: the marker is written after every
    /// chunk, so in a complete trace any byte after them is damage, whatever it looks like.
    func checkComplete(length: UInt64) throws {
        let size = try file.size()
        while nextStart < length, case .header(let h) = try file.header(at: nextFileOffset) {
            let next = nextFileOffset + UInt64(ChunkHeader.size) + UInt64(h.compressedLength)
            if size < next { break }
            try append(h, at: nextFileOffset, next: next)
        }
        if nextStart != length {
            throw TraceError.damaged(file.path, at: nextFileOffset, "the data stream holds \(nextStart) bytes in "
                                     + "complete chunks, but the end marker says \(length)")
        }
        if size > nextFileOffset {
            throw TraceError.damaged(file.path, at: nextFileOffset, "\(size - nextFileOffset) unexpected bytes follow "
                                     + "the last chunk (the end marker says the data stream ends there)")
        }
    }

    /// Bytes of the data stream found so far.
    var knownLength: UInt64 { nextStart }

    private func append(_ header: ChunkHeader, at offset: UInt64, next: UInt64) throws {
        guard header.kind == .data else {
            throw TraceError.damaged(file.path, at: offset, "a \(header.kind) chunk in the data stream")
        }
        guard header.first == nextStart else {
            throw TraceError.damaged(file.path, at: offset,
                                     "the chunk starts at data offset \(header.first) but \(nextStart) bytes precede it")
        }
        index.append(Entry(fileOffset: offset, start: nextStart, length: UInt64(header.rawLength)))
        nextFileOffset = next
        nextStart += UInt64(header.rawLength)
    }

    private func contains(_ start: UInt64, _ count: Int, _ position: UInt64) -> Bool {
        position >= start && position - start < UInt64(count)
    }

    private func chunk(containing position: UInt64) throws -> (start: UInt64, bytes: [UInt8]) {
        if contains(cached.start, cached.bytes.count, position) { return cached }
        if position < nextStart {
            // Seen before: find it in the index.
            var lo = 0, hi = index.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if index[mid].start + index[mid].length <= position { lo = mid + 1 } else { hi = mid }
            }
            if lo < index.count, case .chunk(_, let raw, _) = try file.read(at: index[lo].fileOffset) {
                cached = (index[lo].start, raw)
                if contains(cached.start, cached.bytes.count, position) { return cached }
            }
            throw TraceError.damaged(file.path, at: 0, "the data stream changed while it was being read")
        }
        while true {
            switch try file.read(at: nextFileOffset) {
            case .endOfFile, .cutShort:
                throw DataCutShort()
            case .chunk(let header, let raw, let next):
                try append(header, at: nextFileOffset, next: next)
                cached = (header.first, raw)
                if contains(cached.start, cached.bytes.count, position) { return cached }
            }
        }
    }
}
