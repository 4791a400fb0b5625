// `swrr check` (and `swrr pack` before it changes anything): everything a trace holds, verified
// at once instead of when replay reaches it. Every chunk of both streams is read, checksummed and
// decompressed (replay only decompresses the data chunks events point into), every event decoded,
// and every kept file compared with its checksum; `files/` must hold nothing that leads outside
// the trace. A trace cut short (killed recorder) or stopped on purpose is not damaged: it reads
// as it replays, and the report says how it ends.
import Glibc

public struct TraceCheckReport: Sendable {
    public let directory: String
    /// What is damaged or leads outside the trace, one sentence each; empty when intact.
    public var problems: [String] = []
    public var eventCount = 0
    /// Bytes of the data stream in complete chunks.
    public var dataLength: UInt64 = 0
    /// Kept files found intact (compared with their checksums; in older traces without
    /// checksums, only found in place as regular files).
    public var filesChecked = 0
    /// How the recording ends (nil when the events could not be read to their end).
    public var end: TraceEnd?
    /// Whether the trace records checksums of its kept files.
    public var hasChecksums = false

    public var isIntact: Bool { problems.isEmpty }

    /// Damage already reported, by file and offset: the events reader and the data walk can
    /// meet the same bytes and describe them differently.
    var places: Set<String> = []

    mutating func add(_ error: Error) {
        let text = "\(error)"
        if let e = error as? TraceError, let path = e.path, let offset = e.offset {
            guard places.insert("\(path)@\(offset)").inserted else { return }
        }
        if !problems.contains(text) { problems.append(text) }
    }
}

public enum TraceCheck {
    public static func run(directory: String) -> TraceCheckReport {
        var report = TraceCheckReport(directory: Posix.absolute(directory))
        let reader: TraceReader
        do {
            reader = try TraceReader(directory: directory)
        } catch {
            report.add(error)
            return report
        }
        let dir = reader.directory
        report.hasChecksums = reader.header.fileChecksums

        // Events, and the kept files they name.
        var referenced: [String: String] = [:]
        do {
            while let event = try reader.next() {
                if let file = keptFile(of: event) { referenced[file.traceName] = file.originalPath }
            }
            report.end = reader.end
        } catch {
            report.add(error)
        }
        report.eventCount = reader.eventsRead

        // Every data chunk, decompressed, whatever the events point into.
        do {
            let fd = try Confinement.openForReading(TraceFormat.dataFile, directory: dir)
            let stream = DataStreamReader(file: ChunkFileReader(fd: fd, path: dir + "/" + TraceFormat.dataFile))
            try stream.followToEnd(decompress: true)
            report.dataLength = stream.knownLength
        } catch {
            report.add(error)
        }

        // Kept files: those with checksums and those events name.
        var names = Set(referenced.keys)
        do {
            if let sums = try reader.keptFileChecksums() { names.formUnion(sums.keys) }
        } catch {
            report.add(error)
        }
        for name in names.sorted(by: keptOrder) {
            do {
                try reader.verifyKeptFile(name, originalPath: referenced[name])
                report.filesChecked += 1
            } catch {
                report.add(error)
            }
        }
        // Whatever else is in files/ is never opened, but a link or a device there is no part of
        // a trace swrr wrote.
        do {
            let dirfd = try Confinement.openDirectory(dir)
            defer { close(dirfd) }
            if let files = try Confinement.openFilesDirectory(dirfd, directory: dir) {
                defer { close(files) }
                for name in try Confinement.entries(of: files, path: dir + "/" + TraceFormat.filesDirectory).sorted() {
                    let traceName = TraceFormat.filesDirectory + "/" + name
                    var st = stat()
                    guard !names.contains(traceName), fstatat(files, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                    switch st.st_mode & S_IFMT {
                    case S_IFREG: continue
                    case S_IFLNK: report.add(TraceError.leavesTrace(dir, traceName, "is a symbolic link"))
                    default: report.add(TraceError.leavesTrace(dir, traceName, "is not a regular file"))
                    }
                }
            }
        } catch {
            report.add(error)
        }
        return report
    }

    static func keptFile(of event: Event) -> MappedFile? {
        switch event {
        case .exec(let e): return e.executable
        case .syscall(let e): return e.mappedFile
        default: return nil
        }
    }

    /// "files/2-x" before "files/10-y": the order the files were kept in.
    static func keptOrder(_ a: String, _ b: String) -> Bool {
        func number(_ s: String) -> Int {
            Int(s.dropFirst(TraceFormat.filesDirectory.count + 1).prefix { $0.isNumber }) ?? Int.max
        }
        return (number(a), a) < (number(b), b)
    }
}
