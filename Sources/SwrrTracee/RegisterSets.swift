// A stopped task's register sets by ELF note type (PTRACE_GETREGSET/SETREGSET: NT_PRSTATUS 1,
// NT_PRFPREG 2, NT_X86_XSTATE 0x202...), as bytes: what the program's own ptrace passes through
// (SwrrRecord/EmulatedPtrace.swift, SwrrReplay/EmulatedPtraceReplay.swift).
import CSwrrShim
import Glibc

extension Task {
    /// PTRACE_GETREGSET of note `type` into at most `capacity` bytes: the bytes the kernel wrote
    /// (its iov_len after the call), or nil with errno set.
    public func registerSet(_ type: UInt64, capacity: Int) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: max(capacity, 0))
        let written: Int? = buf.withUnsafeMutableBytes { b in
            var iov = iovec(iov_base: b.baseAddress, iov_len: b.count)
            let r = withUnsafeMutablePointer(to: &iov) {
                swrr_ptrace(0x4204, tid, UInt(type), UInt(bitPattern: $0))
            }
            return r == -1 ? nil : iov.iov_len
        }
        guard let n = written else { return nil }
        return Array(buf.prefix(n))
    }

    /// PTRACE_SETREGSET of note `type` from `bytes`; false with errno set.
    public func setRegisterSet(_ type: UInt64, _ bytes: [UInt8]) -> Bool {
        var copy = bytes
        return copy.withUnsafeMutableBytes { b in
            var iov = iovec(iov_base: b.baseAddress, iov_len: b.count)
            return withUnsafeMutablePointer(to: &iov) {
                swrr_ptrace(0x4205, tid, UInt(type), UInt(bitPattern: $0))
            } != -1
        }
    }
}
