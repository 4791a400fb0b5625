// A recorded siginfo_t (x86-64, 128 bytes) read as the kernel laid it out, and the names of its
// si_code values (include/uapi/asm-generic/siginfo.h, Linux 6.x), for people: "SEGV_MAPERR",
// "SI_TKILL". Which union member is valid follows the kernel's own rule (siginfo_layout() in
// kernel/signal.c): a code <= 0 (or SI_USER) was sent by a process, whose pid and uid follow the
// three ints; a positive code of a fault signal carries the faulting address; SIGCHLD's the
// child's pid, uid and status.

public struct SignalInfo: Equatable, Sendable {
    public var signal: Int32
    public var errno: Int32
    public var code: Int32
    /// The address of the fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP with a kernel code).
    public var faultAddress: UInt64?
    /// The sending process and its real uid (kill, tgkill, sigqueue, a SIGCHLD's child).
    public var senderPid: Int32?
    public var senderUid: UInt32?
    /// SIGCHLD: the child's exit status or signal.
    public var childStatus: Int32?

    /// Byte offsets in siginfo_t: si_signo, si_errno, si_code, then the union at 16 (after 4
    /// bytes of padding that align its pointers): _kill {pid 16, uid 20}, _sigfault {addr 16},
    /// _sigchld {pid 16, uid 20, status 24}.
    static let size = 128

    /// Reads a raw siginfo_t; nil when it is not 128 bytes (a trace written without one).
    public init?(raw: [UInt8]) {
        guard raw.count == Self.size else { return nil }
        func int32(_ at: Int) -> Int32 { raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: Int32.self) } }
        signal = int32(0)
        errno = int32(4)
        code = int32(8)
        switch Self.layout(signal: signal, code: code) {
        case .fault:
            faultAddress = raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self) }
        case .sender:
            senderPid = int32(16)
            senderUid = UInt32(bitPattern: int32(20))
        case .child:
            senderPid = int32(16)
            senderUid = UInt32(bitPattern: int32(20))
            childStatus = int32(24)
        case .other:
            break
        }
    }

    enum Layout { case fault, sender, child, other }

    static let faultSignals: Set<Int32> = [4, 5, 7, 8, 11]   // ILL TRAP BUS FPE SEGV

    static func layout(signal: Int32, code: Int32) -> Layout {
        if code == SignalCodes.kernel { return .other }
        if code <= 0 { return .sender }   // SI_USER, SI_QUEUE, SI_TKILL, SI_MESGQ…: a process sent it
        if faultSignals.contains(signal) { return .fault }
        if signal == 17 { return .child }
        return .other
    }

    /// si_code's name ("SEGV_MAPERR"; a number when the kernel headers name none).
    public var codeName: String { SignalCodes.name(code, signal: signal) }
}

/// si_code names: the generic ones, then each signal's own (positive codes).
public enum SignalCodes {
    /// SI_KERNEL: sent by the kernel with no more to say (a general-protection fault's SIGSEGV).
    public static let kernel: Int32 = 0x80

    public static let generic: [Int32: String] = [
        0: "SI_USER", 0x80: "SI_KERNEL", -1: "SI_QUEUE", -2: "SI_TIMER", -3: "SI_MESGQ",
        -4: "SI_ASYNCIO", -5: "SI_SIGIO", -6: "SI_TKILL", -7: "SI_DETHREAD", -60: "SI_ASYNCNL",
    ]

    public static let bySignal: [Int32: [Int32: String]] = [
        4: [1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP", 5: "ILL_PRVOPC",
            6: "ILL_PRVREG", 7: "ILL_COPROC", 8: "ILL_BADSTK", 9: "ILL_BADIADDR"],
        5: [1: "TRAP_BRKPT", 2: "TRAP_TRACE", 3: "TRAP_BRANCH", 4: "TRAP_HWBKPT", 5: "TRAP_UNK", 6: "TRAP_PERF"],
        7: [1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR", 4: "BUS_MCEERR_AR", 5: "BUS_MCEERR_AO"],
        8: [1: "FPE_INTDIV", 2: "FPE_INTOVF", 3: "FPE_FLTDIV", 4: "FPE_FLTOVF", 5: "FPE_FLTUND",
            6: "FPE_FLTRES", 7: "FPE_FLTINV", 8: "FPE_FLTSUB", 14: "FPE_FLTUNK", 15: "FPE_CONDTRAP"],
        11: [1: "SEGV_MAPERR", 2: "SEGV_ACCERR", 3: "SEGV_BNDERR", 4: "SEGV_PKUERR", 5: "SEGV_ACCADI",
             6: "SEGV_ADIDERR", 7: "SEGV_ADIPERR", 8: "SEGV_MTEAERR", 9: "SEGV_MTESERR", 10: "SEGV_CPERR"],
        17: [1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 4: "CLD_TRAPPED", 5: "CLD_STOPPED", 6: "CLD_CONTINUED"],
        29: [1: "POLL_IN", 2: "POLL_OUT", 3: "POLL_MSG", 4: "POLL_ERR", 5: "POLL_PRI", 6: "POLL_HUP"],
        31: [1: "SYS_SECCOMP", 2: "SYS_USER_DISPATCH"],
    ]

    public static func name(_ code: Int32, signal: Int32) -> String {
        if code > 0, code != kernel, let n = bySignal[signal]?[code] { return n }
        return generic[code] ?? "si_code \(code)"
    }
}
