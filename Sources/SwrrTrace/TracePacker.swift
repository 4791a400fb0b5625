// `swrr pack`: a trace whose files/ holds hard links to system files breaks when those files are
// modified in place, and cannot move to another filesystem. Packing replaces every hard link by
// a private copy (written beside it, then renamed over it, so an interrupted pack loses nothing),
// checked against the file's recorded checksum before it replaces the link.
//
// Every file operation is relative to the descriptor of the trace's own files/ directory, opened
// without following a link (Confinement.swift): a trace whose files/ linked to another directory
// made pack write its copies there. Pack refuses such a trace, and a link or device inside files/,
// with a TraceError of kind .leavesTrace.
import Glibc

public enum TracePacker {
    /// Returns how many files were copied.
    public static func pack(directory: String) throws -> Int {
        let reader = try TraceReader(directory: directory)   // refuse to touch what is not a trace
        let dir = reader.directory
        let sums = try reader.keptFileChecksums()
        let dirfd = try Confinement.openDirectory(dir)
        defer { close(dirfd) }
        guard let files = try Confinement.openFilesDirectory(dirfd, directory: dir) else { return 0 }
        defer { close(files) }
        let filesPath = dir + "/" + TraceFormat.filesDirectory
        var copied = 0
        for name in try Confinement.entries(of: files, path: filesPath).sorted() where !name.hasSuffix(".packing") {
            let traceName = TraceFormat.filesDirectory + "/" + name
            var st = stat()
            guard fstatat(files, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFLNK: throw TraceError.leavesTrace(dir, traceName, "is a symbolic link")
            default: throw TraceError.leavesTrace(dir, traceName, "is not a regular file")
            }
            guard st.st_nlink > 1 else { continue }
            let temporary = name + ".packing"
            unlinkat(files, temporary, 0)   // left by an interrupted pack
            do {
                try copy(name, to: temporary, in: files, directory: dir, mode: st.st_mode)
                if let recorded = sums?[traceName] {
                    let fd = try Confinement.openForReading(TraceFormat.filesDirectory + "/" + temporary, directory: dir)
                    defer { close(fd) }
                    let found = try FileChecksum.of(fd, path: filesPath + "/" + temporary)
                    if let difference = found.difference(from: recorded) {
                        throw TraceError(.damaged, path: filesPath + "/" + name,
                                         "the trace's file '\(traceName)' is damaged: \(difference); pack leaves it as it is")
                    }
                }
                guard renameat(files, temporary, files, name) == 0 else {
                    throw TraceError.io("replace", filesPath + "/" + name, errno: errno)
                }
            } catch {
                unlinkat(files, temporary, 0)
                throw error
            }
            copied += 1
        }
        return copied
    }

    private static func copy(_ name: String, to temporary: String, in files: Int32, directory: String, mode: mode_t) throws {
        let filesPath = directory + "/" + TraceFormat.filesDirectory
        let traceName = TraceFormat.filesDirectory + "/" + name
        guard let src = try Confinement.open(name, in: files, directory: directory, traceName: traceName,
                                             flags: O_RDONLY | O_NONBLOCK) else {
            throw TraceError.missingFile(directory: directory, name: TraceFormat.filesDirectory + "/" + name)
        }
        defer { close(src) }
        guard let dst = try Confinement.open(temporary, in: files, directory: directory,
                                             traceName: TraceFormat.filesDirectory + "/" + temporary,
                                             flags: O_WRONLY | O_CREAT | O_EXCL) else {
            throw TraceError.io("create", filesPath + "/" + temporary, errno: ENOENT)
        }
        try FileCopy.copy(src, source: filesPath + "/" + name, to: dst, destination: filesPath + "/" + temporary, mode: mode,
                          durable: true)
    }
}
