// TraceStore: where recordings live by default and how they are named, for `swrr record`,
// `swrr replay` and `swrr ls`.
//
//     $SWRR_TRACE_DIR (or ~/.local/share/swrr)/
//         <program>-0/ <program>-1/ …     trace directories
//         latest-trace                    symlink to the newest recording
import Glibc

public enum TraceStore {
    static let latestLink = "latest-trace"

    /// `$SWRR_TRACE_DIR` if set and non-empty, else `~/.local/share/swrr` (HOME from the
    /// environment, else the password database).
    public static func root() -> String {
        if let dir = environment("SWRR_TRACE_DIR") { return Posix.absolute(dir) }
        var home = environment("HOME")
        if home == nil, let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir {
            home = String(cString: dir)
        }
        let base = home.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? ""
        return Posix.absolute(base + "/.local/share/swrr")
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let s = String(cString: value)
        return s.isEmpty ? nil : s
    }

    /// `root()/<programBasename>-<N>`, N the smallest integer ≥ 0 not in use. Creates root
    /// (0700) if needed, but not the trace directory.
    public static func newTracePath(programName: String) throws -> String {
        let root = root()
        try Posix.makeDirectories(root)
        var name = Posix.basename(programName)
        if name.isEmpty || name == "." || name == ".." { name = "trace" }
        var n = 0
        while Posix.exists("\(root)/\(name)-\(n)") { n += 1 }
        return "\(root)/\(name)-\(n)"
    }

    /// Points `root()/latest-trace` at `path`, replacing the link atomically. A trace directly
    /// under root is linked by name, so the store can be moved as a whole.
    public static func setLatest(_ path: String) throws {
        let root = root()
        try Posix.makeDirectories(root)
        let absolute = Posix.absolute(path)
        let target = Posix.dirname(absolute) == root ? Posix.basename(absolute) : absolute
        let temporary = "\(root)/.\(latestLink).\(getpid()).tmp"
        unlink(temporary)
        guard symlink(target, temporary) == 0 else {
            throw TraceError.io("create the link", temporary, errno: errno)
        }
        guard rename(temporary, "\(root)/\(latestLink)") == 0 else {
            let code = errno
            unlink(temporary)
            throw TraceError.io("replace the link", "\(root)/\(latestLink)", errno: code)
        }
    }

    /// The trace a command line names: nil → the latest recording; a name without "/" that
    /// exists under root() → that trace; anything else → the path as given.
    public static func resolve(_ argument: String?) throws -> String {
        let root = root()
        guard let argument, !argument.isEmpty else {
            let link = "\(root)/\(latestLink)"
            guard let target = readLink(link) else {
                throw TraceError(.noRecordings, path: link,
                                 "no recordings yet: run swrr record first (there is no \(link))")
            }
            let path = target.hasPrefix("/") ? target : "\(root)/\(target)"
            guard Posix.exists(path) else {
                throw TraceError(.noRecordings, path: path,
                                 "the latest recording '\(path)' no longer exists: run swrr record, "
                                 + "or name a trace (swrr ls lists them)")
            }
            return path
        }
        if !argument.contains("/") && Posix.exists("\(root)/\(argument)") {
            return "\(root)/\(argument)"
        }
        guard Posix.exists(argument) else {
            let also = argument.contains("/") ? "" : " or '\(root)/\(argument)'"
            throw TraceError.notATrace(argument, "there is nothing at '\(argument)'\(also) (swrr ls lists the recordings)")
        }
        return argument
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public struct Summary: Sendable {
        public let path: String
        public let program: String
        public let argv: [String]
        /// Seconds since 1970 when recording started (the directory's mtime if unreadable).
        public let createdAt: Double
        /// Total size of the trace's files.
        public let sizeBytes: UInt64
        public let eventCount: Int
        public let end: TraceEnd?
        /// Why the trace cannot be read, if it cannot.
        public let error: String?

        public init(path: String, program: String, argv: [String], createdAt: Double, sizeBytes: UInt64,
                    eventCount: Int, end: TraceEnd?, error: String?) {
            self.path = path
            self.program = program
            self.argv = argv
            self.createdAt = createdAt
            self.sizeBytes = sizeBytes
            self.eventCount = eventCount
            self.end = end
            self.error = error
        }
    }

    /// Every trace directory under root(), oldest first; unreadable ones are included with
    /// `error` set.
    public static func list() -> [Summary] {
        let root = root()
        guard case .success(let names) = Posix.directoryEntries(root) else { return [] }
        var summaries: [Summary] = []
        for name in names where !name.hasPrefix(".") && name != latestLink {
            let path = "\(root)/\(name)"
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            summaries.append(summary(of: path))
        }
        return summaries.sorted { ($0.createdAt, $0.path) < ($1.createdAt, $1.path) }
    }

    /// The summary of one trace. The event count comes from the end marker when there is one,
    /// else from reading the whole event stream.
    public static func summary(of path: String) -> Summary {
        let size = treeSize(path)
        let reader: TraceReader
        do {
            reader = try TraceReader(directory: path)
        } catch {
            var mtime = 0.0
            if case .success(let st) = Posix.status(path) {
                mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
            }
            return Summary(path: path, program: "", argv: [], createdAt: mtime, sizeBytes: size,
                           eventCount: 0, end: nil, error: "\(error)")
        }
        let h = reader.header
        if let quick = reader.quickEnd() {
            return Summary(path: path, program: h.program, argv: h.argv, createdAt: h.createdAt,
                           sizeBytes: size, eventCount: quick.eventCount, end: quick.end, error: nil)
        }
        var problem: String?
        do {
            while try reader.next() != nil {}
        } catch {
            problem = "\(error)"
        }
        return Summary(path: path, program: h.program, argv: h.argv, createdAt: h.createdAt,
                       sizeBytes: size, eventCount: reader.eventsRead, end: reader.end, error: problem)
    }

    /// Bytes in the regular files below `path` (symlinks not followed).
    static func treeSize(_ path: String) -> UInt64 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            return UInt64(max(0, st.st_size))
        case S_IFDIR:
            guard case .success(let names) = Posix.directoryEntries(path) else { return 0 }
            return names.reduce(0) { $0 + treeSize(path + "/" + $1) }
        default:
            return 0
        }
    }
}
