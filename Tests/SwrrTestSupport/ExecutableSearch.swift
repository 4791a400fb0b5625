// Tools the tests run (emacs, runtimes, compilers) are found where the environment says, never at
// one machine's absolute paths.
import Foundation

public enum ExecutableSearch {
    /// The directories of $PATH, in order.
    public static var pathDirectories: [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
            .split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    /// The executable file `name` in the first of `directories`, then of $PATH, that has it.
    public static func find(_ name: String, in directories: [String] = []) -> String? {
        let fm = FileManager.default
        for dir in directories + pathDirectories {
            let file = dir + "/" + name
            var isDir: ObjCBool = false
            if fm.isExecutableFile(atPath: file), fm.fileExists(atPath: file, isDirectory: &isDir), !isDir.boolValue {
                return file
            }
        }
        return nil
    }
}
