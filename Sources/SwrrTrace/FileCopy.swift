// Copying a file into (or out of) a trace: one implementation for the writer's copies of
// mapped files, `swrr pack` and replay's private scratch copies. FICLONE shares the blocks where
// the filesystem can (btrfs, xfs); elsewhere (ext4 here) it falls back to reading and writing
// the data, holes kept (`copyData`).
import Glibc

public enum FileCopy {
    static let FICLONE: UInt = 0x4004_9409

    /// A descriptor of `path` opened with `flags`, or the error naming `verb` and the path.
    private static func open(_ path: String, _ flags: Int32, _ verb: String) throws -> Int32 {
        switch Posix.openFile(path, flags) {
        case .success(let fd): return fd
        case .failure(let e): throw TraceError.io(verb, path, errno: e.code)
        }
    }

    /// `durable`: synced before it returns (`swrr pack`, which renames the copy over the link it
    /// replaces). A recording's copies are not (TraceWriter: a killed recorder loses nothing the
    /// page cache holds), nor are replay's scratch copies and their checkpoints, which live only
    /// as long as the replay.
    public static func copy(from source: String, to destination: String, mode: mode_t, durable: Bool) throws {
        let src = try open(source, O_RDONLY, "open")
        defer { close(src) }
        let dst = try open(destination, O_WRONLY | O_CREAT | O_EXCL, "create")
        do {
            try copy(src, source: source, to: dst, destination: destination, mode: mode, durable: durable)
        } catch {
            unlink(destination)
            throw error
        }
    }

    /// Copies the open file `src` (from its current offset) into the new, empty file `dst` and
    /// closes `dst`. The caller removes the destination when this throws.
    static func copy(_ src: Int32, source: String, to dst: Int32, destination: String, mode: mode_t, durable: Bool) throws {
        var failure: TraceError?
        if ioctl(dst, FICLONE, src) != 0 {
            failure = copyData(src, source: source, to: dst, destination: destination)
        }
        // Keep the execute bits: replay may run the kept executable.
        if failure == nil && fchmod(dst, (mode & 0o755) | 0o400) != 0 {
            failure = TraceError.io("set the mode of", destination, errno: errno)
        }
        // Durable before anyone relies on it (pack renames it over the link it replaces).
        if failure == nil && durable && fsync(dst) != 0 {
            failure = TraceError.io("sync", destination, errno: errno)
        }
        close(dst)
        if let failure { throw failure }
    }

    /// Makes the existing file `destination` hold the bytes and size of `source`, in place (the
    /// same inode, so every mapping of it sees the new bytes), at the cost of the two files' data,
    /// not their sizes: each data extent of the destination is made zeros by `zero(fd, offset,
    /// length)` (a punched hole where the filesystem can), then the source's data is written
    /// (`copyData`: its holes and zero blocks are not) and the size set. Measured reason: a
    /// checkpoint of replay's scratch copy of the sparse_map fixture's 10 GiB file read it whole
    /// into memory, and restoring it read the copy again to compare.
    public static func overwrite(_ destination: String, from source: String,
                                 zero: (Int32, UInt64, UInt64) -> Bool) throws {
        let src = try open(source, O_RDONLY, "open")
        defer { close(src) }
        let dst = try open(destination, O_WRONLY, "open")
        defer { close(dst) }
        var st = stat()
        guard fstat(dst, &st) == 0 else { throw TraceError.io("examine", destination, errno: errno) }
        var position: off_t = 0
        while position < st.st_size {
            switch FileExtents.nextData(dst, from: position, end: st.st_size) {
            case .success(let (start, end)?):
                guard zero(dst, UInt64(start), UInt64(end - start)) else {
                    throw TraceError.io("clear", destination, errno: errno)
                }
                position = max(end, position + 1)
            case .success(nil): position = st.st_size
            case .failure(let e): throw TraceError.io("find the data of", destination, errno: e.code)
            }
        }
        if let failure = copyData(src, source: source, to: dst, destination: destination) { throw failure }
    }

    /// Copies the data of `src` from its offset to its end, keeping its holes: only the extents
    /// SEEK_DATA/SEEK_HOLE name as data are read, and of those, 1 MiB blocks that read as zeros
    /// are not written either (the destination reads them back as zeros all the same). Measured
    /// reason: a program mapping a 100 GB sparse file wrote 13 GB of trace before it was stopped.
    /// Before writing anything, the blocks the source occupies must fit in the destination's
    /// free space (statvfs): a copy that cannot fit stops at once with a message saying so,
    /// rather than filling the disk.
    static func copyData(_ src: Int32, source: String, to dst: Int32, destination: String) -> TraceError? {
        var st = stat()
        guard fstat(src, &st) == 0 else { return TraceError.io("examine", source, errno: errno) }
        let start = lseek(src, 0, SEEK_CUR)
        guard start >= 0 else { return TraceError.io("find the offset of", source, errno: errno) }
        let end = max(start, st.st_size)
        if let full = spaceShortage(source: source, blocks: st.st_blocks, destination: destination, dst) { return full }

        // 1 MiB blocks, or one block the size of a smaller file: the two buffers are zero-filled
        // pages, and 2 MiB of them cost 1.5 ms of each recording's copy of the 70 KB preload
        // library (perf, in the page faults of their memset).
        var buffer = [UInt8](repeating: 0, count: blockSize(end - start))
        let zeros = [UInt8](repeating: 0, count: buffer.count)
        var position = start
        while position < end {
            let dataStart: off_t, dataEnd: off_t
            switch FileExtents.nextData(src, from: position, end: end) {
            case .success(let extent?): (dataStart, dataEnd) = extent
            case .success(nil): position = end; continue     // only a hole is left
            case .failure(let e): return TraceError.io("find the data of", source, errno: e.code)
            }
            var at = dataStart
            while at < dataEnd {
                let want = Int(min(Int64(buffer.count), Int64(dataEnd - at)))
                let n = buffer.withUnsafeMutableBytes { pread(src, $0.baseAddress, want, at) }
                if n < 0 {
                    if errno == EINTR { continue }
                    return TraceError.io("read", source, errno: errno)
                }
                if n == 0 { break }             // the file shrank under the copy
                let isZero = buffer.withUnsafeBytes { b in zeros.withUnsafeBytes { memcmp(b.baseAddress!, $0.baseAddress!, n) == 0 } }
                if !isZero {
                    guard lseek(dst, at - start, SEEK_SET) >= 0 else { return TraceError.io("seek in", destination, errno: errno) }
                    let code = buffer.withUnsafeBytes { Posix.writeAll(dst, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    if code != 0 { return TraceError.io("write to", destination, errno: code) }
                }
                at += off_t(n)
            }
            position = max(dataEnd, position + 1)
        }
        // The size, with the holes at the end (or everywhere, for a file that is all hole).
        if ftruncate(dst, end - start) != 0 { return TraceError.io("set the size of", destination, errno: errno) }
        return nil
    }

    /// The read buffer for `length` bytes: 1 MiB, less for a smaller file (at least a page).
    static func blockSize(_ length: off_t) -> Int {
        Int(min(off_t(1 << 20), max(off_t(4096), length)))
    }

    /// Why the `blocks` (of 512 bytes) that `source` occupies cannot be copied to the file
    /// system of `dst`, or nil when they fit in its free space (what an unprivileged writer may
    /// use: f_bavail).
    static func spaceShortage(source: String, blocks: blkcnt_t, destination: String, _ dst: Int32) -> TraceError? {
        var fs = statvfs()
        guard fstatvfs(dst, &fs) == 0 else { return nil }   // cannot tell: let the writes say
        let needed = UInt64(max(0, blocks)).multipliedReportingOverflow(by: 512)
        let free = UInt64(fs.f_bavail).multipliedReportingOverflow(by: UInt64(fs.f_frsize))
        guard !needed.overflow, !free.overflow, needed.partialValue > free.partialValue else { return nil }
        let mib = { (v: UInt64) in "\((v + 1_048_575) / 1_048_576) MiB" }
        return TraceError(.io, path: destination,
                          "cannot keep '\(source)' in the trace: its data (\(mib(needed.partialValue))) is more than "
                          + "the \(mib(free.partialValue)) free where the trace is ('\(destination)'); "
                          + "free some space or record to another file system (swrr record -o)")
    }
}
