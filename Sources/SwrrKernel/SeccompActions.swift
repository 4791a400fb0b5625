// A program's own seccomp filters, as data (issue 14). The kernel runs every filter of a task
// and takes the most restrictive action (KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF >
// TRACE > LOG > ALLOW), with no ptrace stop for ERRNO, TRAP or a kill: a recording would miss
// them. So, as rr's SeccompFilterRewriter does, the recorder rewrites a program's filter before
// the kernel sees it: every `BPF_RET|BPF_K` whose action is not ALLOW or LOG becomes
// SECCOMP_RET_TRACE with a 16-bit index into a recorder-wide table of the original actions
// (index 0 stays swrr's own filter's TRACE), and at PTRACE_EVENT_SECCOMP the recorder does what
// the kernel would have done (SwrrRecord/ProgramSeccompFilter.swift).

/// One seccomp action (the top 16 bits of a filter's return value) with its data.
public enum SeccompAction: Equatable, Sendable {
    case killProcess
    case killThread
    case trap(data: UInt16)
    case errno(UInt16)
    case userNotif
    case trace(data: UInt16)
    case log
    case allow

    /// The kernel's decoding of a filter's return value (kernel/seccomp.c, __seccomp_filter):
    /// an action it does not know kills the process, as its `default:` case does.
    public init(raw: UInt32) {
        let data = UInt16(truncatingIfNeeded: raw)
        switch raw & 0xffff_0000 {
        case 0x8000_0000: self = .killProcess
        case 0x0000_0000: self = .killThread
        case 0x0003_0000: self = .trap(data: data)
        case 0x0005_0000: self = .errno(data)
        case 0x7fc0_0000: self = .userNotif
        case 0x7ff0_0000: self = .trace(data: data)
        case 0x7ffc_0000: self = .log
        case 0x7fff_0000: self = .allow
        default: self = .killProcess
        }
    }

    /// What the call returns when the kernel skips it for this action, as natively without a
    /// tracer: ERRNO's data capped at MAX_ERRNO (4095, as the kernel caps it); TRACE with no tracer
    /// and USER_NOTIF with no listener fail with ENOSYS (seccomp(2)). nil for TRAP and the kills
    /// (no return) and for the actions that run the call.
    public var skippedResult: Int64? {
        switch self {
        case .errno(let e): return -Int64(min(e, 4095))
        case .userNotif, .trace: return -38   // ENOSYS
        default: return nil
        }
    }

    /// The kernel runs the call (ALLOW, LOG): a filter's return of it is left as it is.
    public var runsTheCall: Bool { self == .allow || self == .log }
}

public enum SeccompFilterRewriteError: Error, Equatable, CustomStringConvertible {
    /// The program's length or bytes are not a seccomp filter (the kernel would refuse it too).
    case malformed(String)
    /// `BPF_RET|BPF_A`: the action is computed at run time, so it cannot be replaced by an index.
    case computedAction(instruction: Int)
    /// More distinct actions than SECCOMP_RET_DATA's 16 bits can index.
    case tooManyActions

    public var description: String {
        switch self {
        case .malformed(let why): return "a seccomp filter that is not one (\(why))"
        case .computedAction(let i):
            return "a seccomp filter whose instruction \(i) returns a computed action (BPF_RET|BPF_A)"
        case .tooManyActions: return "more than 65535 distinct seccomp filter actions"
        }
    }
}

/// The recorder-wide table of original actions and the rewriting of filters against it.
public struct SeccompFilterRewriter: Sendable {
    /// Original return values; the one at i has index i + 1.
    public private(set) var actions: [UInt32] = []
    /// Each action's index, for the rewriting (a filter has up to 4096 returns).
    private var indices: [UInt32: Int] = [:]
    /// The kernel's limit on a filter's length (BPF_MAXINSNS).
    public static let maxInstructions = 4096
    static let retTrace: UInt32 = 0x7ff0_0000
    static let bpfRetK: UInt16 = 0x06, bpfRetA: UInt16 = 0x16

    public init() {}

    /// The action the index in a PTRACE_EVENT_SECCOMP message stands for. nil for 0 (swrr's own
    /// filter) and for indices this table never gave out.
    public func action(forIndex index: UInt64) -> SeccompAction? {
        guard index >= 1 && index <= UInt64(actions.count) else { return nil }
        return SeccompAction(raw: actions[Int(index - 1)])
    }

    /// `filter` (struct sock_filter entries: u16 code, u8 jt, u8 jf, u32 k, little-endian) with
    /// every returned action that does not run the call replaced by SECCOMP_RET_TRACE | index.
    /// Same length, same jumps: only the k of return instructions changes.
    public mutating func rewrite(_ filter: [UInt8]) throws(SeccompFilterRewriteError) -> [UInt8] {
        guard filter.count % 8 == 0, !filter.isEmpty, filter.count / 8 <= Self.maxInstructions else {
            throw .malformed("\(filter.count) bytes")
        }
        var out = filter
        for i in 0..<(filter.count / 8) {
            let at = i * 8
            let code = UInt16(filter[at]) | UInt16(filter[at + 1]) << 8
            if code == Self.bpfRetA { throw .computedAction(instruction: i) }
            guard code == Self.bpfRetK else { continue }
            let k = filter.loadU32(at: at + 4)
            guard !SeccompAction(raw: k).runsTheCall else { continue }
            let index = try self.index(of: k)
            let traced = Self.retTrace | UInt32(index)
            for b in 0..<4 { out[at + 4 + b] = UInt8(truncatingIfNeeded: traced >> (8 * UInt32(b))) }
        }
        return out
    }

    private mutating func index(of action: UInt32) throws(SeccompFilterRewriteError) -> Int {
        if let i = indices[action] { return i }
        guard actions.count < 0xffff else { throw .tooManyActions }
        actions.append(action)
        indices[action] = actions.count
        return actions.count
    }
}
