// Where replay maps a recorded file from. Files swrr copied into the trace (nlink == 1: not a
// hard link to a system file) are mapped through a scratch copy private to this replay, so that a
// program writing through MAP_SHARED sees its own writes in its other mappings of the file, as it
// did when recorded, while the trace itself is never modified. Hard-linked system files are only
// ever mapped privately and are used directly.
//
// Before its first use a kept file is checked by the trace reader (TraceReader.path(of:)): a
// regular file inside the trace, reached through no link, whose bytes match the checksum taken
// when it was recorded. A file that fails is a damaged trace (status 66), named in the message.
import CSwrrShim
import Glibc
import SwrrTrace
import SwrrTracee

final class FileMapper {
    private let reader: TraceReader
    private var scratchDir: String?
    private var scratch: [String: String] = [:]

    init(reader: TraceReader) { self.reader = reader }

    deinit { removeScratch() }

    /// The trace's copy of `file`, checked (the path to map or execute directly).
    func path(of file: MappedFile) throws -> String {
        do {
            return try reader.path(of: file)
        } catch {
            throw ReplayError.trace("\(error)")
        }
    }

    /// The path to open for mapping `file`, and whether it may be mapped MAP_SHARED.
    func source(for file: MappedFile) throws -> (path: String, shareable: Bool) {
        let path = try path(of: file)
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw ReplayError.trace("the trace is missing its copy of \(file.originalPath) (\(file.traceName))")
        }
        if st.st_nlink > 1 { return (path, false) }
        if let s = scratch[file.traceName] { return (s, true) }
        let dir = try scratchDirectory()
        let dest = dir + "/" + String(scratch.count) + "-" + (file.traceName.split(separator: "/").last.map(String.init) ?? "file")
        do {
            try FileCopy.copy(from: path, to: dest, mode: 0o600, durable: false)
        } catch {
            throw ReplayError.tracee("\(error)")
        }
        scratch[file.traceName] = dest
        return (dest, true)
    }

    /// Applies what a recorded call did to a mapped file (MappedFileUpdates in the recorder) to
    /// this replay's copy of it, in place: its mappings then see the new bytes and size at this
    /// event, as the recorded ones did (a page past the new end raises SIGBUS at the same access).
    func apply(_ update: FileUpdate) throws {
        let (path, shareable) = try source(for: update.file)
        guard shareable, update.size <= UInt64(Int64.max), update.offset <= update.size,
              UInt64(update.bytes.count) <= update.size - update.offset, update.zeroed <= update.size - update.offset else {
            throw ReplayError.trace("the trace changes \(update.file.originalPath), which replay cannot change "
                                    + "(size \(update.size), \(update.bytes.count) bytes at \(update.offset))")
        }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReplayError.tracee("cannot open the scratch copy \(path) (errno \(errno))") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(update.size)) == 0, zero(fd, update.offset, update.zeroed),
              pwriteAll(fd, update.bytes, at: update.offset) else {
            throw ReplayError.tracee("cannot change the scratch copy \(path) (errno \(errno))")
        }
    }

    /// Whether `path` is one of this replay's scratch copies.
    func isScratch(_ path: String) -> Bool { scratch.values.contains(path) }

    /// Every scratch copy as it is now (a program can write to them through MAP_SHARED
    /// mappings, and a checkpoint must find them as they were), copied with its holes.
    func snapshot() throws -> ScratchSnapshot {
        guard !scratch.isEmpty else { return ScratchSnapshot(copies: [:], directory: nil) }
        let dir = try Self.temporaryDirectory("swrr-checkpoint")
        var copies: [String: String] = [:]
        for (i, (name, path)) in scratch.sorted(by: { $0.key < $1.key }).enumerated() {
            let dest = dir + "/" + String(i)
            do {
                try FileCopy.copy(from: path, to: dest, mode: 0o600, durable: false)
            } catch {
                ScratchSnapshot(copies: copies, directory: dir).remove()
                throw ReplayError.tracee("cannot keep the scratch copy \(path) in a checkpoint: \(error)")
            }
            copies[name] = dest
        }
        return ScratchSnapshot(copies: copies, directory: dir)
    }

    /// Puts the scratch copies back as `snapshot` had them, in place (mappings of them stay
    /// valid); copies made after the snapshot get the trace's original contents back. Each costs
    /// the data of the two versions, holes skipped (FileCopy.overwrite).
    func restore(_ snapshot: ScratchSnapshot) throws {
        for (name, path) in scratch {
            let source: String
            if let copy = snapshot.copies[name] {
                source = copy
            } else {
                do {
                    source = try reader.path(ofKept: name)
                } catch {
                    throw ReplayError.trace("\(error)")
                }
            }
            do {
                try FileCopy.overwrite(path, from: source, zero: zero)
            } catch {
                throw ReplayError.tracee("cannot restore the scratch copy \(path): \(error)")
            }
        }
    }

    private func scratchDirectory() throws -> String {
        if let d = scratchDir { return d }
        let d = try Self.temporaryDirectory("swrr-replay")
        scratchDir = d
        return d
    }

    /// A new directory in $TMPDIR (or /tmp) whose name starts with `prefix` and this process's
    /// pid (OwnedScratchDirectory: the next replay removes it if this one is killed).
    private static func temporaryDirectory(_ prefix: String) throws -> String {
        guard let d = OwnedScratchDirectory.make(prefix: prefix) else {
            throw ReplayError.tracee("cannot create a scratch directory in \(OwnedScratchDirectory.defaultBase): \(String(cString: strerror(errno)))")
        }
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

/// Makes `length` bytes at `offset` zeros: a hole punched where the filesystem can (the copy stays
/// as sparse as the recorded file), zeros written where it cannot.
private func zero(_ fd: Int32, _ offset: UInt64, _ length: UInt64) -> Bool {
    if length == 0 { return true }
    let punchHole: Int32 = 0x02, keepSize: Int32 = 0x01
    // fallocate (285) through the shim: Glibc's module does not export it.
    if swrr_syscall6(285, Int(fd), Int(punchHole | keepSize), Int(offset), Int(length), 0, 0) == 0 { return true }
    let chunk = [UInt8](repeating: 0, count: 1 << 20)
    var done: UInt64 = 0
    while done < length {
        let n = Int(min(UInt64(chunk.count), length - done))
        guard pwriteAll(fd, Array(chunk.prefix(n)), at: offset + done) else { return false }
        done += UInt64(n)
    }
    return true
}

/// Writes all of `bytes` at `offset` (at most Int64.max, checked by the callers).
private func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64) -> Bool {
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        done += n
    }
    return true
}
