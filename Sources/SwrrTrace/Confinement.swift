// Nothing read or written for a trace leaves its directory.
//
// A trace comes from anywhere (a colleague's tarball, a bug report), so its contents are input to
// distrust: a `files/3-ld.so.cache` that is a symbolic link to /etc/shadow made replay map that
// file into the program, and a `files/` that linked to another directory made `swrr pack` write
// there. So every file of a trace is opened from the trace directory's descriptor one name at a
// time with O_NOFOLLOW (the "equivalent check" of openat2's RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS,
// which glibc does not wrap): a link anywhere inside the trace is refused, and a name taken from
// the trace ("files/<N>-<basename>") must be exactly one file inside `files/`. The trace directory
// itself may be reached through links (`latest-trace` is one): the user named it.
//
// O_NONBLOCK on reads: opening a FIFO planted in a trace must not hang swrr; only regular files
// are accepted afterwards, where the flag changes nothing.
import Glibc

enum Confinement {
    /// The file name inside `files/` that a trace name stands for ("files/3-libc.so.6" →
    /// "3-libc.so.6"), or nil when the name could lead anywhere else.
    static func keptFileName(_ traceName: String) -> String? {
        let prefix = TraceFormat.filesDirectory + "/"
        guard traceName.hasPrefix(prefix) else { return nil }
        let name = String(traceName.dropFirst(prefix.count))
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.utf8.contains(0) else { return nil }
        return name
    }

    /// Opens the trace directory itself.
    static func openDirectory(_ directory: String) throws -> Int32 {
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw TraceError.notATrace(directory, "no such directory") }
            throw TraceError.io("open the trace directory", directory, errno: code)
        }
        return fd
    }

    /// Opens `name` (one path component) inside the directory `dirfd` of the trace `directory`
    /// without following a link; `traceName` is its name in the trace ("files/3-x"), for
    /// messages. Returns nil when nothing is there.
    static func open(_ name: String, in dirfd: Int32, directory: String, traceName: String? = nil,
                     flags: Int32, mode: mode_t = 0o600) throws -> Int32? {
        let fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        if fd >= 0 { return fd }
        let code = errno
        let shown = traceName ?? name
        switch code {
        case ENOENT: return nil
        case ELOOP: throw TraceError.leavesTrace(directory, shown, "is a symbolic link")
        case ENOTDIR where flags & O_DIRECTORY != 0:
            // O_DIRECTORY|O_NOFOLLOW on a link fails with ENOTDIR, not ELOOP (measured, 6.x).
            var st = stat()
            let link = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
            throw TraceError.leavesTrace(directory, shown, link ? "is a symbolic link" : "is not a directory")
        default: throw TraceError.io("open", directory + "/" + shown, errno: code)
        }
    }

    /// Opens `files/` of the trace whose directory is `dirfd`; nil when there is none.
    static func openFilesDirectory(_ dirfd: Int32, directory: String) throws -> Int32? {
        try open(TraceFormat.filesDirectory, in: dirfd, directory: directory, flags: O_RDONLY | O_DIRECTORY)
    }

    /// Opens a regular file of the trace for reading: `name` directly in the trace directory
    /// ("events") or a trace name in `files/`. Throws `.missingFile` when it is not there.
    static func openForReading(_ name: String, directory: String) throws -> Int32 {
        let dirfd = try openDirectory(directory)
        defer { close(dirfd) }
        var parent = dirfd
        var leaf = name
        if name.contains("/") {
            guard let kept = keptFileName(name) else {
                throw TraceError.leavesTrace(directory, name, "is not a name inside files/")
            }
            guard let files = try openFilesDirectory(dirfd, directory: directory) else {
                throw TraceError.missingFile(directory: directory, name: name)
            }
            parent = files
            leaf = kept
        }
        defer { if parent != dirfd { close(parent) } }
        guard let fd = try open(leaf, in: parent, directory: directory, traceName: name, flags: O_RDONLY | O_NONBLOCK) else {
            throw TraceError.missingFile(directory: directory, name: name)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw TraceError.io("examine", directory + "/" + name, errno: code)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw TraceError.leavesTrace(directory, name, "is not a regular file")
        }
        return fd
    }

    /// The names in the directory `dirfd` (without "." and ".."); the descriptor stays open.
    static func entries(of dirfd: Int32, path: String) throws -> [String] {
        let copy = dup(dirfd)
        guard copy >= 0, let dir = fdopendir(copy) else {
            let code = errno
            if copy >= 0 { close(copy) }
            throw TraceError.io("list", path, errno: code)
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
