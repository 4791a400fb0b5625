// `swrr pack`: a trace whose files/ holds hard links to system files breaks when those files are
// modified in place, and cannot move to another filesystem. Packing replaces every hard link by
// a private copy (written beside it, then renamed over it, so an interrupted pack loses nothing).
import Glibc

public enum TracePacker {
    /// Returns how many files were copied.
    public static func pack(directory: String) throws -> Int {
        _ = try TraceReader(directory: directory)   // refuse to touch what is not a trace
        let filesDir = directory + "/files"
        guard let d = opendir(filesDir) else { return 0 }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." && !name.hasSuffix(".packing") { names.append(name) }
        }
        var copied = 0
        for name in names.sorted() {
            let path = filesDir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink > 1 else { continue }
            let tmp = path + ".packing"
            unlink(tmp)   // left by an interrupted pack
            try FileCopy.copy(from: path, to: tmp, mode: st.st_mode)
            guard rename(tmp, path) == 0 else {
                unlink(tmp)
                throw TraceError.io("cannot replace \(path)", errno)
            }
            copied += 1
        }
        return copied
    }
}
