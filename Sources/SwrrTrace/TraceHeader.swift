// The trace header: what was recorded, where, and on what machine. Stored as JSON inside a
// checksummed frame (see TraceFormat.swift) in the file `header` of the trace directory.

public struct CPUIDLeaf: Codable, Equatable, Sendable {
    public var leaf: UInt32
    public var subleaf: UInt32
    public var eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32
    public init(leaf: UInt32, subleaf: UInt32, eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        self.leaf = leaf; self.subleaf = subleaf
        self.eax = eax; self.ebx = ebx; self.ecx = ecx; self.edx = edx
    }
}

public struct CPUDescription: Codable, Equatable, Sendable {
    public var vendor: String
    public var brand: String
    public var family: Int
    public var model: Int
    public var stepping: Int
    /// Raw CPUID results of the recording machine (CPUID cannot be trapped here, so replay on a
    /// CPU with other features may diverge; replay compares these and warns).
    public var cpuid: [CPUIDLeaf]
    public init(vendor: String, brand: String, family: Int, model: Int, stepping: Int, cpuid: [CPUIDLeaf]) {
        self.vendor = vendor; self.brand = brand
        self.family = family; self.model = model; self.stepping = stepping
        self.cpuid = cpuid
    }
}

public struct KernelDescription: Codable, Equatable, Sendable {
    public var sysname: String
    public var release: String
    public var version: String
    public var machine: String
    public init(sysname: String, release: String, version: String, machine: String) {
        self.sysname = sysname; self.release = release; self.version = version; self.machine = machine
    }
}

public struct TraceHeader: Codable, Equatable, Sendable {
    /// Version of the on-disk format this header was written with.
    public var formatVersion: Int
    public var swrrVersion: String
    /// Seconds since 1970 when recording started.
    public var createdAt: Double
    /// The program as resolved when recording (absolute path).
    public var program: String
    public var argv: [String]
    public var environment: [String]
    public var workingDirectory: String
    /// "none" (no performance counter) or "hardware".
    public var tickSource: String
    public var cpu: CPUDescription
    public var kernel: KernelDescription
    /// RLIMIT_STACK (soft, hard) when recording: it shapes the address-space layout, so replay
    /// sets the same.
    public var stackLimit: [UInt64]
    /// Signals the program started with ignored (SIG_IGN survives exec) and blocked, as bit masks
    /// (bit N-1 for signal N). They change what rt_sigaction/rt_sigprocmask report, so replay
    /// starts the program with the same ones.
    public var ignoredSignals: UInt64
    public var blockedSignals: UInt64
    /// The preload library the recorder added to the program's LD_PRELOAD when it buffered
    /// syscalls (nil: it did not). Replay starts the program with the same environment, so the
    /// kernel lays out the same initial stack.
    public var preloadLibrary: String?
    /// The CPU index the recorded program was bound to (nil: it was not, or the trace predates
    /// binding). Replay binds the replayed program to the same CPU when it may, so CPUID's APIC
    /// ids, which cannot be trapped here, are the recorded ones.
    public var boundCPU: Int?
    /// Whether the trace's `checksums` file holds the size and CRC-32 of every file in `files/`
    /// (FileChecksums.swift). Every trace written now does; older ones lack the key and replay
    /// their copies unchecked.
    public var fileChecksums: Bool
    /// The seed of chaos mode's random schedule when the program was recorded with `--chaos`
    /// (nil: it was not). Replay does not need it (every switch is in the events); `swrr record
    /// --chaos-seed N` repeats the scheduler's choices. Absent from older headers; a reader that
    /// does not know the key ignores it, so the format version stays 2.
    public var chaosSeed: UInt64?

    /// CPU indexes a header may name (the kernel's cpumask in glibc's cpu_set_t: 1024 bits).
    public static let cpuLimit = 1024

    public init(formatVersion: Int, swrrVersion: String, createdAt: Double, program: String,
                argv: [String], environment: [String], workingDirectory: String, tickSource: String,
                cpu: CPUDescription, kernel: KernelDescription, stackLimit: [UInt64],
                ignoredSignals: UInt64 = 0, blockedSignals: UInt64 = 0, preloadLibrary: String? = nil,
                boundCPU: Int? = nil, fileChecksums: Bool = true, chaosSeed: UInt64? = nil) {
        self.fileChecksums = fileChecksums
        self.chaosSeed = chaosSeed
        self.preloadLibrary = preloadLibrary
        self.boundCPU = boundCPU
        self.ignoredSignals = ignoredSignals
        self.blockedSignals = blockedSignals
        self.formatVersion = formatVersion
        self.swrrVersion = swrrVersion
        self.createdAt = createdAt
        self.program = program
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.tickSource = tickSource
        self.cpu = cpu
        self.kernel = kernel
        self.stackLimit = stackLimit
    }

    /// Decodes every field strictly, except the signal masks, which headers written before they
    /// existed lack: those default to 0 (nothing ignored, nothing blocked), and the optional
    /// preload library and bound CPU (which must be a CPU index when present), and the file
    /// checksums flag (false when absent: written before checksums).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        swrrVersion = try c.decode(String.self, forKey: .swrrVersion)
        createdAt = try c.decode(Double.self, forKey: .createdAt)
        program = try c.decode(String.self, forKey: .program)
        argv = try c.decode([String].self, forKey: .argv)
        environment = try c.decode([String].self, forKey: .environment)
        workingDirectory = try c.decode(String.self, forKey: .workingDirectory)
        tickSource = try c.decode(String.self, forKey: .tickSource)
        cpu = try c.decode(CPUDescription.self, forKey: .cpu)
        kernel = try c.decode(KernelDescription.self, forKey: .kernel)
        stackLimit = try c.decode([UInt64].self, forKey: .stackLimit)
        ignoredSignals = try c.decodeIfPresent(UInt64.self, forKey: .ignoredSignals) ?? 0
        blockedSignals = try c.decodeIfPresent(UInt64.self, forKey: .blockedSignals) ?? 0
        preloadLibrary = try c.decodeIfPresent(String.self, forKey: .preloadLibrary)
        boundCPU = try c.decodeIfPresent(Int.self, forKey: .boundCPU)
        fileChecksums = try c.decodeIfPresent(Bool.self, forKey: .fileChecksums) ?? false
        // A UInt64: a negative, fractional or too large number is a damaged header naming the key
        // (the decoder's own message for those says only "not valid JSON").
        do {
            chaosSeed = try c.decodeIfPresent(UInt64.self, forKey: .chaosSeed)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .chaosSeed, in: c,
                                                   debugDescription: "chaosSeed is not a whole number from 0 to \(UInt64.max)")
        }
        if let cpu = boundCPU, cpu < 0 || cpu >= Self.cpuLimit {
            throw DecodingError.dataCorruptedError(forKey: .boundCPU, in: c,
                                                   debugDescription: "boundCPU \(cpu) is not a CPU index (0 to \(Self.cpuLimit - 1))")
        }
    }
}

/// How a recording ended, as stored at the end of the event stream.
public enum TraceEnd: Equatable, Sendable {
    /// The program exited; `waitStatus` is its raw wait(2) status.
    case complete(waitStatus: Int32)
    /// Recording stopped early on purpose (for example an unsupported syscall), with the reason.
    case aborted(reason: String)
    /// No end marker: the recorder was killed; the trace replays up to its last complete chunk.
    case truncated
}
