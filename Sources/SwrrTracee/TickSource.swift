// Where "ticks" (a count of retired conditional branches, rr's measure of progress) would come
// from. DESIGN.md §2: with a PMU, rr-style recording programs the counter to interrupt just
// before an asynchronous event and finishes with a breakpoint plus register comparison; without
// one (every VM here: perf_event_open of any hardware or raw event fails with ENOENT, "PMU not
// available due to virtualization"), no event may need a tick count and the recorder follows the
// no-PMU policy (signals held back to syscall boundaries for up to a slice, threads preempted at
// the end of a slice at state signatures: docs/POSITIONS.md).
//
// This file only decides, and says, which source exists. The hardware path is not used for
// recording yet, so a machine with a counter still records with the no-PMU policy, and `swrr
// record` says so rather than choosing silently.
import CSwrrShim
import Glibc

/// The raw perf event that counts retired conditional branches on a CPU family.
public struct HardwareTickConfig: Equatable, Sendable {
    public let vendor: String
    /// PERF_TYPE_RAW config.
    public let rawConfig: UInt64

    /// rr's choices: Intel BR_INST_RETIRED.CONDITIONAL (0x5101c4) from Nehalem on; AMD Zen
    /// "retired conditional branch instructions" (0x5100d1), families 0x17 and 0x19.
    public static func forCPU(vendor: String, family: Int, model: Int) -> HardwareTickConfig? {
        switch vendor {
        case "GenuineIntel" where family == 6:
            return HardwareTickConfig(vendor: vendor, rawConfig: 0x5101c4)
        case "AuthenticAMD" where family == 0x17 || family == 0x19 || family == 0x1a:
            return HardwareTickConfig(vendor: vendor, rawConfig: 0x5100d1)
        default:
            return nil
        }
    }
}

public enum TickSource: Equatable, Sendable {
    case none(reason: String)
    case hardware(HardwareTickConfig)

    /// The name stored in a trace header.
    public var name: String {
        switch self {
        case .none: return "none"
        case .hardware: return "hardware"
        }
    }

    /// Probes this machine: is there a conditional-branch counter perf_event_open grants?
    public static func detect() -> TickSource {
        let sig = CPUProbe.signature
        guard let config = HardwareTickConfig.forCPU(vendor: CPUProbe.vendor, family: sig.family, model: sig.model) else {
            return .none(reason: "no known conditional-branch counter for this CPU (\(CPUProbe.vendor) family \(sig.family))")
        }
        let fd = swrr_perf_event_open(4 /* PERF_TYPE_RAW */, config.rawConfig, 0, -1, -1, 1, 1)
        if fd < 0 {
            let e = errno
            return .none(reason: "perf_event_open of raw event 0x\(String(config.rawConfig, radix: 16)) failed: " +
                         "\(String(cString: strerror(e))) (no hardware PMU, as on most virtual machines)")
        }
        close(fd)
        return .hardware(config)
    }

    /// The one line `swrr record` prints about it.
    public var recordingDescription: String {
        switch self {
        case .none(let reason):
            return "none (\(reason)); asynchronous events are placed at syscalls or state signatures"
        case .hardware(let c):
            return "none: this CPU's branch counter (raw 0x\(String(c.rawConfig, radix: 16))) is available, " +
                "but swrr does not use hardware ticks yet; asynchronous events are placed at syscalls or state signatures"
        }
    }
}
