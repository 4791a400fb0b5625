// What swrr puts into a process right after exec for syscall buffering (issue 7): the stub page
// (both when recording and when replaying, so both address spaces stay the same), and, when
// recording with buffering, the seccomp filter that lets the stub's syscall instruction run
// without a ptrace stop. The protocol is in Sources/SwrrPreload/include/swrr_syscallbuf.h.
import SwrrKernel

public enum StubPage {
    /// Maps the page read+execute at its fixed address and writes the recording or replay stub and
    /// mode into it. The task must be stopped right after exec.
    public static func map(in task: Task, replaying: Bool) throws {
        let page = SyscallBufferLayout.stubPage
        // PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE
        let r = try task.injectSyscallAtRip(Syscall.mmap.number, [page, 4096, 0x5, MmapFlags.ownPage, UInt64(bitPattern: -1), 0])
        guard r == Int64(page) else {
            throw TraceeError("cannot map swrr's stub page at 0x\(String(page, radix: 16)) (error \(-r))")
        }
        // Read-only for the program; written through /proc/PID/mem.
        try task.writeMemory(page, SyscallBufferLayout.stubCode(replaying: replaying))
        try task.writeMemory(page + SyscallBufferLayout.modeOffset, [replaying ? 1 : 0, 0, 0, 0])
    }
}

/// The recorder's seccomp filter: syscalls from the stub's instruction run untraced, all others
/// stop the program (SECCOMP_RET_TRACE, seen as PTRACE_EVENT_SECCOMP, which since Linux 4.8 takes
/// the place of the syscall-entry stop: resuming from it with PTRACE_SYSCALL gives the exit stop).
public enum SeccompFilter {
    static let retAllow: UInt32 = 0x7fff_0000, retTrace: UInt32 = 0x7ff0_0000
    static let auditArchX86_64: UInt32 = 0xC000_003E

    /// The BPF program as struct sock_filter entries (u16 code, u8 jt, u8 jf, u32 k).
    static func program(allowing ip: UInt64) -> [UInt8] {
        let ldAbs: UInt16 = 0x20, jeq: UInt16 = 0x15, ret: UInt16 = 0x06
        // seccomp_data: nr at 0, arch at 4, instruction_pointer at 8 (low word) and 12 (high word).
        let insns: [(UInt16, UInt8, UInt8, UInt32)] = [
            (ldAbs, 0, 0, 4),
            (jeq, 0, 5, auditArchX86_64),
            (ldAbs, 0, 0, 8),
            (jeq, 0, 3, UInt32(truncatingIfNeeded: ip)),
            (ldAbs, 0, 0, 12),
            (jeq, 0, 1, UInt32(truncatingIfNeeded: ip >> 32)),
            (ret, 0, 0, retAllow),
            (ret, 0, 0, retTrace),
        ]
        return encode(insns)
    }

    /// struct sock_filter entries (u16 code, u8 jt, u8 jf, u32 k) as bytes.
    static func encode(_ insns: [(UInt16, UInt8, UInt8, UInt32)]) -> [UInt8] {
        var out: [UInt8] = []
        for (code, jt, jf, k) in insns {
            out += withUnsafeBytes(of: code.littleEndian) { Array($0) } + [jt, jf]
            out += withUnsafeBytes(of: k.littleEndian) { Array($0) }
        }
        return out
    }

    /// What seccomp(SECCOMP_SET_MODE_FILTER) reads at `base`: struct sock_fprog { u16 len;
    /// (padding); struct sock_filter *filter; }, the filter right after it.
    static func fprogImage(_ filter: [UInt8], at base: UInt64) -> [UInt8] {
        var fprog = [UInt8](repeating: 0, count: 16)
        let count = UInt16(filter.count / 8)
        fprog[0] = UInt8(count & 0xff)
        fprog[1] = UInt8(count >> 8)
        let at = base + 16
        for i in 0..<8 { fprog[8 + i] = UInt8(truncatingIfNeeded: at >> (8 * UInt64(i))) }
        return fprog + filter
    }

    /// Installs the filter in a task stopped right after exec (before the program runs: every
    /// thread and child it makes inherits it). Uses swrr's scratch page for the program.
    public static func install(in task: Task) throws {
        let filter = program(allowing: SyscallBufferLayout.untracedSyscallEnd)
        let base = ScratchPage.address
        try task.writeMemory(base, fprogImage(filter, at: base))
        // PR_SET_NO_NEW_PRIVS, without which an unprivileged process may not install a filter.
        let p = try task.injectSyscallAtRip(Syscall.prctl.number, [38, 1, 0, 0, 0])
        guard p == 0 else { throw TraceeError("prctl(PR_SET_NO_NEW_PRIVS) failed in the recorded program (error \(-p))") }
        // seccomp(SECCOMP_SET_MODE_FILTER, 0, &fprog)
        let r = try task.injectSyscallAtRip(Syscall.seccomp.number, [1, 0, base])
        guard r == 0 else { throw TraceeError("cannot install swrr's seccomp filter (error \(-r))") }
        try task.writeMemory(base, [UInt8](repeating: 0, count: 16 + filter.count))
    }
}

public enum PreloadEnvironment {
    /// `env` with `library` added to LD_PRELOAD, after what is already there: a library the user
    /// preloads that wraps read() and passes the call on still sees it.
    public static func adding(_ library: String, to env: [String]) -> [String] {
        var out = env
        if let i = out.firstIndex(where: { $0.hasPrefix("LD_PRELOAD=") }) {
            let current = out[i].dropFirst("LD_PRELOAD=".count)
            out[i] = "LD_PRELOAD=" + (current.isEmpty ? library : current + ":" + library)
        } else {
            out.append("LD_PRELOAD=" + library)
        }
        return out
    }

    /// `env` with `verify_asan_link_order=0` added to ASAN_OPTIONS, unless the user set that
    /// option. AddressSanitizer's runtime (gcc's libasan, clang's libclang_rt.asan) checks at start
    /// that it is the first library after the executable, and aborts the program otherwise ("ASan
    /// runtime does not come first in initial library list"): a preloaded library always comes
    /// before the executable's own DT_NEEDED libraries, so every ASan program died at once under
    /// `swrr record`. The check guards only against an interposer taking malloc before ASan; the
    /// preload library interposes no libc symbol (it patches libc's syscall sites), so turning it
    /// off is safe. The option sits in the recorded environment (the trace header's), so replay
    /// starts the program with the same environment bytes.
    public static func allowingSanitizerLinkOrder(_ env: [String]) -> [String] {
        let option = "verify_asan_link_order=0"
        var out = env
        guard let i = out.firstIndex(where: { $0.hasPrefix("ASAN_OPTIONS=") }) else {
            return out + ["ASAN_OPTIONS=" + option]
        }
        let current = out[i].dropFirst("ASAN_OPTIONS=".count)
        if current.contains("verify_asan_link_order") { return out }
        out[i] = "ASAN_OPTIONS=" + (current.isEmpty ? option : current + ":" + option)
        return out
    }
}
