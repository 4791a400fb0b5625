// The framing of gdb's remote serial protocol: `$payload#cs` with a two-hex-digit modulo-256
// checksum, `+`/`-` acknowledgements until QStartNoAckMode turns them off, `}` escaping of `$`,
// `#`, `}` and `*` in binary payloads, and run-length encoding (`*`) in what gdb sends (this
// server never sends it). Ctrl-C (0x03) outside a packet is an interrupt request.
import Glibc

/// One connection to gdb over a socket.
final class PacketConnection {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    /// The longest payload accepted.
    static let maximumPayload = 1 << 20
    /// After QStartNoAckMode: no `+` is sent or expected.
    var noAck = false
    /// Logs every packet to stderr (SWRR_GDB_LOG=1).
    let log: Bool

    init(fd: Int32, log: Bool = false) {
        self.fd = fd
        self.log = log
    }

    deinit { close(fd) }

    private func readByte() -> UInt8? {
        if position == buffer.count {
            var chunk = [UInt8](repeating: 0, count: 65536)
            var n: Int
            repeat {
                n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            } while n < 0 && errno == EINTR
            if n <= 0 { return nil }
            buffer = Array(chunk[0..<n])
            position = 0
        }
        position += 1
        return buffer[position - 1]
    }

    /// The next packet's payload (run-length encoding expanded, escapes kept: binary packets are
    /// unescaped by their handler); nil when gdb closed the connection. An interrupt (0x03) is
    /// returned as the payload "\u{03}".
    func receive() -> [UInt8]? {
        while true {
            guard var c = readByte() else { return nil }
            if c == 0x03 { return [0x03] }
            guard c == UInt8(ascii: "$") else { continue }   // acks and noise
            var payload: [UInt8] = []
            var sum: UInt8 = 0
            var tooLong = false
            while true {
                guard let b = readByte() else { return nil }
                c = b
                if c == UInt8(ascii: "#") { break }
                sum &+= c
                // No packet gdb sends comes near this (qSupported says PacketSize=4000); a longer
                // one is not stored, so a peer cannot grow the server's memory without limit.
                if payload.count < Self.maximumPayload { payload.append(c) } else { tooLong = true }
            }
            guard let h = readByte(), let l = readByte() else { return nil }
            let given = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16)
            if !noAck {
                if given != sum {
                    send(raw: [UInt8(ascii: "-")])
                    continue
                }
                send(raw: [UInt8(ascii: "+")])
            }
            if tooLong {
                if log { fputs("gdb> a packet longer than \(Self.maximumPayload) bytes was dropped\n", stderr) }
                send(Array("E01".utf8))
                continue
            }
            let expanded = Self.expandRunLength(payload)
            if log { fputs("gdb> \(String(decoding: expanded.prefix(200), as: UTF8.self))\n", stderr) }
            return expanded
        }
    }

    /// Sends a packet (the payload is escaped here).
    func send(_ payload: [UInt8]) {
        var framed: [UInt8] = [UInt8(ascii: "$")]
        var sum: UInt8 = 0
        for b in Self.escape(payload) {
            framed.append(b)
            sum &+= b
        }
        framed.append(UInt8(ascii: "#"))
        framed += Array(hex(sum, width: 2).utf8)
        if log { fputs("gdb< \(String(decoding: payload.prefix(200), as: UTF8.self))\n", stderr) }
        send(raw: framed)
        // The `+` for it is skipped by receive().
    }

    func send(_ payload: String) { send(Array(payload.utf8)) }

    private func send(raw: [UInt8]) {
        var off = 0
        while off < raw.count {
            let n = raw[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }

    static func escape(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for b in bytes {
            if b == UInt8(ascii: "$") || b == UInt8(ascii: "#") || b == UInt8(ascii: "}") || b == UInt8(ascii: "*") {
                out.append(UInt8(ascii: "}"))
                out.append(b ^ 0x20)
            } else {
                out.append(b)
            }
        }
        return out
    }

    static func unescape(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var escaped = false
        for b in bytes {
            if escaped {
                out.append(b ^ 0x20)
                escaped = false
            } else if b == UInt8(ascii: "}") {
                escaped = true
            } else {
                out.append(b)
            }
        }
        return out
    }

    /// `X*n` repeats X (n - 29) more times.
    static func expandRunLength(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "*")) else { return bytes }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "*"), let last = out.last, i + 1 < bytes.count {
                let n = Int(bytes[i + 1]) - 29
                if n > 0 { out += Array(repeating: last, count: n) }
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}

/// The numbers of gdb's packets, checked: a field is hex digits only (Swift's own parsers also take
/// a sign, so "-5" would be a length of -5) and must fit its type, or the packet is an error
/// reply. A trap here ends the server with the replay (measured: `$mffffffffffffffff,10` died of
/// an overflowing address + length), so handlers read numbers only through these.
enum PacketField {
    /// An unsigned hex number of at most 64 bits.
    static func hexUInt64<S: StringProtocol>(_ text: S) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 16, text.allSatisfy(\.isHexDigit) else { return nil }
        return UInt64(text, radix: 16)
    }

    /// An unsigned hex number no larger than `maximum` (a length, an offset, a register number).
    static func hexInt<S: StringProtocol>(_ text: S, maximum: Int = Int.max) -> Int? {
        guard let v = hexUInt64(text), v <= UInt64(maximum) else { return nil }
        return Int(v)
    }

    /// A thread id: a positive hex tid. gdb's "0" (any thread) and "-1" (all threads) are the
    /// caller's to handle.
    static func threadID<S: StringProtocol>(_ text: S) -> Int32? {
        guard let v = hexInt(text, maximum: Int(Int32.max)), v > 0 else { return nil }
        return Int32(v)
    }

    /// "ADDRESS,LENGTH" of an `m` packet, the length cut to `maximum` and to what is left below
    /// 2^64 (so address + length never overflows).
    static func memoryRange<S: StringProtocol>(_ text: S, maximum: Int) -> (address: UInt64, length: Int)? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = hexUInt64(parts[0]), let length = hexUInt64(parts[1]) else { return nil }
        let room = UInt64.max - address   // bytes after `address`, itself not counted
        var n = min(length, UInt64(maximum))
        if room < n { n = room + 1 }      // room < maximum here: + 1 cannot overflow
        return (address, Int(n))
    }
}

/// Lowercase hex of `v`, zero-padded to `width` digits.
func hex<T: BinaryInteger>(_ v: T, width: Int = 0) -> String {
    let s = String(v, radix: 16)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Hex of bytes in memory order.
func hexBytes<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    var s = ""
    for b in bytes { s += hex(b, width: 2) }
    return s
}

/// Little-endian bytes of the low `count` bytes of `v`.
func littleEndian(_ v: UInt64, count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
}

/// Bytes from hex text; nil when it is not hex.
func bytes(fromHex s: Substring) -> [UInt8]? {
    let chars = Array(s.utf8)
    guard chars.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    var i = 0
    out.reserveCapacity(chars.count / 2)
    while i < chars.count {
        // Digit by digit: UInt8(_:radix:) accepts a sign, so "+f" would read as 15.
        guard let high = hexDigit(chars[i]), let low = hexDigit(chars[i + 1]) else { return nil }
        out.append(high << 4 | low)
        i += 2
    }
    return out
}

/// The value of one ASCII hex digit.
private func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}
