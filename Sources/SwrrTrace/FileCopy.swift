// Copying a file into (or out of) a trace: one implementation for the writer's copies of
// mapped files, `swrr pack` and replay's private scratch copies. FICLONE shares the blocks where
// the filesystem can (btrfs, xfs); elsewhere (ext4 here) it falls back to read/write.
import Glibc

public enum FileCopy {
    static let FICLONE: UInt = 0x4004_9409

    public static func copy(from source: String, to destination: String, mode: mode_t) throws {
        let src: Int32
        switch Posix.openFile(source, O_RDONLY) {
        case .success(let fd): src = fd
        case .failure(let e): throw TraceError.io("open", source, errno: e.code)
        }
        defer { close(src) }
        let dst: Int32
        switch Posix.openFile(destination, O_WRONLY | O_CREAT | O_EXCL) {
        case .success(let fd): dst = fd
        case .failure(let e): throw TraceError.io("create", destination, errno: e.code)
        }
        do {
            try copy(src, source: source, to: dst, destination: destination, mode: mode)
        } catch {
            unlink(destination)
            throw error
        }
    }

    /// Copies the open file `src` (from its current offset) into the new, empty file `dst` and
    /// closes `dst`. The caller removes the destination when this throws.
    static func copy(_ src: Int32, source: String, to dst: Int32, destination: String, mode: mode_t) throws {
        var failure: TraceError?
        if ioctl(dst, FICLONE, src) != 0 {
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            copying: while true {
                let n = buffer.withUnsafeMutableBytes { read(src, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = TraceError.io("read", source, errno: errno)
                    break copying
                }
                if n == 0 { break }
                let code = buffer.withUnsafeBytes { Posix.writeAll(dst, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                if code != 0 {
                    failure = TraceError.io("write to", destination, errno: code)
                    break
                }
            }
        }
        // Keep the execute bits: replay may run the kept executable.
        if failure == nil && fchmod(dst, (mode & 0o755) | 0o400) != 0 {
            failure = TraceError.io("set the mode of", destination, errno: errno)
        }
        // Durable before anyone relies on it (pack renames it over the link it replaces).
        if failure == nil && fsync(dst) != 0 {
            failure = TraceError.io("sync", destination, errno: errno)
        }
        close(dst)
        if let failure { throw failure }
    }
}
