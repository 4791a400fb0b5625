// TraceWriter: creates a trace directory and appends events to it as they are recorded.
//
// Events are encoded into an in-memory events buffer; their memory bytes into a data buffer.
// The buffers become chunks (ChunkEncoder) that are appended with one write() each
// (ChunkAppender), always data before events, so that every complete events chunk on disk only
// references data already on disk. Compression and the writes happen on a background thread
// (ChunkPipeline) in that same order; flush() and finish() wait for them. Chunks are completed
// when the events buffer reaches 256 KiB,
// when 1 MiB of data was stored since the last flush (data chunks never exceed 1 MiB: large
// writes are split, and full data chunks are written at once), or 200 ms after the previous
// flush (checked on append), and on flush()/finish().
//
// Nothing is fsynced. What a killed recording needs (it replays up to its last complete chunk)
// is that each chunk reaches its file with one write(): once write() returns, the bytes are in
// the kernel's page cache, which the recorder's death (SIGKILL included) does not touch, and every
// reader sees them. fsync adds only surviving a crash of the machine itself, as for any file the
// recorded program wrote, and it cost a recording more than the rest of a short program's
// overhead: measured on this VM (ext4, other builds running), `swrr record` of python3 made 6
// fsyncs taking 40 ms of its 0.35 s under strace (the header's 26 ms before the program started,
// the preload library's copy 4 ms, the end's 10 ms).
import Glibc

public final class TraceWriter {
    static let eventChunkTarget = 256 << 10
    static let dataChunkTarget = 1 << 20
    static let flushInterval: UInt64 = 200_000_000  // ns

    /// The trace directory (absolute).
    public let directory: String
    public private(set) var eventCount = 0

    private let events: ChunkAppender
    private let data: ChunkAppender
    /// One chunk per kept file (FileChecksums.swift), written as the file is kept.
    private let checksums: ChunkAppender
    private let pipeline = ChunkPipeline()
    private var eventBuffer = ByteWriter(capacity: TraceWriter.eventChunkTarget + (16 << 10))
    /// Index of the first event in eventBuffer.
    private var eventBufferFirst = 0
    private var dataBuffer = ByteWriter(capacity: TraceWriter.dataChunkTarget)
    /// Data-stream offset of the first byte in dataBuffer.
    private var dataBufferStart: UInt64 = 0
    private var lastFlush = Posix.monotonicNanoseconds()
    /// Data-stream length at the last flush.
    private var dataAtLastFlush: UInt64 = 0

    private enum State {
        case open
        case finished
        /// A write failed: the files end with whole chunks, nothing more can be added.
        case failed(TraceError)
    }
    private var state = State.open

    /// A mapped file as identified by the filesystem, for deduplication.
    private struct FileIdentity: Hashable {
        var device: UInt64, inode: UInt64, size: Int64, mtimeSeconds: Int, mtimeNanoseconds: Int
    }
    private var keptFiles: [FileIdentity: MappedFile] = [:]
    private var nextFileNumber = 0
    private let device: UInt64

    /// Creates `directory` (mode 0700, and any missing parents likewise; it must not exist yet),
    /// writes the header (its formatVersion as given, `fileChecksums` set: this writer keeps
    /// them) and opens the streams.
    public init(directory: String, header given: TraceHeader) throws {
        var header = given
        header.fileChecksums = true
        let dir = Posix.absolute(directory)
        self.directory = dir
        if Posix.exists(dir) { throw TraceError.alreadyExists(dir) }
        try Posix.makeDirectories(Posix.dirname(dir))
        if mkdir(dir, 0o700) != 0 {
            let code = errno
            if code == EEXIST { throw TraceError.alreadyExists(dir) }
            throw TraceError.io("create the trace directory", dir, errno: code)
        }
        do {
            try TraceWriter.writeHeader(header, to: dir + "/" + TraceFormat.headerFile)
            let files = dir + "/" + TraceFormat.filesDirectory
            if mkdir(files, 0o700) != 0 { throw TraceError.io("create the directory", files, errno: errno) }
            events = try ChunkAppender(path: dir + "/" + TraceFormat.eventsFile)
            data = try ChunkAppender(path: dir + "/" + TraceFormat.dataFile)
            checksums = try ChunkAppender(path: dir + "/" + TraceFormat.checksumsFile)
            switch Posix.status(dir) {
            case .success(let st): device = UInt64(st.st_dev)
            case .failure(let e): throw TraceError.io("examine", dir, errno: e.code)
            }
        } catch {
            TraceWriter.removeTree(dir)
            throw error
        }
    }

    deinit {
        if case .open = state {
            // Dropped without finish(): keep what was recorded; the trace reads as truncated.
            try? flush()
        }
        try? pipeline.drain()
        events.close()
        data.close()
        checksums.close()
    }

    private static func writeHeader(_ header: TraceHeader, to path: String) throws {
        let bytes = try HeaderCodec.encode(header)
        let fd: Int32
        switch Posix.openFile(path, O_WRONLY | O_CREAT | O_EXCL) {
        case .success(let f): fd = f
        case .failure(let e): throw TraceError.io("create", path, errno: e.code)
        }
        defer { close(fd) }
        let code = bytes.withUnsafeBytes { Posix.writeAll(fd, $0) }
        if code != 0 { throw TraceError.io("write to", path, errno: code) }
    }

    /// Best-effort removal of a directory this writer created and failed to set up.
    private static func removeTree(_ path: String) {
        if case .success(let names) = Posix.directoryEntries(path) {
            for name in names {
                let p = path + "/" + name
                if Posix.isDirectory(p) { removeTree(p) } else { unlink(p) }
            }
        }
        rmdir(path)
    }

    private func checkOpen(_ operation: String) throws {
        switch state {
        case .open: return
        case .finished:
            throw TraceError(.invalidUse, path: directory,
                             "cannot \(operation) the trace '\(directory)': it is already finished")
        case .failed(let error): throw error
        }
    }

    /// Runs a step that writes to the files; an I/O failure closes the writer for good.
    private func writing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TraceError where error.kind == .io {
            state = .failed(error)
            throw error
        }
    }

    // MARK: events

    /// Appends the next event.
    public func append(_ event: Event) throws {
        try checkOpen("append to")
        try writing {
            var record = ByteWriter(capacity: 256)
            try EventCodec.encode(event, into: &record) { try self.storeData($0) }
            if eventBuffer.count + record.count > TraceFormat.maxChunkLength {
                try flushBuffers()
            }
            guard record.count <= TraceFormat.maxChunkLength else {
                throw TraceError(.invalidUse, path: directory,
                                 "an event record of \(record.count) bytes exceeds the chunk limit")
            }
            eventBuffer.append(record.bytes)
            eventCount += 1
            if eventBuffer.count >= TraceWriter.eventChunkTarget
                || dataLength - dataAtLastFlush >= UInt64(TraceWriter.dataChunkTarget)
                || Posix.monotonicNanoseconds() &- lastFlush >= TraceWriter.flushInterval {
                try flushBuffers()
            }
        }
    }

    /// Puts memory bytes into the data stream (completing data chunks as they fill) and returns
    /// their offset in it.
    private func storeData(_ bytes: [UInt8]) throws -> UInt64 {
        let offset = dataLength
        var done = 0
        while done < bytes.count {
            let n = min(bytes.count - done, TraceWriter.dataChunkTarget - dataBuffer.count)
            dataBuffer.append(bytes[done..<done + n])
            done += n
            if dataBuffer.count >= TraceWriter.dataChunkTarget { try writeDataChunk() }
        }
        return offset
    }

    private func writeDataChunk() throws {
        guard dataBuffer.count > 0 else { return }
        try pipeline.submit(kind: .data, first: dataBufferStart, raw: dataBuffer.bytes, to: data)
        dataBufferStart += UInt64(dataBuffer.count)
        dataBuffer.removeAll()
    }

    private func writeEventsChunk() throws {
        guard eventBuffer.count > 0 else { return }
        try pipeline.submit(kind: .events, first: UInt64(eventBufferFirst), raw: eventBuffer.bytes, to: events)
        eventBufferFirst = eventCount
        eventBuffer.removeAll()
    }

    private func flushBuffers() throws {
        try writeDataChunk()
        try writeEventsChunk()
        lastFlush = Posix.monotonicNanoseconds()
        dataAtLastFlush = dataLength
    }

    /// Bytes stored in the data stream so far (written or buffered).
    private var dataLength: UInt64 { dataBufferStart + UInt64(dataBuffer.count) }

    /// Completes the current chunks now (data first, then events) and waits until every chunk
    /// is written. Does not fsync.
    public func flush() throws {
        try checkOpen("flush")
        try writing {
            try flushBuffers()
            try pipeline.drain()
        }
    }

    /// Waits until the chunks completed so far (by the size and time rules) are written.
    public func waitForWrites() throws {
        try checkOpen("wait for")
        try writing { try pipeline.drain() }
    }

    /// Flushes, writes the end marker (`.complete` or `.aborted`, with the event count) and
    /// closes (no fsync: see the top of this file). `.truncated` writes no marker: the trace then
    /// reads as truncated.
    public func finish(_ end: TraceEnd) throws {
        try checkOpen("finish")
        if case .complete(let status) = end, let why = EventCodec.exitStatusProblem(status) {
            throw TraceError(.invalidUse, path: directory, "cannot end the trace with wait status \(status): \(why)")
        }
        try writing {
            try flushBuffers()
            try pipeline.drain()
            if let payload = EventCodec.encodeEnd(end, eventCount: eventCount, dataLength: dataLength) {
                try events.append(try ChunkEncoder.encode(kind: .end, first: UInt64(eventCount), raw: payload))
            }
        }
        events.close()
        data.close()
        checksums.close()
        state = .finished
    }

    // MARK: mapped files

    /// Keeps a file the program mapped in `files/`: a hard link for system files and files not
    /// modified for an hour on the same filesystem (they are replaced rather than modified in
    /// place; see `isStable`), otherwise a copy (a reflink where the filesystem can). The same
    /// file (device, inode, size, mtime) is kept once. Its checksum, computed from what was kept,
    /// reaches the disk before any events chunk appended after this call (flush() and finish()
    /// wait for it). `name` is the program's name for the file when `path` is a /proc link that
    /// opens it (/proc/TID/fd/N, exe, map_files: a memfd, a deleted file, a file of another mount
    /// namespace): the copy is named after it, and `swrr dump` and messages show it.
    /// `copy`: never a hard link, because the program may change the file through the descriptor
    /// it mapped (a link would be the live file, changing the trace with it).
    public func addFile(path: String, name: String? = nil, copy: Bool = false) throws -> MappedFile {
        try checkOpen("add a file to")
        let st: stat
        switch Posix.status(path) {
        case .success(let s): st = s
        case .failure(let e): throw TraceError.io("keep in the trace the file", path, errno: e.code)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw TraceError(.invalidUse, path: path, "cannot keep '\(path)' in the trace: it is not a regular file")
        }
        let identity = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                                    mtimeSeconds: st.st_mtim.tv_sec, mtimeNanoseconds: st.st_mtim.tv_nsec)
        if let kept = keptFiles[identity], !(copy && isLink(kept)) { return kept }

        var base = Posix.basename(name ?? path)
        if base.isEmpty { base = "file" }
        let traceName = TraceFormat.filesDirectory + "/\(nextFileNumber)-\(base)"
        let destination = directory + "/" + traceName
        // A /proc link (/proc/TID/fd/N, exe, map_files) resolves to the program's name for the
        // file, which in another mount namespace may name another file here: link only the very
        // file (measured: a file bind-mounted over another in the program's mount namespace had
        // the other one linked into the trace, and the replay mapped its bytes).
        let real = TraceWriter.realPath(path).flatMap { TraceWriter.isFile($0, st) ? $0 : nil } ?? path
        // A set-user-ID or set-group-ID program is copied without those bits, never linked: replay
        // executes the trace's copy, and its exec of a set-ID file turned address randomization
        // back on where the recorded one had not (measured, recording and replaying as root:
        // set-user-ID root /usr/bin/mount recorded at 0x555555554000, replayed at 0x55e223eca000;
        // the same run in a user namespace, where root is unmapped and the bit does nothing).
        // A trace then holds no set-ID program either.
        let setID = st.st_mode & (S_ISUID | S_ISGID) != 0
        let linked = !copy && !setID && UInt64(st.st_dev) == device && TraceWriter.isStable(real, modified: st.st_mtim.tv_sec)
            && link(real, destination) == 0
        if !linked {
            try FileCopy.copy(from: path, to: destination, mode: st.st_mode & ~(S_ISUID | S_ISGID), durable: false)
        }
        // Read back and checksummed on the pipeline's thread, in order before any chunk of the
        // events that name the file. Measured on swift-frontend --version (29 files, 247 MB,
        // hard links): recorded in 0.11-0.19 s without checksums, 0.26-0.39 s checksummed here,
        // 0.22-0.29 s on the pipeline's thread (finish() waits for it; longer recordings overlap).
        let number = UInt64(nextFileNumber), checksums = self.checksums, directory = self.directory
        try writing { try pipeline.submit { try TraceWriter.keepChecksum(of: traceName, number: number, in: directory, to: checksums) } }

        let file = MappedFile(traceName: traceName, originalPath: name ?? path)
        nextFileNumber += 1
        keptFiles[identity] = file
        return file
    }

    /// Whether `file` was kept as a hard link (the file itself, not a copy).
    private func isLink(_ file: MappedFile) -> Bool {
        if case .success(let st) = Posix.status(directory + "/" + file.traceName) { return st.st_nlink > 1 }
        return false
    }

    /// Appends the checksum record, numbered `number`, of the kept file `traceName`.
    private static func keepChecksum(of traceName: String, number: UInt64, in directory: String,
                                     to checksums: ChunkAppender) throws {
        let path = directory + "/" + traceName
        let fd: Int32
        switch Posix.openFile(path, O_RDONLY | O_NOFOLLOW) {
        case .success(let f): fd = f
        case .failure(let e): throw TraceError.io("open", path, errno: e.code)
        }
        defer { close(fd) }
        let sum = try FileChecksum.of(fd, path: path)
        try checksums.append(try ChunkEncoder.encode(kind: .fileChecksum, first: number,
                                                     raw: FileChecksums.encode(traceName: traceName, sum)))
    }

    static let systemPrefixes = ["/usr", "/lib", "/lib64", "/bin", "/sbin", "/opt"]

    /// Files not modified for this long are linked wherever they are: toolchains and runtimes
    /// installed in a home directory (rustup's ~/.rustup, pyenv, nvm, sdkman) map libraries of
    /// hundreds of MB (rustc --version maps 370 MB: its recording took 5.1 s copying them, 0.3 s
    /// natively). What changes in place after a recording is what was just built, which is
    /// recent; a file replaced by rename (package managers, most builds) keeps its old contents
    /// under the link.
    static let stableAfterSeconds = 3600

    /// Whether the file at `path` can be kept by a hard link rather than a copy.
    static func isStable(_ path: String, modified: Int) -> Bool {
        if isSystemPath(path) { return true }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec - modified >= stableAfterSeconds
    }

    static func isSystemPath(_ path: String) -> Bool {
        systemPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// Whether `path` names the file `st` describes.
    private static func isFile(_ path: String, _ st: stat) -> Bool {
        guard case .success(let other) = Posix.status(path) else { return false }
        return other.st_dev == st.st_dev && other.st_ino == st.st_ino
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

}
