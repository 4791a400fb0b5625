// Facts about the CPU and kernel swrr runs on. CPUID cannot be trapped on these machines (no CPUID
// faulting), so a trace records the recording machine's CPUID results and replay compares them.
import CSwrrShim
import Glibc

public struct CPUIDResult: Equatable, Sendable {
    public var leaf: UInt32, subleaf: UInt32
    public var eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32
    public init(leaf: UInt32, subleaf: UInt32, eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        self.leaf = leaf; self.subleaf = subleaf
        self.eax = eax; self.ebx = ebx; self.ecx = ecx; self.edx = edx
    }
}

public enum CPUProbe {
    /// The leaves whose results programs commonly act on (features, cache/XSAVE layout, brand),
    /// and the topology leaves that say which CPU executed them (0xB, 0x1F, AMD's 0x8000001E).
    public static let leaves: [(UInt32, UInt32)] = [
        (0, 0), (1, 0), (7, 0), (7, 1), (0xb, 0), (0xb, 1), (0xd, 0), (0xd, 1), (0x1f, 0),
        (0x8000_0000, 0), (0x8000_0001, 0), (0x8000_0002, 0), (0x8000_0003, 0), (0x8000_0004, 0),
        (0x8000_001e, 0),
    ]

    public static func cpuid(_ leaf: UInt32, _ subleaf: UInt32) -> CPUIDResult {
        var out: [UInt32] = [0, 0, 0, 0]
        swrr_cpuid(leaf, subleaf, &out)
        return CPUIDResult(leaf: leaf, subleaf: subleaf, eax: out[0], ebx: out[1], ecx: out[2], edx: out[3])
    }

    /// The leaves above as the CPU `cpu` answers them (the calling thread is moved there for the
    /// probe; nil: wherever it runs).
    public static func snapshot(onCPU cpu: Int? = nil) -> [CPUIDResult] {
        CPUBinding.onCPU(cpu) { leaves.map { cpuid($0.0, $0.1) } }
    }

    /// Whether two results of one leaf describe the same features. The ids that change from CPU
    /// to CPU are not features: leaf 1's initial APIC id (EBX bits 31..24), the x2APIC id in EDX
    /// of leaves 0xB and 0x1F, and leaf 0x8000001E's extended APIC id (EAX) and core id (EBX
    /// bits 7..0). Measured on the AMD EPYC VM: CPU 0 gives 0 and CPU 1 gives 1 in each.
    public static func featuresEqual(_ a: CPUIDResult, _ b: CPUIDResult) -> Bool {
        switch a.leaf {
        case 1:
            return a.eax == b.eax && (a.ebx & 0x00ff_ffff) == (b.ebx & 0x00ff_ffff) && a.ecx == b.ecx && a.edx == b.edx
        case 0xb, 0x1f:
            return a.eax == b.eax && a.ebx == b.ebx && a.ecx == b.ecx
        case 0x8000_001e:
            return (a.ebx & ~0xff) == (b.ebx & ~0xff) && a.ecx == b.ecx && a.edx == b.edx
        default:
            return a == b
        }
    }

    public static var vendor: String {
        let r = cpuid(0, 0)
        return string(fromRegisters: [r.ebx, r.edx, r.ecx])
    }

    public static var brand: String {
        var regs: [UInt32] = []
        for leaf: UInt32 in 0x8000_0002...0x8000_0004 {
            let r = cpuid(leaf, 0)
            regs += [r.eax, r.ebx, r.ecx, r.edx]
        }
        return string(fromRegisters: regs).trimmingCharacters(in: " ")
    }

    /// (family, model, stepping) decoded from leaf 1 as the SDMs describe.
    public static var signature: (family: Int, model: Int, stepping: Int) {
        let eax = cpuid(1, 0).eax
        var family = Int((eax >> 8) & 0xf)
        var model = Int((eax >> 4) & 0xf)
        if family == 0xf { family += Int((eax >> 20) & 0xff) }
        if family >= 6 { model += Int((eax >> 16) & 0xf) << 4 }
        return (family, model, Int(eax & 0xf))
    }

    private static func string(fromRegisters regs: [UInt32]) -> String {
        var bytes: [UInt8] = []
        for r in regs { for i in 0..<4 { bytes.append(UInt8((r >> (8 * UInt32(i))) & 0xff)) } }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// uname(2) fields: sysname, release, version, machine.
    public static func kernel() -> (sysname: String, release: String, version: String, machine: String) {
        var u = utsname()
        uname(&u)
        func field<T>(_ t: T) -> String {
            withUnsafeBytes(of: t) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (field(u.sysname), field(u.release), field(u.version), field(u.machine))
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
