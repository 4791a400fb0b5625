// Rewriting a trace's `header` file the way a newer swrr would write it, independently of
// SwrrTrace (so the test does not share a bug with the code it checks). Layout (docs/TRACE-FORMAT.md):
// "SWRRHDR1", u32 format version, u32 payload length, u32 CRC-32 of the payload, JSON payload;
// integers little-endian.
import Foundation

enum TraceHeaderFile {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static let magic = Array("SWRRHDR1".utf8)

    /// Makes the header one of the next format version (frame and JSON), as the next swrr would
    /// write it, with valid length and checksum. Returns the new version.
    @discardableResult
    static func bumpVersion(_ path: String) throws -> UInt32 {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count >= 20 else { throw Malformed(description: "\(path) is too short") }
        let version = readU32(bytes, at: 8) + 1
        try rewriteVersion(path, to: version)
        return version
    }

    /// Sets the format version, in the frame and in the JSON, and fixes length and checksum.
    static func rewriteVersion(_ path: String, to version: UInt32) throws {
        try rewriteField(path, #""formatVersion"\s*:\s*[0-9]+"#, with: "\"formatVersion\" : \(version)", version: version)
    }

    /// Replaces the JSON text matching `pattern` (a regular expression) with `replacement`, keeps
    /// the frame's version unless `version` is given, and fixes length and checksum.
    static func rewriteField(_ path: String, _ pattern: String, with replacement: String, version: UInt32? = nil) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else {
            throw Malformed(description: "\(path) does not start with SWRRHDR1")
        }
        let length = Int(readU32(bytes, at: 12))
        guard 20 + length <= bytes.count else { throw Malformed(description: "\(path): payload length \(length)") }
        let json = String(decoding: bytes[20..<(20 + length)], as: UTF8.self)
        guard let field = json.range(of: pattern, options: .regularExpression) else {
            throw Malformed(description: "\(path): nothing matches \(pattern) in the JSON")
        }
        let payload = Data(json.replacingCharacters(in: field, with: replacement).utf8)
        var out = magic
        appendU32(&out, version ?? readU32(bytes, at: 8))
        appendU32(&out, UInt32(payload.count))
        appendU32(&out, crc32(payload))
        out += payload
        out += bytes[(20 + length)...]
        try Data(out).write(to: URL(fileURLWithPath: path))
    }

    static func readU32(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func appendU32(_ b: inout [UInt8], _ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { b.append(UInt8((v >> UInt32(shift)) & 0xff)) }
    }

    /// CRC-32 (IEEE 802.3, as zlib's crc32).
    static func crc32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xedb8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
