// ptrace called by the recorded program, as data (issue 14). swrr is already every task's real
// tracer and Linux allows one, so the program's own ptrace is emulated, as rr does: the recorder
// answers each request itself (SwrrRecord/EmulatedPtrace.swift) and replay returns the recorded
// result and output, then applies to the replayed tracee what the request changed there
// (SwrrReplay/EmulatedPtraceReplay.swift). This table says, per request, what the call writes
// into the caller's memory and what it changes in the tracee; requests it does not list as
// emulated are refused with EIO (what the kernel answers for a request it does not know), naming
// the request on swrr's stderr.
//
// Numbers and sizes from include/uapi/linux/ptrace.h and arch/x86/include/uapi/asm/ptrace-abi.h
// (x86-64): struct user_regs_struct is 216 bytes, struct user_fpregs_struct 512, siginfo 128.
// PEEKTEXT/PEEKDATA/PEEKUSER store the word at the address in `data` and return 0 at the syscall
// level (glibc's wrapper returns the word): the output is 8 bytes at argument 3.

/// What a request changes in the tracee, which replay must repeat on the replayed tracee.
public enum PtraceEffect: Sendable, Equatable {
    /// Nothing replay must repeat: reads, and resumptions (the tracee's own later events are in
    /// the trace and replay runs it through them).
    case none
    /// POKETEXT/POKEDATA: the word `data` at address `addr` of the tracee.
    case writesWord
    /// POKEUSER: the word `data` at offset `addr` of the tracee's struct user (a register).
    case writesUserArea
    /// SETREGS: the 216-byte user_regs_struct at `data` (in the caller) becomes the tracee's.
    case setsRegisters
    /// SETFPREGS: the 512-byte user_fpregs_struct at `data` becomes the tracee's.
    case setsFPRegisters
    /// SETREGSET: the register set of note type `addr`, in the iovec at `data`, becomes the
    /// tracee's.
    case setsRegisterSet
}

/// One request the emulation knows by name.
public struct PtraceRequest: Sendable, Equatable {
    public let number: UInt64
    public let name: String
    /// Emulated (false: refused with EIO, named on stderr).
    public let emulated: Bool
    /// Bytes the call writes at argument 3 (`data`) when it succeeds.
    public let output: Int
    /// The call writes through the iovec at `data` (GETREGSET): its iov_len, and that many bytes
    /// at its iov_base.
    public let outputIovec: Bool
    public let effect: PtraceEffect

    init(_ number: UInt64, _ name: String, emulated: Bool = true, output: Int = 0, outputIovec: Bool = false,
         effect: PtraceEffect = .none) {
        self.number = number
        self.name = name
        self.emulated = emulated
        self.output = output
        self.outputIovec = outputIovec
        self.effect = effect
    }
}

public enum PtraceRequests {
    public static let traceMe: UInt64 = 0, peekText: UInt64 = 1, peekData: UInt64 = 2, peekUser: UInt64 = 3
    public static let pokeText: UInt64 = 4, pokeData: UInt64 = 5, pokeUser: UInt64 = 6
    public static let cont: UInt64 = 7, kill: UInt64 = 8, singleStep: UInt64 = 9
    public static let getRegs: UInt64 = 12, setRegs: UInt64 = 13, getFPRegs: UInt64 = 14, setFPRegs: UInt64 = 15
    public static let attach: UInt64 = 16, detach: UInt64 = 17, syscall: UInt64 = 24
    public static let setOptions: UInt64 = 0x4200, getEventMsg: UInt64 = 0x4201, getSiginfo: UInt64 = 0x4202
    public static let getRegSet: UInt64 = 0x4204, setRegSet: UInt64 = 0x4205
    public static let seize: UInt64 = 0x4206, interrupt: UInt64 = 0x4207
    /// The largest register set the emulation moves (the XSAVE area is 2,696 bytes with AVX-512
    /// on x86-64; a larger iov_len is cut to this).
    public static let regSetLimit = 1 << 16

    public static let userRegsSize = 216
    public static let fpRegsSize = 512
    /// offsetof(struct user, u_debugreg) on x86-64: DR0–DR7, 8 bytes each. swrr's replay uses
    /// DR0–DR3 for its own breakpoints and watchpoints, so the program may not set them.
    public static let debugRegistersOffset: UInt64 = 848

    /// PTRACE_O_* the emulation implements: TRACESYSGOOD (syscall stops report SIGTRAP|0x80),
    /// TRACEFORK, TRACEVFORK and TRACECLONE (new tasks traced too, PTRACE_EVENT_FORK/VFORK/CLONE
    /// stops), TRACEEXEC and TRACEEXIT (PTRACE_EVENT_EXEC and PTRACE_EVENT_EXIT stops) and
    /// EXITKILL (the tracees die with their tracer).
    public static let traceSysGood: UInt64 = 0x1, traceFork: UInt64 = 0x2, traceVfork: UInt64 = 0x4
    public static let traceClone: UInt64 = 0x8, traceExec: UInt64 = 0x10, traceExit: UInt64 = 0x40
    public static let exitKill: UInt64 = 0x10_0000
    public static let supportedOptions: UInt64 = traceSysGood | traceFork | traceVfork | traceClone | traceExec
        | traceExit | exitKill
    /// PTRACE_EVENT_* numbers (status >> 16 of an event stop).
    public static let eventFork: Int32 = 1, eventVfork: Int32 = 2, eventClone: Int32 = 3
    public static let eventExec: Int32 = 4, eventExit: Int32 = 6, eventStop: Int32 = 128
    /// Every PTRACE_O_* by bit, for naming the ones refused.
    public static let optionNames: [(UInt64, String)] = [
        (0x1, "PTRACE_O_TRACESYSGOOD"), (0x2, "PTRACE_O_TRACEFORK"), (0x4, "PTRACE_O_TRACEVFORK"),
        (0x8, "PTRACE_O_TRACECLONE"), (0x10, "PTRACE_O_TRACEEXEC"), (0x20, "PTRACE_O_TRACEVFORKDONE"),
        (0x40, "PTRACE_O_TRACEEXIT"), (0x80, "PTRACE_O_TRACESECCOMP"), (0x10_0000, "PTRACE_O_EXITKILL"),
        (0x20_0000, "PTRACE_O_SUSPEND_SECCOMP"),
    ]

    public static let all: [PtraceRequest] = [
        PtraceRequest(traceMe, "PTRACE_TRACEME"),
        PtraceRequest(peekText, "PTRACE_PEEKTEXT", output: 8),
        PtraceRequest(peekData, "PTRACE_PEEKDATA", output: 8),
        PtraceRequest(peekUser, "PTRACE_PEEKUSER", output: 8),
        PtraceRequest(pokeText, "PTRACE_POKETEXT", effect: .writesWord),
        PtraceRequest(pokeData, "PTRACE_POKEDATA", effect: .writesWord),
        PtraceRequest(pokeUser, "PTRACE_POKEUSER", effect: .writesUserArea),
        PtraceRequest(cont, "PTRACE_CONT"),
        PtraceRequest(kill, "PTRACE_KILL"),
        PtraceRequest(singleStep, "PTRACE_SINGLESTEP"),
        PtraceRequest(getRegs, "PTRACE_GETREGS", output: userRegsSize),
        PtraceRequest(setRegs, "PTRACE_SETREGS", effect: .setsRegisters),
        PtraceRequest(getFPRegs, "PTRACE_GETFPREGS", output: fpRegsSize),
        PtraceRequest(setFPRegs, "PTRACE_SETFPREGS", effect: .setsFPRegisters),
        PtraceRequest(attach, "PTRACE_ATTACH"),
        PtraceRequest(detach, "PTRACE_DETACH"),
        PtraceRequest(18, "PTRACE_GETFPXREGS", emulated: false),
        PtraceRequest(19, "PTRACE_SETFPXREGS", emulated: false),
        PtraceRequest(21, "PTRACE_OLDSETOPTIONS", emulated: false),
        PtraceRequest(syscall, "PTRACE_SYSCALL"),
        PtraceRequest(25, "PTRACE_GET_THREAD_AREA", emulated: false),
        PtraceRequest(26, "PTRACE_SET_THREAD_AREA", emulated: false),
        PtraceRequest(30, "PTRACE_ARCH_PRCTL", emulated: false),
        PtraceRequest(31, "PTRACE_SYSEMU", emulated: false),
        PtraceRequest(32, "PTRACE_SYSEMU_SINGLESTEP", emulated: false),
        PtraceRequest(33, "PTRACE_SINGLEBLOCK", emulated: false),
        PtraceRequest(setOptions, "PTRACE_SETOPTIONS"),
        PtraceRequest(getEventMsg, "PTRACE_GETEVENTMSG", output: 8),
        PtraceRequest(getSiginfo, "PTRACE_GETSIGINFO", output: 128),
        PtraceRequest(0x4203, "PTRACE_SETSIGINFO", emulated: false),
        PtraceRequest(getRegSet, "PTRACE_GETREGSET", outputIovec: true),
        PtraceRequest(setRegSet, "PTRACE_SETREGSET", effect: .setsRegisterSet),
        PtraceRequest(seize, "PTRACE_SEIZE"),
        PtraceRequest(interrupt, "PTRACE_INTERRUPT"),
        PtraceRequest(0x4208, "PTRACE_LISTEN", emulated: false),
        PtraceRequest(0x4209, "PTRACE_PEEKSIGINFO", emulated: false),
        PtraceRequest(0x420a, "PTRACE_GETSIGMASK", emulated: false),
        PtraceRequest(0x420b, "PTRACE_SETSIGMASK", emulated: false),
        PtraceRequest(0x420c, "PTRACE_SECCOMP_GET_FILTER", emulated: false),
        PtraceRequest(0x420d, "PTRACE_SECCOMP_GET_METADATA", emulated: false),
        PtraceRequest(0x420e, "PTRACE_GET_SYSCALL_INFO", emulated: false),
        PtraceRequest(0x420f, "PTRACE_GET_RSEQ_CONFIGURATION", emulated: false),
        PtraceRequest(0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG", emulated: false),
        PtraceRequest(0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG", emulated: false),
    ]

    static let byNumber: [UInt64: PtraceRequest] = Dictionary(uniqueKeysWithValues: all.map { ($0.number, $0) })

    /// The request's entry, nil for a number Linux does not have.
    public static func request(_ number: UInt64) -> PtraceRequest? { byNumber[number] }

    /// "PTRACE_PEEKDATA", or the number in hex for one Linux does not have.
    public static func name(_ number: UInt64) -> String {
        byNumber[number]?.name ?? "ptrace request 0x" + String(number, radix: 16)
    }

    /// The names of the PTRACE_O_* bits in `options` (unknown bits in hex).
    public static func optionList(_ options: UInt64) -> String {
        var names: [String] = []
        var rest = options
        for (bit, name) in optionNames where options & bit != 0 {
            names.append(name)
            rest &= ~bit
        }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return names.joined(separator: "|")
    }
}
