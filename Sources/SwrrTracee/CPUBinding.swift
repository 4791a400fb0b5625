// Which CPU the recorded program runs on. CPUID cannot be trapped on these machines (no CPUID
// faulting), and CPUID leaf 1's EBX[31:24] (the initial APIC id), leaf 0xB's and 0x1F's EDX (the
// x2APIC id), AMD's leaf 0x8000001E and rdpid all say which CPU executed them (0 or 1 on the 2-CPU
// VM this was measured on). A program that keeps such a value diverges when replay runs on
// another CPU: the Go runtime keeps leaf 1's EBX in a register (`registers differ at syscall
// arch_prctl: rbx 0x1020800 (recorded 0x20800)`). So, as rr does, the recorded program is bound
// to one CPU before its exec (every task it creates inherits that), the trace header names the
// CPU, and replay binds the replayed program to the same CPU index. getcpu and rdtscp's TSC_AUX
// come from the trace either way.
//
// rr picks a random CPU among those it may use (its initial affinity), so that recordings made
// at the same time spread over the machine; swrr does the same. A CPU is an index as the kernel
// numbers them (sched_setaffinity), checked against swrr's own affinity.
import CSwrrShim
import Glibc

public enum CPUBinding {
    /// How `swrr record` chooses the CPU (`--bind-cpu`, or SWRR_BIND_CPU).
    public enum Choice: Equatable, Sendable {
        /// A random CPU among those swrr may run on (the default, as rr's).
        case any
        /// This CPU index.
        case cpu(Int)
        /// No binding (the header then names no CPU, and replay binds to none).
        case none

        /// Parses "any", "none" or a CPU index (0 up to 1023); nil for anything else.
        public init?(_ text: String) {
            switch text {
            case "any": self = .any
            case "none": self = .none
            default:
                guard let n = Int(text), n >= 0, n < CPUBinding.maxCPUs else { return nil }
                self = .cpu(n)
            }
        }

        /// SWRR_BIND_CPU's value, `.any` when unset. Throws for a value that does not parse.
        public static func fromEnvironment() throws -> Choice {
            guard let raw = getenv("SWRR_BIND_CPU") else { return .any }
            let text = String(cString: raw)
            guard let c = Choice(text) else {
                throw TraceeError("SWRR_BIND_CPU=\(text) is not a CPU index, \"any\" or \"none\"")
            }
            return c
        }
    }

    /// CPU indexes a mask can hold (the kernel's CPU_SETSIZE in glibc: 1024 bits).
    public static let maxCPUs = 1024
    static let words = maxCPUs / 64

    /// The CPUs the calling thread may run on, in increasing order (empty if the kernel says no).
    public static func allowedCPUs() -> [Int] {
        var mask = [UInt64](repeating: 0, count: words)
        guard swrr_get_affinity(0, &mask, Int32(words)) == 0 else { return [] }
        return cpus(in: mask)
    }

    /// The CPU to bind a recording to, or nil for `.none`. Throws when a named CPU is not one
    /// swrr may use.
    public static func choose(_ choice: Choice) throws -> Int? {
        let allowed = allowedCPUs()
        switch choice {
        case .none:
            return nil
        case .cpu(let n):
            guard allowed.contains(n) else {
                throw TraceeError("cannot bind to CPU \(n): swrr may only run on CPUs \(describe(allowed))")
            }
            return n
        case .any:
            guard !allowed.isEmpty else { throw TraceeError("cannot bind to a CPU: sched_getaffinity failed") }
            return allowed.randomElement()
        }
    }

    /// Binds task `tid` (and every task it creates from now on) to `cpu`.
    public static func bind(tid: pid_t, to cpu: Int) throws {
        guard cpu >= 0 && cpu < maxCPUs else { throw TraceeError("CPU \(cpu) is out of range") }
        let mask = self.mask(of: [cpu])
        guard swrr_set_affinity(tid, mask, Int32(words)) == 0 else {
            throw TraceeError.errno("cannot bind task \(tid) to CPU \(cpu)")
        }
    }

    /// A thread's CPU affinity, as sched_getaffinity gives it.
    public struct Affinity: Equatable, Sendable {
        let mask: [UInt64]

        /// The calling thread's; nil if it cannot be read.
        public static func ofCallingThread() -> Affinity? {
            var mask = [UInt64](repeating: 0, count: words)
            guard swrr_get_affinity(0, &mask, Int32(words)) == 0 else { return nil }
            return Affinity(mask: mask)
        }

        /// Gives the calling thread this affinity; false if the kernel refuses.
        @discardableResult
        public func applyToCallingThread() -> Bool {
            swrr_set_affinity(0, mask, Int32(words)) == 0
        }
    }

    /// Runs `body` with the calling thread on `cpu` (nil: where it is), then gives the thread its
    /// affinity back. If the thread cannot be moved, `body` runs where it is. The CPUID snapshot
    /// of a trace header is taken this way, on the recording's CPU; and the recorder runs its loop
    /// this way, as rr does: its rdtscp, which answers the program's trapped ones, then reads the
    /// bound CPU's TSC_AUX (what getcpu says), and each ptrace stop wakes it on the CPU the
    /// stopped task left.
    public static func onCPU<T>(_ cpu: Int?, _ body: () throws -> T) rethrows -> T {
        guard let cpu, cpu >= 0, cpu < maxCPUs else { return try body() }
        guard let saved = Affinity.ofCallingThread(),
              Affinity(mask: mask(of: [cpu])).applyToCallingThread() else { return try body() }
        // sched_setaffinity moves the calling thread before it returns.
        defer { saved.applyToCallingThread() }
        return try body()
    }

    /// Where replay runs a program recorded on CPU `recorded` (nil: it was not bound, so neither
    /// is the replay): that CPU when swrr may use it; otherwise the first one it may use, with a
    /// note for the user saying what may differ.
    public static func forReplay(recorded: Int?) -> (cpu: Int?, note: String?) {
        guard let recorded else { return (nil, nil) }
        let allowed = allowedCPUs()
        if allowed.contains(recorded) { return (recorded, nil) }
        let instead = allowed.first
        return (instead, "the recording ran on CPU \(recorded), which this replay may not use (CPUs \(describe(allowed))); "
                + (instead.map { "replaying on CPU \($0)" } ?? "replaying unbound")
                + ": the APIC ids of CPUID leaves 1, 0xB and 0x1F and rdpid may differ from the recording's "
                + "and make the replay diverge (getcpu and rdtscp come from the trace)")
    }

    static func mask(of cpus: [Int]) -> [UInt64] {
        var mask = [UInt64](repeating: 0, count: words)
        for c in cpus where c >= 0 && c < maxCPUs { mask[c / 64] |= 1 << UInt64(c % 64) }
        return mask
    }

    static func cpus(in mask: [UInt64]) -> [Int] {
        var out: [Int] = []
        for (w, bits) in mask.enumerated() where bits != 0 {
            for b in 0..<64 where bits & (1 << UInt64(b)) != 0 { out.append(w * 64 + b) }
        }
        return out
    }

    /// "0-1", "0,2,5"... for messages.
    public static func describe(_ cpus: [Int]) -> String {
        if cpus.isEmpty { return "(none)" }
        var parts: [String] = []
        var start = cpus[0], end = cpus[0]
        for c in cpus.dropFirst() {
            if c == end + 1 { end = c; continue }
            parts.append(start == end ? "\(start)" : "\(start)-\(end)")
            start = c; end = c
        }
        parts.append(start == end ? "\(start)" : "\(start)-\(end)")
        return parts.joined(separator: ",")
    }
}
