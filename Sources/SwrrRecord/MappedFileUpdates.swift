// Files mapped in the recording, and what later calls do to them. A write(), ftruncate() or
// fallocate() on a mapped file changes what every mapping of it shows at once: the bytes of a
// MAP_SHARED mapping (and the pages of a MAP_PRIVATE one not copied yet), and how far it reaches
// before SIGBUS. Replay emulates those calls, so its copy of the file would never change (measured
// on third-party programs: SIGBUS on replay after ftruncate grew a mapped file, and a write()
// missing from a shared mapping). The recorder keeps, at each such call, the file's size and the
// bytes the call wrote (read back from the file, not the program's buffer: writev's iovecs and
// copy_file_range's source need no special case), and replay applies them to its copy at the same
// event. Keeping the result rather than replaying the call also covers a descriptor replay does
// not have (its opens are emulated). Measured (5000 pwrites of 4 KiB, load average 5): recorded
// unbuffered in 0.46-0.73 s into a mapped file against 0.37 s into an unmapped one (the stat, open
// and pread of an update: about 20 us next to a recorded syscall's 75), the trace 76 KiB larger;
// buffered, such writes become recorded syscalls (0.77-1.1 s, against 0.10 s buffered).
//
// Only files kept as copies are followed: a hard-linked system file is mapped by replay from the
// trace itself, which replay never modifies.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

struct FileKey: Hashable {
    var device: UInt64
    var inode: UInt64
    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}

struct MappedFileUpdates {
    /// The trace's copy of each followed file.
    private(set) var files: [FileKey: MappedFile] = [:]
    /// SWRR_STUB_MAPPED_FILES as the recorder last wrote it.
    private(set) var bitmap = [UInt8](repeating: 0, count: SyscallBufferLayout.mappedFilesBits / 8)

    func file(for st: stat) -> MappedFile? { files[FileKey(st)] }

    /// Follows `file` from now on. true when the bitmap changed (every process must get it).
    mutating func follow(_ file: MappedFile, _ st: stat) -> Bool {
        let key = FileKey(st)
        files[key] = file
        let bit = SyscallBufferLayout.mappedFileBit(device: key.device, inode: key.inode)
        let mask = UInt8(1) << UInt8(bit % 8)
        if bitmap[bit / 8] & mask != 0 { return false }
        bitmap[bit / 8] |= mask
        return true
    }

    /// Writes the bitmap into the stub page of the process of `task` (read-only for the program,
    /// written through /proc/PID/mem as the stub itself is).
    func publish(to task: Task) throws {
        try task.writeMemory(SyscallBufferLayout.stubPage + SyscallBufferLayout.mappedFilesOffset, bitmap)
    }

    /// What a finished call (`result` >= 0) did to a followed file, or nil.
    func update(_ change: FileChange, args: [UInt64], result: Int64, task: Task) throws -> FileUpdate? {
        guard !files.isEmpty, result >= 0 else { return nil }
        let fdArg: Int
        let name: String
        switch change {
        case .writes(let a, _), .resizes(let a), .allocates(let a):
            fdArg = a
            name = "/proc/\(task.tid)/fd/\(Int32(truncatingIfNeeded: args[a]))"
        case .truncatesOnOpen(let flags):
            // O_TRUNC (0o1000) empties the file it opens, the new descriptor (the result).
            if let f = flags, args[f] & 0o1000 == 0 { return nil }
            fdArg = -1
            name = "/proc/\(task.tid)/fd/\(result)"
        case .resizesPath(let a):
            fdArg = -1
            guard let path = task.readCString(args[a], limit: 4096), !path.isEmpty else { return nil }
            name = path.hasPrefix("/") ? path : "/proc/\(task.tid)/cwd/" + path
        }
        var st = stat()
        guard stat(name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, let file = files[FileKey(st)] else { return nil }
        let fd = open(name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RecordError.tracee("cannot read back the mapped file \(file.originalPath) (errno \(errno))") }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, st.st_size >= 0 else {
            throw RecordError.tracee("cannot stat the mapped file \(file.originalPath)")
        }
        let size = UInt64(st.st_size)
        var start = size, end = size, zeroed: UInt64 = 0
        switch change {
        case .writes(_, let at):
            let written = UInt64(result)
            let offset = try Self.writeStart(at, fdArg: fdArg, args: args, written: written, task: task)
            start = min(offset, size)
            end = min(offset.addingReportingOverflow(written).overflow ? size : offset + written, size)
        case .allocates:
            // FALLOC_FL_PUNCH_HOLE 2, COLLAPSE_RANGE 8, ZERO_RANGE 0x10, INSERT_RANGE 0x20 change
            // bytes (collapse and insert move everything after the offset); mode 0 and
            // KEEP_SIZE only allocate, which the size alone says.
            // A punched or zeroed range is zeros afterwards: kept as a length, not as bytes.
            let mode = args[1]
            let (rangeEnd, overflow) = args[2].addingReportingOverflow(args[3])
            if mode & 0x28 != 0 {
                start = min(args[2], size)
            } else if mode & 0x12 != 0 {
                start = min(args[2], size)
                end = start
                zeroed = (overflow ? size : min(rangeEnd, size)) - start
            }
        case .resizes, .resizesPath, .truncatesOnOpen:
            break
        }
        return FileUpdate(file: file, size: size, offset: start, bytes: try readRange(fd, from: start, to: end, of: file),
                          zeroed: zeroed)
    }

    /// Where a finished write of `written` bytes began in its file.
    static func writeStart(_ at: FileOffset, fdArg: Int, args: [UInt64], written: UInt64, task: Task) throws -> UInt64 {
        switch at {
        case .position:
            return try position(task: task, fd: fdArg, args: args, minus: written)
        case .argument(let i):
            return args[i]
        case .argumentOrPosition(let i):
            return args[i] == UInt64.max ? try position(task: task, fd: fdArg, args: args, minus: written) : args[i]
        case .pointer(let i):
            if args[i] == 0 { return try position(task: task, fd: fdArg, args: args, minus: written) }
            // The call advanced the offset it points to by what it wrote.
            let after = try task.readMemory(args[i], count: 8).loadU64(at: 0)
            guard after >= written else { throw RecordError.tracee("a write offset before the file's start") }
            return after - written
        }
    }

    /// Where the write began: the descriptor's position after it (/proc/TID/fdinfo), less what it wrote.
    private static func position(task: Task, fd: Int, args: [UInt64], minus written: UInt64) throws -> UInt64 {
        let n = Int32(truncatingIfNeeded: args[fd])
        guard let info = readTextFile("/proc/\(task.tid)/fdinfo/\(n)"),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("pos:") }),
              let pos = UInt64(line.dropFirst(4).trimmingCharacters(in: " \t")), pos >= written else {
            throw RecordError.tracee("cannot read the file position of descriptor \(n) of task \(task.tid)")
        }
        return pos - written
    }

    private func readRange(_ fd: Int32, from start: UInt64, to end: UInt64, of file: MappedFile) throws -> [UInt8] {
        guard end > start else { return [] }
        guard end - start <= UInt64(Int32.max) else {
            throw RecordError.tracee("a change of \(end - start) bytes to the mapped file \(file.originalPath) is too large to keep")
        }
        var bytes = [UInt8](repeating: 0, count: Int(end - start))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(start) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RecordError.tracee("cannot read back the mapped file \(file.originalPath)") }
            done += n
        }
        return bytes
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return s
    }
}
