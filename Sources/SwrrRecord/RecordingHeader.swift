// The header of a new recording: what replay must know of the machine and the start (CPU and its
// CPUID leaves, kernel, stack limit, the signals the program starts with, the preload library).
import Glibc
import SwrrTrace
import SwrrTracee

extension TraceHeader {
    /// The header of a new recording of `program` (resolved), bound to `cpu` (nil: any).
    static func recording(of program: String, options: RecordOptions, preloadLibrary: String?, cpu: Int?) -> TraceHeader {
        let sig = CPUProbe.signature
        let k = CPUProbe.kernel()
        var rl = rlimit()
        getrlimit(Int32(RLIMIT_STACK.rawValue), &rl)
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return TraceHeader(
            formatVersion: TraceFormat.version, swrrVersion: TraceFormat.swrrVersion,
            createdAt: Double(t.tv_sec) + Double(t.tv_nsec) / 1e9, program: program,
            argv: [options.program] + options.arguments,
            environment: preloadLibrary == nil ? options.environment
                : PreloadEnvironment.allowingSanitizerLinkOrder(options.environment),
            workingDirectory: options.workingDirectory, tickSource: "none",
            cpu: CPUDescription(vendor: CPUProbe.vendor, brand: CPUProbe.brand, family: sig.family,
                                model: sig.model, stepping: sig.stepping,
                                cpuid: CPUProbe.snapshot(onCPU: cpu).map {
                                    CPUIDLeaf(leaf: $0.leaf, subleaf: $0.subleaf, eax: $0.eax, ebx: $0.ebx,
                                              ecx: $0.ecx, edx: $0.edx)
                                }),
            kernel: KernelDescription(sysname: k.sysname, release: k.release, version: k.version,
                                      machine: k.machine),
            stackLimit: [UInt64(rl.rlim_cur), UInt64(rl.rlim_max)],
            ignoredSignals: options.signals.ignored, blockedSignals: options.signals.blocked,
            preloadLibrary: preloadLibrary, boundCPU: cpu, chaosSeed: options.chaosSeed)
    }
}
