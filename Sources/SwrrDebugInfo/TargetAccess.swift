// What the debug-info layer needs from "the program at the current point": registers and
// memory. A live traced task provides them directly; replay will provide a type that answers
// from a checkpoint. Nothing in this module resumes or modifies the target.
import Glibc
import SwrrTracee

public protocol TargetAccess: AnyObject {
    func readMemory(_ address: UInt64, count: Int) throws -> [UInt8]
    func registers() throws -> Registers
    /// The FXSAVE area (512 bytes: x87 at 32, xmm0-15 at 160), if the target can provide it.
    /// Optimized code keeps floating-point variables in xmm registers.
    func floatingPointRegisters() throws -> [UInt8]?
}

extension TargetAccess {
    public func floatingPointRegisters() throws -> [UInt8]? { nil }
}

extension Task: TargetAccess {
    /// PTRACE_GETFPREGS. SwrrTracee has no FP register accessor yet and glibc's ptrace is
    /// variadic (not callable from Swift), so it is called through a non-variadic pointer
    /// from dlsym; with only integer arguments the x86-64 calling conventions coincide.
    public func floatingPointRegisters() throws -> [UInt8]? {
        typealias PtraceFn = @convention(c) (Int, Int32, UInt, UnsafeMutableRawPointer?) -> Int
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ptrace") else { return nil }
        let ptrace = unsafeBitCast(sym, to: PtraceFn.self)
        var area = [UInt8](repeating: 0, count: 512)
        let r = area.withUnsafeMutableBytes { ptrace(14 /* PTRACE_GETFPREGS */, tid, 0, $0.baseAddress) }
        return r == 0 ? area : nil
    }
}

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
