// The x87/SSE register file of a stopped task as bytes: struct user_fpregs_struct, the 512-byte
// FXSAVE image PTRACE_GETFPREGS and PTRACE_SETFPREGS move (the program's own ptrace passes it
// through as such: SwrrRecord/EmulatedPtrace.swift).
import CSwrrShim
import Glibc

extension Task {
    /// PTRACE_GETFPREGS; nil with errno set when it fails.
    public func fxsaveArea() -> [UInt8]? {
        var fp = user_fpregs_struct()
        guard swrr_getfpregs(tid, &fp) == 0 else { return nil }
        return withUnsafeBytes(of: &fp) { Array($0) }
    }

    /// PTRACE_SETFPREGS of `bytes` (512); false with errno set when it fails.
    public func setFxsaveArea(_ bytes: [UInt8]) -> Bool {
        var fp = user_fpregs_struct()
        withUnsafeMutableBytes(of: &fp) { $0.copyBytes(from: bytes.prefix($0.count)) }
        return swrr_setfpregs(tid, &fp) == 0
    }
}
