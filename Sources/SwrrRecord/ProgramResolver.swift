// Finding the program to record the way a shell would (PATH search for names without a slash),
// and refusing clearly before anything is spawned when it cannot be executed.
import Glibc

public enum ProgramResolver {
    /// The absolute path of `program`, or a RecordError saying why it cannot be run.
    public static func resolve(_ program: String, path: String?, cwd: String) throws -> String {
        if program.isEmpty { throw RecordError.programNotFound(program) }
        if program.contains("/") {
            let abs = program.hasPrefix("/") ? program : cwd + "/" + program
            return try check(abs, shown: program)
        }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let d = dir.isEmpty ? cwd : String(dir)
            let candidate = d + "/" + program
            if isExecutableFile(candidate) {
                return candidate.hasPrefix("/") ? candidate : cwd + "/" + candidate
            }
        }
        throw RecordError.programNotFound(program)
    }

    private static func check(_ path: String, shown: String) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { throw RecordError.programNotFound(shown) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw RecordError.notExecutable(shown, "it is a directory") }
        guard access(path, X_OK) == 0 else { throw RecordError.notExecutable(shown, "permission denied") }
        return path
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}
