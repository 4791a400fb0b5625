// The programs the tests record are compiled at test time (Tests/Fixtures, examples/, the debug
// info fixtures), each at most once per test process: one compiler for every test target.
import Foundation

public enum FixtureCompiler {
    /// Tests/Fixtures of this checkout.
    public static let fixtures = BuiltProduct.packageRoot.appendingPathComponent("Tests/Fixtures").path

    /// `path` under the repository's root (`examples/sensor_report.c`).
    public static func source(_ path: String) -> String {
        BuiltProduct.packageRoot.appendingPathComponent(path).path
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var compiled: [[String]: String] = [:]

    /// `compiler FLAGS -o OUTPUT SOURCE TRAILING` (run in `directory` when given, where a relative
    /// `source` is found), compiled once per test process; returns OUTPUT. The executable is named
    /// `name` (default: the source's name without its extension: gdb and DWARF consumers find the
    /// source file by it) in a directory of its own under the test process's temporary root.
    /// Throws `Subprocess.Failure`, with the compiler's messages, when compiling fails.
    public static func compile(_ source: String, compiler: String = "gcc", flags: [String] = ["-g", "-O0"],
                               trailing: [String] = [], name: String? = nil,
                               directory: String? = nil) throws -> String {
        let key = [compiler, source, directory ?? "", name ?? ""] + flags + ["--"] + trailing
        lock.lock()
        defer { lock.unlock() }
        if let path = compiled[key] { return path }
        let dir = TestDirectory.root + "/fixtures"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let executableName = name ?? URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        let output = try TestDirectory.makeUnique(prefix: "fixtures/" + executableName) + "/" + executableName
        // Compilers get two minutes: the machine is shared with other builds.
        try Subprocess.check([compiler] + flags + ["-o", output, source] + trailing, directory: directory,
                             mergingStderr: true, timeout: 120)
        compiled[key] = output
        return output
    }
}
