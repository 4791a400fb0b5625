// Temporary directories of the test process, all under one root that is removed at exit.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum TestDirectory {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// $TMPDIR/swrr-tests-PID-XXXXXX (or under /tmp).
    public static let root: String = {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/swrr-tests-\(getpid())-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { fatalError("mkdtemp under \(base) failed: errno \(errno)") }
        let path = String(cString: template)
        atexit { try? FileManager.default.removeItem(atPath: TestDirectory.root) }
        return path
    }()

    /// A new empty directory under the root.
    public static func makeUnique(prefix: String) throws -> String {
        var template = Array("\(root)/\(prefix)-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw Failure(description: "mkdtemp under \(root) failed: errno \(errno)") }
        return String(cString: template)
    }
}
