// DAP's base protocol: each message is a header block ("Content-Length: N\r\n", other header lines
// ignored, then "\r\n") followed by exactly N bytes of UTF-8 JSON. Read from and written to raw
// file descriptors.
//
// The reader never crashes and never waits for bytes that cannot come: a header without a valid
// Content-Length (none, not a number, or over `maximumAnnounced`), a body larger than
// `maximumBody`, or bytes before a header are reported as
// `.malformed` and skipped (the reader resynchronises at the next "Content-Length:"), and end of
// file, also in the middle of a message, is `.end`.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum Frame: Equatable {
    /// One message body.
    case message([UInt8])
    /// Something that is not a well-framed message was skipped; the text says what.
    case malformed(String)
    /// End of input (a partial message at the end is dropped).
    case end
}

public final class FrameReader {
    public static let defaultMaximumBody = 16 << 20
    /// Longest header block accepted before it is declared garbage.
    static let maximumHeader = 8192
    /// A larger Content-Length is no message a client sends: the header is skipped and the reader
    /// looks for the next one at once. Discarding its body instead would swallow every later
    /// message (a peer announcing 2^63-1 bytes silenced the adapter for good).
    static let maximumAnnounced = 1 << 30

    let fd: Int32
    let maximumBody: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false

    public init(fd: Int32, maximumBody: Int = FrameReader.defaultMaximumBody) {
        self.fd = fd
        self.maximumBody = maximumBody
    }

    /// Bytes already read from the descriptor but not yet returned.
    public var hasBufferedBytes: Bool { start < buffer.count }

    /// Whether a call to `next()` can return without blocking on the descriptor: buffered bytes,
    /// or the descriptor is readable (or closed) right now.
    public func isReady() -> Bool {
        if hasBufferedBytes || eof { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// Blocks until `timeoutMs` passes or input is ready; returns whether it is.
    public func wait(timeoutMs: Int32) -> Bool {
        if hasBufferedBytes || eof { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, timeoutMs) > 0
    }

    /// Reads more bytes; false at end of file (or an unrecoverable read error).
    private func fill() -> Bool {
        if eof { return false }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if n < 0 && errno == EINTR { continue }
            eof = true
            return false
        }
    }

    private static let separator: [UInt8] = Array("\r\n\r\n".utf8)
    private static let contentLength: [UInt8] = Array("content-length:".utf8)

    private func find(_ needle: [UInt8], from: Int) -> Int? {
        guard buffer.count - from >= needle.count else { return nil }
        var i = from
        while i <= buffer.count - needle.count {
            if buffer[i] == needle[0] {
                var j = 1
                while j < needle.count && buffer[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Position of the next "Content-Length:" (case-insensitive) at or after `from`.
    private func findHeaderStart(from: Int) -> Int? {
        let n = Self.contentLength
        guard buffer.count - from >= n.count else { return nil }
        var i = from
        while i <= buffer.count - n.count {
            var j = 0
            while j < n.count, (buffer[i + j] | 0x20) == n[j] {  // n is lowercase letters, "-" and ":"
                j += 1
            }
            if j == n.count { return i }
            i += 1
        }
        return nil
    }

    /// Whole "Name: value\r\n" lines of printable ASCII.
    static func isHeaderLines(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 2, bytes.suffix(2).elementsEqual([13, 10]) else { return false }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\r\n").allSatisfy { line in
            line.contains(":") && line.utf8.allSatisfy { $0 >= 32 && $0 < 127 }
        }
    }

    /// The next frame.
    public func next() -> Frame {
        while true {
            // Skip anything before the next header.
            if let h = findHeaderStart(from: start) {
                if h > start {
                    let skipped = buffer[start..<h]
                    start = h
                    // Other header lines before Content-Length ("Content-Type: …\r\n") are fine.
                    if !Self.isHeaderLines(skipped) {
                        return .malformed("skipped \(skipped.count) bytes that are not a DAP message header")
                    }
                }
            } else {
                // Keep a tail that may be the start of a header split across reads.
                let keep = min(buffer.count - start, Self.contentLength.count - 1)
                if buffer.count - start > keep {
                    // Only report garbage once there is something other than whitespace.
                    let garbage = buffer[start..<(buffer.count - keep)]
                    start = buffer.count - keep
                    if garbage.contains(where: { !($0 == 10 || $0 == 13 || $0 == 32 || $0 == 9) }) {
                        return .malformed("skipped \(garbage.count) bytes that are not a DAP message header")
                    }
                }
                if !fill() { return .end }
                continue
            }
            // A header starts at `start`: wait for its end.
            guard let sep = find(Self.separator, from: start) else {
                if buffer.count - start > Self.maximumHeader {
                    start += Self.contentLength.count
                    return .malformed("a message header longer than \(Self.maximumHeader) bytes was skipped")
                }
                if !fill() { return .end }
                continue
            }
            let header = String(decoding: buffer[start..<sep], as: UTF8.self)
            var length: Int?
            var problem: String?
            for line in header.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { continue }
                if parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-length" {
                    let value = parts[1].trimmingCharacters(in: .whitespaces)
                    if let n = Int(value), n >= 0, n <= Self.maximumAnnounced {
                        length = n
                    } else {
                        problem = "invalid Content-Length '\(value.prefix(40))'"
                    }
                }
            }
            let bodyStart = sep + Self.separator.count
            guard let n = length else {
                start = bodyStart
                return .malformed((problem ?? "a message header without Content-Length") + " was skipped")
            }
            if n > maximumBody {
                // Discard the body as it arrives, without storing it.
                start = bodyStart
                var remaining = n
                while remaining > 0 {
                    let have = buffer.count - start
                    if have == 0 { if !fill() { return .end }; continue }
                    let take = min(have, remaining)
                    start += take
                    remaining -= take
                }
                return .malformed("a message of \(n) bytes (more than \(maximumBody)) was skipped")
            }
            while buffer.count - bodyStart < n {
                if !fill() { return .end }
            }
            let body = Array(buffer[bodyStart..<(bodyStart + n)])
            start = bodyStart + n
            return .message(body)
        }
    }
}

/// Writes framed messages; safe to use from several threads (output forwarding runs on its own).
public final class FrameWriter {
    let fd: Int32
    private let lock = NSLock()
    /// Set once a write fails (the client is gone): later writes are dropped.
    public private(set) var broken = false

    public init(fd: Int32) {
        self.fd = fd
    }

    public func write(_ body: [UInt8]) {
        var bytes = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
        bytes += body
        lock.lock()
        defer { lock.unlock() }
        if broken { return }
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { broken = true; return }
            off += n
        }
    }
}
