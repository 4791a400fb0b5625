// The files a trace keeps, as the recorder adds them: each executable and the libraries its
// exec mapped, the file behind each file mmap (copied or hard-linked by TraceWriter), each SysV
// shared memory segment, and the files followed for changes made while mapped
// (MappedFileUpdates), whose bitmap every recorded process gets.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

final class RecordedFiles {
    private let writer: TraceWriter
    /// The trace's copy of each SysV shared memory segment attached so far, by segment id.
    private var sysvSegments: [UInt64: MappedFile] = [:]
    /// Files mapped in the recording whose changes by later calls replay must see.
    private(set) var followed = MappedFileUpdates()

    init(writer: TraceWriter) {
        self.writer = writer
    }

    /// The executable an exec started (`program`, as /proc/TID/exe names it or as it was given),
    /// added to the trace, and the libraries the kernel mapped with it.
    func executable(_ program: String, of task: Task, mappings maps: [MapsLine]) throws -> MappedFile {
        // fexecve of a memfd (or of a file deleted since) runs a file with no usable path: kept
        // through /proc/TID/exe, under the name the kernel gives it.
        let exe = try writer.addFile(path: Self.usablePath(program, of: "/proc/\(task.tid)/exe"), name: program)
        // Libraries the kernel mapped (the ELF interpreter) are kept too, for `swrr pack` and for
        // debugging the trace on another machine.
        // The names in the maps are the program's: in a mount namespace of its own they may name
        // other files here, or none, so a name that does not open the mapped file is read
        // through /proc/TID/map_files.
        for m in maps where m.name.hasPrefix("/") && m.name != program && m.inode != 0 {
            let link = "/proc/\(task.tid)/map_files/\(String(m.start, radix: 16))-\(String(m.end, radix: 16))"
            _ = try? writer.addFile(path: Self.usablePath(m.name, of: link), name: m.name)
        }
        return exe
    }

    /// The file behind a successful mmap, copied or linked into the trace. nil for anonymous memory.
    func mapped(task: Task, args: [UInt64], tasks: Dictionary<Int32, RecordTask>.Values) throws -> MappedFile? {
        let flags = args[3]
        let fd = Int32(truncatingIfNeeded: args[4])
        if flags & MmapFlags.anonymous != 0 || fd < 0 { return nil }
        let link = "/proc/\(task.tid)/fd/\(fd)"
        var st = stat()
        guard stat(link, &st) == 0 else { throw RecordError.tracee("cannot stat mapped fd \(fd)") }
        let path = readLink(link) ?? link
        if (st.st_mode & S_IFMT) == S_IFCHR && path == "/dev/zero" { return nil }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw RecordError.tracee("mmap of \(path), which is not a regular file, is not supported yet")
        }
        // A file mapped before is the same file to replay, whatever was written to it since:
        // replay's copy has followed those changes (MappedFileUpdates).
        if let followed = followed.file(for: st) { return followed }
        // A file mapped through a writable descriptor may change under the mapping: kept as a copy,
        // which replay maps from a scratch copy of its own and keeps up to date (a hard link would
        // be the live file).
        let file = try writer.addFile(path: Self.usablePath(path, of: link), name: path,
                                      copy: Self.isWritable(fd: fd, of: task.tid))
        var kept = stat()
        if stat(writer.directory + "/" + file.traceName, &kept) == 0 && kept.st_nlink == 1
            && followed.follow(file, st) {
            try publishFollowed(to: tasks)
        }
        return file
    }

    /// Whether descriptor `fd` of `tid` was opened for writing (the access mode in /proc/TID/fdinfo's
    /// octal "flags:" line).
    static func isWritable(fd: Int32, of tid: Int32) -> Bool {
        guard let info = readTextFile("/proc/\(tid)/fdinfo/\(fd)"),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
              let flags = UInt64(line.dropFirst("flags:".count).filter { $0 != " " && $0 != "\t" }, radix: 8) else { return false }
        return flags & 0o3 != 0   // O_WRONLY 1, O_RDWR 2
    }

    /// Gives every recorded process the bitmap of followed files (their buffered writes must
    /// become recorded syscalls).
    private func publishFollowed(to tasks: Dictionary<Int32, RecordTask>.Values) throws {
        var done: Set<Int32> = []
        for t in tasks where t.state != .exiting && done.insert(t.task.tgid).inserted {
            // (A child whose first stop is not collected yet already has its memory, a copy of
            // its parent's from before this.)
            if t.state == .newborn { try? followed.publish(to: t.task) } else { try followed.publish(to: t.task) }
        }
    }

    /// `path` when it names the file that the /proc `link` (/proc/PID/fd/N, /proc/PID/exe) opens,
    /// else `link` itself: deleted files and memfds have no usable path ('/memfd:NAME (deleted)'),
    /// but the link still opens them, so they are copied through it.
    static func usablePath(_ path: String, of link: String) -> String {
        var byLink = stat(), byPath = stat()
        guard stat(link, &byLink) == 0 else { return path }
        let same = stat(path, &byPath) == 0 && byPath.st_dev == byLink.st_dev && byPath.st_ino == byLink.st_ino
        return same ? path : link
    }

    /// The segment shmat just attached at `address`, copied into the trace at its first
    /// attachment (through /proc/PID/map_files: SysV segments have no path). Later attachments
    /// share that copy: on replay it is one file, written through by every attachment.
    func sysvSegment(id: UInt64, at address: UInt64, task: Task) throws -> MappedFile {
        if let kept = sysvSegments[id] { return kept }
        guard let m = try task.mappings().first(where: { $0.start == address }) else {
            throw RecordError.tracee("shmat attached segment \(id) at 0x\(String(address, radix: 16)), but no mapping starts there")
        }
        let file = try writer.addFile(path: "/proc/\(task.tid)/map_files/\(String(m.start, radix: 16))-\(String(m.end, radix: 16))")
        sysvSegments[id] = file
        return file
    }
}
