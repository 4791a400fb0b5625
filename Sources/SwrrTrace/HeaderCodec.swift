// The `header` file: a fixed frame around the JSON of TraceHeader.
//
//     0  "SWRRHDR1"
//     8  u32 format version    (the frame itself never changes, so any swrr can read this far
//                               and say "newer format: upgrade swrr")
//    12  u32 payload length
//    16  u32 CRC32 of the payload
//    20  JSON payload (TraceHeader; its formatVersion repeats the frame's)
import Foundation

enum HeaderCodec {
    static let magic: [UInt8] = Array("SWRRHDR1".utf8)
    static let frameSize = 20

    static func encode(_ header: TraceHeader) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do {
            json = try encoder.encode(header)
        } catch {
            throw TraceError(.invalidUse, path: nil, "cannot encode the trace header as JSON: \(error)")
        }
        guard let version = UInt32(exactly: header.formatVersion) else {
            throw TraceError(.invalidUse, path: nil, "format version \(header.formatVersion) does not fit the header")
        }
        let payload = [UInt8](json)
        var w = ByteWriter(capacity: frameSize + payload.count)
        w.append(magic)
        w.u32(version)
        w.u32(UInt32(payload.count))
        w.u32(CRC32.checksum(payload))
        w.append(payload)
        return w.bytes
    }

    /// Checks and decodes the bytes of the header file at `path` of the trace `directory`.
    static func decode(_ bytes: [UInt8], path: String, directory: String) throws -> TraceHeader {
        func damaged(_ offset: Int, _ what: String) -> TraceError {
            TraceError.damaged(path, at: UInt64(offset), what)
        }
        let head = Array(bytes.prefix(magic.count))
        if head != magic {
            // One or two wrong bytes in the right place is a damaged trace; anything else was
            // never one.
            let matching = zip(head, magic).filter { $0 == $1 }.count
            if head.count == magic.count && matching >= magic.count - 2 {
                throw damaged(0, "bad magic \(hex(head)) (expected \"SWRRHDR1\")")
            }
            if head.count < magic.count && matching == head.count {
                throw damaged(0, "the header is cut short after \(bytes.count) bytes")
            }
            throw TraceError.foreign(directory, "its file 'header' does not start with \"SWRRHDR1\"")
        }
        var r = ByteReader(bytes, position: magic.count)
        guard bytes.count >= frameSize,
              let version = try? r.u32(), let length = try? r.u32(), let stored = try? r.u32()
        else {
            throw damaged(bytes.count, "the header is cut short after \(bytes.count) bytes (the frame needs \(frameSize))")
        }
        if version == 0 { throw damaged(8, "format version 0 is invalid") }
        let available = bytes.count - frameSize
        let payload = bytes[frameSize...]
        let computed = CRC32.checksum(payload)
        let intact = UInt64(length) == UInt64(available) && computed == stored
        if version > TraceFormat.version {
            // The frame is the same in every format, so its checks still apply; the JSON of a
            // genuine newer header repeats the version, a damaged version field does not.
            let jsonVersion = intact ? looseFormatVersion(payload) : nil
            if let jsonVersion, jsonVersion != Int(version) {
                throw damaged(8, "the frame says format version \(version) but the JSON says \(jsonVersion)")
            }
            if jsonVersion == nil && version > TraceFormat.plausibleVersionLimit {
                throw damaged(8, "format version \(version) is implausible")
            }
            throw TraceError.newerFormat(path, found: Int(version))
        }
        if UInt64(length) > UInt64(available) {
            throw damaged(bytes.count, "the header is cut short: its payload should be \(length) bytes but \(available) are present")
        }
        if UInt64(length) < UInt64(available) {
            throw damaged(frameSize + Int(length), "\(available - Int(length)) unexpected bytes follow the header's payload")
        }
        guard computed == stored else {
            throw damaged(16, "header checksum mismatch (stored \(hex32(stored)), computed \(hex32(computed)))")
        }
        let header: TraceHeader
        do {
            header = try JSONDecoder().decode(TraceHeader.self, from: Data(payload))
        } catch {
            throw damaged(frameSize, "the header's JSON does not describe a trace (\(describe(error)))")
        }
        guard header.formatVersion == Int(version) else {
            throw damaged(8, "the frame says format version \(version) but the JSON says \(header.formatVersion)")
        }
        return header
    }

    /// The "formatVersion" of a JSON object, whatever else it holds.
    private static func looseFormatVersion(_ payload: ArraySlice<UInt8>) -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else { return nil }
        return (object["formatVersion"] as? NSNumber)?.intValue
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "no field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        default: return "\(error)"
        }
    }
}
