// What the debug-info layer needs from "the program at the current point": registers and
// memory. A live traced task provides them directly; replay will provide a type that answers
// from a checkpoint. Nothing in this module resumes or modifies the target.
import SwrrTracee

public protocol TargetAccess: AnyObject {
    func readMemory(_ address: UInt64, count: Int) throws -> [UInt8]
    func registers() throws -> Registers
}

extension Task: TargetAccess {}

public struct DebugInfoError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension TargetAccess {
    func readU64(_ address: UInt64) throws -> UInt64 {
        let b = try readMemory(address, count: 8)
        return b.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    /// A NUL-terminated string of at most `limit` bytes, read page by page so a string that
    /// ends just before an unmapped page still reads.
    func readCString(_ address: UInt64, limit: Int = 200) -> (String, truncated: Bool)? {
        if address == 0 { return nil }
        var out: [UInt8] = []
        var addr = address
        while out.count < limit {
            let pageLeft = Int(4096 - (addr & 4095))
            guard let chunk = try? readMemory(addr, count: min(pageLeft, limit - out.count)) else {
                return out.isEmpty ? nil : (String(decoding: out, as: UTF8.self), true)
            }
            if let z = chunk.firstIndex(of: 0) {
                out += chunk[..<z]
                return (String(decoding: out, as: UTF8.self), false)
            }
            out += chunk
            addr += UInt64(chunk.count)
        }
        return (String(decoding: out, as: UTF8.self), true)
    }
}

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
