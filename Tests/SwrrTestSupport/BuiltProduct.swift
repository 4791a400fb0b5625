// Where the test targets find swrr's executables (swrr, swrr-dap): built by `swift build` next to
// the test bundle, which make test does first.
import Foundation

public enum BuiltProduct {
    /// `$variable` when set, else the executable `name` next to the running test bundle (or up to
    /// two directories above it), else the package's default debug build directory.
    public static func path(_ name: String, overriddenBy variable: String) -> String? {
        let fm = FileManager.default
        if let bin = ProcessInfo.processInfo.environment[variable], !bin.isEmpty { return bin }
        var candidates: [URL] = []
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            for _ in 0..<3 {
                candidates.append(dir.appendingPathComponent(name))
                dir = dir.deletingLastPathComponent()
            }
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        return candidates.first { url in
            var dir: ObjCBool = false
            return fm.isExecutableFile(atPath: url.path) && fm.fileExists(atPath: url.path, isDirectory: &dir) && !dir.boolValue
        }?.path
    }

    /// The repository's root directory.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
