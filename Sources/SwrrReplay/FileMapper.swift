// Where replay maps a recorded file from. Files swrr copied into the trace (nlink == 1: not a
// hard link to a system file) are mapped through a scratch copy private to this replay, so that a
// program writing through MAP_SHARED sees its own writes in its other mappings of the file, as it
// did when recorded, while the trace itself is never modified. Hard-linked system files are only
// ever mapped privately and are used directly.
import Glibc
import SwrrTrace

final class FileMapper {
    private let reader: TraceReader
    private var scratchDir: String?
    private var scratch: [String: String] = [:]

    init(reader: TraceReader) { self.reader = reader }

    deinit { removeScratch() }

    /// The path to open for mapping `file`, and whether it may be mapped MAP_SHARED.
    func source(for file: MappedFile) throws -> (path: String, shareable: Bool) {
        let path = reader.path(of: file)
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw ReplayError.trace("the trace is missing its copy of \(file.originalPath) (\(file.traceName))")
        }
        if st.st_nlink > 1 { return (path, false) }
        if let s = scratch[file.traceName] { return (s, true) }
        let dir = try scratchDirectory()
        let dest = dir + "/" + String(scratch.count) + "-" + (file.traceName.split(separator: "/").last.map(String.init) ?? "file")
        do {
            try FileCopy.copy(from: path, to: dest, mode: 0o600)
        } catch {
            throw ReplayError.tracee("\(error)")
        }
        scratch[file.traceName] = dest
        return (dest, true)
    }

    private func scratchDirectory() throws -> String {
        if let d = scratchDir { return d }
        let base = (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp") + "/swrr-replay-XXXXXX"
        var template = Array(base.utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ReplayError.tracee("cannot create a scratch directory in \(base)")
        }
        let d = String(cString: p)
        scratchDir = d
        return d
    }

    func removeScratch() {
        guard let d = scratchDir else { return }
        for f in scratch.values { unlink(f) }
        rmdir(d)
        scratch = [:]
        scratchDir = nil
    }
}
