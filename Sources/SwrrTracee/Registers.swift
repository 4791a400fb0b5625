// The general-purpose register file of a stopped task (struct user_regs_struct on x86-64),
// as a value type that can be compared, diffed for divergence messages, and serialized.
import CSwrrShim

public struct Registers: Equatable, Sendable {
    /// The 27 64-bit fields of user_regs_struct, in the kernel's order (see `names`).
    public var values: [UInt64]

    public static let names = [
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
        "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base",
        "ds", "es", "fs", "gs",
    ]
    public static let count = 27

    public init(values: [UInt64]) {
        precondition(values.count == Registers.count)
        self.values = values
    }

    public init(_ raw: user_regs_struct) {
        var r = raw
        values = withUnsafeBytes(of: &r) { Array($0.bindMemory(to: UInt64.self)) }
    }

    /// From the bytes of a user_regs_struct (PTRACE_GETREGS's layout; at least 216).
    public init(bytes: [UInt8]) {
        precondition(bytes.count >= Registers.count * 8)
        values = (0..<Registers.count).map { i in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i * 8 + $1]) << (8 * UInt64($1)) }
        }
    }

    /// The 216 bytes of a user_regs_struct, as PTRACE_GETREGS writes them.
    public var bytes: [UInt8] { values.withUnsafeBytes { Array($0) } }

    public var raw: user_regs_struct {
        var r = user_regs_struct()
        withUnsafeMutableBytes(of: &r) { buf in
            let p = buf.bindMemory(to: UInt64.self)
            for i in 0..<Registers.count { p[i] = values[i] }
        }
        return r
    }

    private static func index(_ name: String) -> Int { names.firstIndex(of: name)! }
    private static let iRax = index("rax"), iRcx = index("rcx"), iRdx = index("rdx")
    private static let iRsi = index("rsi"), iRdi = index("rdi"), iOrigRax = index("orig_rax")
    private static let iRip = index("rip"), iRsp = index("rsp"), iR10 = index("r10")
    private static let iR8 = index("r8"), iR9 = index("r9"), iEflags = index("eflags")
    private static let iFsBase = index("fs_base"), iRbp = index("rbp"), iR11 = index("r11")
    private static let iRbx = index("rbx")
    public var rbx: UInt64 { get { values[Self.iRbx] } set { values[Self.iRbx] = newValue } }

    public var rax: UInt64 { get { values[Self.iRax] } set { values[Self.iRax] = newValue } }
    public var rcx: UInt64 { get { values[Self.iRcx] } set { values[Self.iRcx] = newValue } }
    public var rdx: UInt64 { get { values[Self.iRdx] } set { values[Self.iRdx] = newValue } }
    public var rsi: UInt64 { get { values[Self.iRsi] } set { values[Self.iRsi] = newValue } }
    public var rdi: UInt64 { get { values[Self.iRdi] } set { values[Self.iRdi] = newValue } }
    public var r8: UInt64 { get { values[Self.iR8] } set { values[Self.iR8] = newValue } }
    public var r9: UInt64 { get { values[Self.iR9] } set { values[Self.iR9] = newValue } }
    public var r10: UInt64 { get { values[Self.iR10] } set { values[Self.iR10] = newValue } }
    public var r11: UInt64 { get { values[Self.iR11] } set { values[Self.iR11] = newValue } }
    public var rbp: UInt64 { get { values[Self.iRbp] } set { values[Self.iRbp] = newValue } }
    public var origRax: UInt64 { get { values[Self.iOrigRax] } set { values[Self.iOrigRax] = newValue } }
    public var rip: UInt64 { get { values[Self.iRip] } set { values[Self.iRip] = newValue } }
    public var rsp: UInt64 { get { values[Self.iRsp] } set { values[Self.iRsp] = newValue } }
    public var eflags: UInt64 { get { values[Self.iEflags] } set { values[Self.iEflags] = newValue } }
    public var fsBase: UInt64 { get { values[Self.iFsBase] } set { values[Self.iFsBase] = newValue } }

    /// These registers with the segment state (fs/gs selectors and bases) of `other`: what a
    /// syscall run for real (arch_prctl(ARCH_SET_FS)) changed must survive restoring the rest.
    public func keepingSegments(of other: Registers) -> Registers {
        var r = self
        for name in ["fs_base", "gs_base", "fs", "gs"] {
            let i = Registers.index(name)
            r.values[i] = other.values[i]
        }
        return r
    }

    /// The six syscall arguments in the kernel's order (rdi, rsi, rdx, r10, r8, r9).
    public var syscallArgs: [UInt64] {
        get { [rdi, rsi, rdx, r10, r8, r9] }
        set {
            rdi = newValue[0]; rsi = newValue[1]; rdx = newValue[2]
            r10 = newValue[3]; r8 = newValue[4]; r9 = newValue[5]
        }
    }

    /// Sets syscall argument `index` (0-5: rdi, rsi, rdx, r10, r8, r9); another index changes nothing.
    public mutating func setSyscallArg(_ index: Int, _ value: UInt64) {
        guard index >= 0 && index < 6 else { return }
        var args = syscallArgs
        args[index] = value
        syscallArgs = args
    }

    /// The syscall result as a signed value (negative: -errno).
    public var syscallResult: Int64 { Int64(bitPattern: rax) }

    /// Stopped at the exit of a syscall the kernel restarts when the task resumes (after the
    /// stop, rip back on the `syscall` instruction): orig_rax holds the call and rax
    /// -ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND or -ERESTART_RESTARTBLOCK.
    public var awaitsSyscallRestart: Bool {
        origRax != UInt64.max && [-512, -513, -514, -516].contains(syscallResult)
    }

    /// Names and values of every register that differs, for divergence messages.
    public func differences(from other: Registers) -> [String] {
        var out: [String] = []
        for i in 0..<Registers.count where values[i] != other.values[i] {
            out.append("\(Registers.names[i]) 0x\(String(values[i], radix: 16)) (recorded 0x\(String(other.values[i], radix: 16)))")
        }
        return out
    }
}
