// The x87/SSE register file of a stopped task (struct user_fpregs_struct: the 512-byte FXSAVE
// image), read with PTRACE_GETFPREGS. AVX upper halves (XSAVE) are not read yet.
import CSwrrShim
import SwrrTracee

public struct FloatingPointRegisters: Equatable, Sendable {
    /// The raw FXSAVE area.
    public var fxsave: [UInt8]

    public init(fxsave: [UInt8]) {
        precondition(fxsave.count == 512)
        self.fxsave = fxsave
    }

    static func read(_ task: Task) throws -> FloatingPointRegisters {
        var fp = user_fpregs_struct()
        guard swrr_getfpregs(task.tid, &fp) == 0 else {
            throw DebuggerError.other("PTRACE_GETFPREGS of task \(task.tid) failed")
        }
        let bytes = withUnsafeBytes(of: &fp) { Array($0.prefix(512)) }
        return FloatingPointRegisters(fxsave: bytes)
    }

    private func u16(_ o: Int) -> UInt16 { UInt16(fxsave[o]) | UInt16(fxsave[o + 1]) << 8 }
    private func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(fxsave[o + $1]) << (8 * UInt32($1)) } }
    private func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(fxsave[o + $1]) << (8 * UInt64($1)) } }

    public var controlWord: UInt16 { u16(0) }
    public var statusWord: UInt16 { u16(2) }
    /// The abridged tag byte of FXSAVE (bit i set: physical register i is not empty).
    public var abridgedTag: UInt8 { fxsave[4] }
    public var lastOpcode: UInt16 { u16(6) }
    public var instructionPointer: UInt64 { u64(8) }
    public var dataPointer: UInt64 { u64(16) }
    public var mxcsr: UInt32 { u32(24) }

    /// The full 16-bit x87 tag word gdb shows (2 bits per register: 0 valid, 3 empty); registers
    /// that are not empty are reported as valid.
    public var fullTagWord: UInt16 {
        var tag: UInt16 = 0
        for i in 0..<8 where abridgedTag & (1 << UInt8(i)) == 0 {
            tag |= 3 << UInt16(2 * i)
        }
        return tag
    }

    /// st(i) as 10 bytes (80-bit extended).
    public func st(_ i: Int) -> [UInt8] { Array(fxsave[(32 + 16 * i)..<(32 + 16 * i + 10)]) }
    /// xmm(i) as 16 bytes.
    public func xmm(_ i: Int) -> [UInt8] { Array(fxsave[(160 + 16 * i)..<(160 + 16 * i + 16)]) }
}
