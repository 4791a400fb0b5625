// Thin POSIX helpers for the trace files: whole reads and writes that retry EINTR and short
// transfers, directories, paths, and a monotonic clock. Failures become TraceError.io.
import Glibc

/// A failed system call's errno, as a Result's failure.
struct Errno: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}

enum Posix {
    static func errorString(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// `stat` of a path (following symlinks), or the errno.
    static func status(_ path: String) -> Result<stat, Errno> {
        var st = stat()
        return stat(path, &st) == 0 ? .success(st) : .failure(Errno(errno))
    }

    static func isDirectory(_ path: String) -> Bool {
        if case .success(let st) = status(path) { return (st.st_mode & S_IFMT) == S_IFDIR }
        return false
    }

    /// Whether anything (even a dangling symlink) is at `path`.
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Creates `path` and any missing parents with `mode`. An existing directory is fine.
    static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 {
                let code = errno
                if code == EEXIST && isDirectory(prefix) { continue }
                throw TraceError.io("create the directory", prefix, errno: code)
            }
        }
    }

    /// `path` made absolute against the current directory, without trailing slashes.
    static func absolute(_ path: String) -> String {
        var p = path
        if !p.hasPrefix("/") {
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let cwd = getcwd(&buf, buf.count) != nil ? String(cString: buf) : "/"
            p = (cwd == "/" ? "" : cwd) + "/" + (p == "." ? "" : p)
        }
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    static func basename(_ path: String) -> String {
        String(path.split(separator: "/", omittingEmptySubsequences: true).last ?? "")
    }

    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    /// The names in a directory (without "." and ".."), or the errno.
    static func directoryEntries(_ path: String) -> Result<[String], Errno> {
        guard let dir = opendir(path) else { return .failure(Errno(errno)) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }

    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) -> Result<Int32, Errno> {
        let fd = open(path, flags | O_CLOEXEC, mode)
        return fd >= 0 ? .success(fd) : .failure(Errno(errno))
    }

    /// Writes all of `bytes`; 0 on success, else the errno. The first write() carries
    /// everything, so a chunk only splits if the kernel itself writes short.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            done += n
        }
        return 0
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    static func read(_ fd: Int32, count: Int, at offset: UInt64, path: String) throws -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buf, filled in
            filled = 0
            while filled < count {
                let n = pread(fd, buf.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { return }
                filled += n
            }
        }
        if failure != 0 { throw TraceError.io("read", path, errno: failure) }
        return bytes
    }

    static func fileSize(_ fd: Int32, path: String) throws -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TraceError.io("examine", path, errno: errno) }
        return UInt64(max(0, st.st_size))
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
