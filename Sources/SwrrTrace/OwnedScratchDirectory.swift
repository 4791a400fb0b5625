// Scratch directories that name the process that owns them, so that the next swrr can remove
// what a killed one left behind.
//
// A replay's scratch copies of MAP_SHARED files (FileMapper) and a process tree's socket
// (swrr-dap's ProcessTree) live in directories made by mkdtemp and removed when their owner ends.
// An owner killed by a signal, or one that leaves through exit() while its replay is still alive
// (Swift runs no deinit at exit), never removes them: this machine had 122
// /tmp/swrr-replay-XXXXXX directories after a day of test runs, each holding a copy of the
// preload library (66 KB) or of a program's shared file. Each directory is now
// `PREFIX-PID-XXXXXX`; making one first sweeps the directories of the same prefix whose PID no
// longer runs (kill(pid, 0) fails with ESRCH) and that belong to this user. A PID the kernel has
// given to another process keeps its directory until that process is gone too: harmless.
//
// Without a base named by the caller they are made in a directory of this user's own,
// `$TMPDIR/swrr-UID` (or /tmp's), so the sweep reads that directory and not all of /tmp: on this
// machine /tmp held 11,654 entries, and reading them took 4 ms of each replay's 26 ms of CPU
// (perf, `swrr replay` of /bin/true, ten runs). A `swrr-UID` that is not a directory of this
// user's closed to everyone else (a link, another owner, group or other access) is not used.
import Glibc

public enum OwnedScratchDirectory {
    /// Makes `BASE/PREFIX-PID-XXXXXX` (mode 0700) after removing the stale ones of `prefix` in
    /// `base` (default: this user's directory in $TMPDIR or /tmp, else $TMPDIR or /tmp itself);
    /// returns its path, or nil with errno set by mkdtemp.
    public static func make(prefix: String, in base: String? = nil) -> String? {
        let dir = base ?? userDirectory(in: defaultBase) ?? defaultBase
        sweep(prefix: prefix, in: dir)
        var template = Array("\(dir)/\(prefix)-\(getpid())-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            return nil
        }
        return String(cString: template)
    }

    /// $TMPDIR, or /tmp.
    public static var defaultBase: String {
        if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
        return "/tmp"
    }

    /// `base/swrr-UID`, made (mode 0700) if missing; nil when it cannot be made or is not a
    /// directory (not a link) that this user owns and nobody else may enter.
    static func userDirectory(in base: String) -> String? {
        let uid = getuid()
        let path = "\(base)/swrr-\(uid)"
        if mkdir(path, 0o700) != 0 && errno != EEXIST { return nil }
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == uid,
              st.st_mode & 0o077 == 0 else { return nil }
        return path
    }

    /// Removes `path` and the files directly in it (scratch directories hold no subdirectories).
    public static func remove(_ path: String) {
        if case .success(let names) = Posix.directoryEntries(path) {
            for n in names { unlink(path + "/" + n) }
        }
        rmdir(path)
    }

    /// Removes every `PREFIX-PID-XXXXXX` directory in `base` owned by this user whose PID does
    /// not run any more.
    static func sweep(prefix: String, in base: String) {
        guard case .success(let names) = Posix.directoryEntries(base) else { return }
        let uid = getuid()
        for name in names {
            guard let pid = ownerPID(of: name, prefix: prefix), pid != getpid() else { continue }
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let path = base + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == uid else { continue }
            remove(path)
        }
    }

    /// The PID in `PREFIX-PID-XXXXXX`, when `name` has that form (a positive decimal that fits
    /// a pid_t, then six characters of mkdtemp's).
    static func ownerPID(of name: String, prefix: String) -> pid_t? {
        guard name.hasPrefix(prefix + "-") else { return nil }
        let rest = name.dropFirst(prefix.count + 1).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard rest.count == 2, rest[1].count == 6, !rest[0].isEmpty, rest[0].count <= 10,
              rest[0].allSatisfy({ $0 >= "0" && $0 <= "9" }), let n = Int64(rest[0]), n > 0, n <= Int64(Int32.max) else { return nil }
        return pid_t(n)
    }
}
