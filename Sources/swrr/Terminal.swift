// Output helpers for the command line: messages on stderr prefixed "swrr: ", and raw writes that
// survive a closed pipe.
import Glibc

enum Terminal {
    /// swrr's own messages name traces, files and programs taken from the file system or from a
    /// trace, so they are shown with control characters escaped (`printable`), keeping only the
    /// message's own line breaks and tabs.
    static func error(_ message: String) {
        writeAll(2, Array("swrr: \(printable(message, keeping: ["\n", "\t"]))\n".utf8))
    }

    static func status(_ message: String) {
        writeAll(2, Array("swrr: \(printable(message, keeping: ["\n", "\t"]))\n".utf8))
    }

    /// `text` with every character a terminal may act on written as an escape: C0 controls (ESC
    /// starts the sequences that move the cursor, retitle the window, rewrite the screen or, on
    /// some terminals, answer back as typed input), DEL, the C1 controls (U+009B is a one-byte
    /// CSI to terminals that honour C1) and the Unicode bidirectional overrides and isolates
    /// (which reorder what follows them on the line). A directory named "\u{1b}]2;pwned\u{7}"
    /// listed by `swrr ls` retitled the terminal before this.
    static func printable(_ text: String, keeping kept: Set<Unicode.Scalar> = []) -> String {
        var out = ""
        for c in text.unicodeScalars {
            if kept.contains(c) {
                out.unicodeScalars.append(c)
                continue
            }
            switch c.value {
            case 0x0a: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0d: out += "\\r"
            case 0x00..<0x20, 0x7f: out += "\\x" + hex2(c.value)
            case 0x80..<0xa0, 0x200e, 0x200f, 0x202a...0x202e, 0x2066...0x2069:
                out += "\\u{" + String(c.value, radix: 16) + "}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    private static func hex2(_ v: UInt32) -> String { (v < 0x10 ? "0" : "") + String(v, radix: 16) }

    /// Writes every byte (retrying short writes); gives up quietly if the reader went away.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }

    static var isTTY: Bool { isatty(2) != 0 }
}

/// Exit statuses shared by the subcommands (sysexits.h where one fits).
enum ExitStatus {
    static let divergence: Int32 = 70      // EX_SOFTWARE
    static let endedEarly: Int32 = 75      // EX_TEMPFAIL
    static let badTrace: Int32 = 66        // EX_NOINPUT
    static let usage: Int32 = 64           // EX_USAGE
}
