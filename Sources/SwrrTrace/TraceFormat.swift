// The on-disk trace format: versions, limits, and the one error type every reader and writer
// throws. The byte-level reference is docs/TRACE-FORMAT.md.
//
// A trace is a directory (DESIGN.md §4):
//
//     header   "SWRRHDR1", u32 format version, u32 payload length, u32 CRC32 of the payload,
//              then the JSON of TraceHeader                                  (HeaderCodec.swift)
//     events   chunks of encoded events, then one end-marker chunk           (EventCodec.swift)
//     data     chunks of memory bytes that the event records point into by (offset, length)
//     files/   hard links or copies of every file the program mapped ("files/<N>-<basename>")
//     checksums  one chunk per kept file: its name, size and CRC-32, written as it is kept
//              (FileChecksums.swift; traces whose header lacks `fileChecksums` have none)
//
// Both streams are sequences of independently zstd-compressed chunks, each written with a single
// write() (Chunk.swift). A recorder killed at any moment therefore leaves at most one partial
// chunk at the end of each stream: readers treat that as the end of the recording (`.truncated`),
// not as damage. A complete chunk with a bad magic number or checksum is damage, reported with
// the file and offset. The writer always appends a data chunk before the events chunk whose
// records point into it, so a complete events chunk only ever references complete data.
//
// Everything binary is little-endian; integers inside records are LEB128 varints (signed ones
// zigzag-encoded). Readers check every length against what is actually there and never trap on
// what they read from disk.
import Glibc

public enum TraceFormat {
    /// The version of the on-disk format this swrr writes, and the newest it can read. 2: preempt
    /// events and signals at a state signature (tag 9, delivery point 3); every event of
    /// version 1 decodes as before.
    public static let version: Int = 2
    /// The version of swrr recorded in headers.
    public static let swrrVersion: String = "0.1.0"

    /// Largest uncompressed chunk a reader accepts (writers stay far below it).
    static let maxChunkLength = 64 << 20
    /// Largest header file a reader accepts.
    static let maxHeaderLength = 16 << 20
    /// Versions above this are not "newer formats" but damaged version fields.
    static let plausibleVersionLimit = 1000

    /// Names inside a trace directory.
    static let headerFile = "header"
    static let eventsFile = "events"
    static let dataFile = "data"
    static let filesDirectory = "files"
    static let checksumsFile = "checksums"
}

/// Why a trace could not be written, found or read. `description` is one sentence meant for the
/// person at the terminal; `kind`, `path` and `offset` are for code that wants to react.
public struct TraceError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The path does not exist, is not a directory, or is an empty directory.
        case notATrace
        /// A trace directory lacks one of its files.
        case missingFile
        /// A file of the trace has a bad magic number, checksum, length or compressed frame.
        case damaged
        /// The trace was written by a newer swrr.
        case newerFormat
        /// A directory or file that was never a swrr trace.
        case foreign
        /// A trace directory to be created exists already.
        case alreadyExists
        /// A system call failed (the description carries strerror).
        case io
        /// There is no trace to open by default.
        case noRecordings
        /// The API was used in a way it does not allow (appending after finish, …).
        case invalidUse
        /// Something in the trace would lead outside its directory (a symbolic link, a name with
        /// "/" or ".."): swrr reads and writes nothing outside a trace.
        case leavesTrace
    }

    public let kind: Kind
    /// The file or directory concerned.
    public let path: String?
    /// For `.damaged`: the byte offset in `path` where the damage was found.
    public let offset: UInt64?
    public let description: String

    public init(_ kind: Kind, path: String?, offset: UInt64? = nil, _ description: String) {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.description = description
    }

    static func notATrace(_ path: String, _ reason: String) -> TraceError {
        TraceError(.notATrace, path: path, "'\(path)' is not a swrr trace: \(reason)")
    }

    static func foreign(_ path: String, _ reason: String) -> TraceError {
        TraceError(.foreign, path: path, "'\(path)' is not a swrr trace: \(reason)")
    }

    static func missingFile(directory: String, name: String) -> TraceError {
        TraceError(.missingFile, path: directory + "/" + name,
                   "the trace '\(directory)' is incomplete: its file '\(name)' is missing")
    }

    static func damaged(_ file: String, at offset: UInt64, _ what: String) -> TraceError {
        TraceError(.damaged, path: file, offset: offset,
                   "the trace file '\(file)' is damaged at offset \(offset): \(what)")
    }

    static func newerFormat(_ headerFile: String, found: Int) -> TraceError {
        TraceError(.newerFormat, path: headerFile,
                   "the trace header '\(headerFile)' has format version \(found), newer than this swrr "
                   + "(\(TraceFormat.swrrVersion)) reads (versions up to \(TraceFormat.version)): "
                   + "upgrade swrr to replay it")
    }

    static func leavesTrace(_ directory: String, _ name: String, _ why: String) -> TraceError {
        TraceError(.leavesTrace, path: directory + "/" + name,
                   "'\(name)' in the trace '\(directory)' \(why): swrr reads and writes nothing outside a trace")
    }

    static func alreadyExists(_ path: String) -> TraceError {
        TraceError(.alreadyExists, path: path,
                   "cannot create the trace directory '\(path)': it already exists")
    }

    /// `operation` completes "cannot …", e.g. "open", "write to".
    static func io(_ operation: String, _ path: String, errno code: Int32) -> TraceError {
        TraceError(.io, path: path, "cannot \(operation) '\(path)': \(Posix.errorString(code))")
    }

    /// `message` says what failed ("cannot open /x"); strerror(code) follows it.
    static func io(_ message: String, _ code: Int32) -> TraceError {
        TraceError(.io, path: nil, "\(message): \(Posix.errorString(code))")
    }
}
