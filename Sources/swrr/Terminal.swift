// Output helpers for the command line: messages on stderr prefixed "swrr: ", and raw writes that
// survive a closed pipe.
import Glibc

enum Terminal {
    static func error(_ message: String) {
        writeAll(2, Array("swrr: \(message)\n".utf8))
    }

    static func status(_ message: String) {
        writeAll(2, Array("swrr: \(message)\n".utf8))
    }

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
