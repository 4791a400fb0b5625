// The vDSO of a task that just exec'd: finding its exported functions in its ELF dynamic symbol
// table (read from the task's memory) and overwriting each with code that makes the real syscall
// (SwrrKernel's VDSOFunctions says which), so the program still sees a vDSO but time, the CPU
// number and random bytes come through syscalls that are recorded and replayed. Recording and
// replay both patch at every exec, before the program runs, so both run the same code.
//
// Measured here (kernel 6.18): the [vdso] mapping is 2 pages, r-xp, holding the whole ELF image
// (section headers included, at offset 0x1620); its first PT_LOAD has p_vaddr 0 and offset 0.
// process_vm_writev cannot write it (the mapping is not writable: EFAULT, 4 µs); Task.writeMemory
// then writes through /proc/PID/mem, which, like PTRACE_POKEDATA, may write read-only private
// mappings: the kernel gives the task its own copy of the page (the vDSO is mapped with
// VM_MAYWRITE for that, as debuggers' breakpoints need). Other processes' vDSOs are unchanged.
// Writing the whole 8 KiB image: one pwrite, 11 µs; PTRACE_POKEDATA, 1,024 words, 1.2 ms.
import SwrrKernel

public enum VDSO {
    static let name = "[vdso]"

    /// The task's [vdso] mapping, nil when the kernel maps none (vdso=0).
    public static func mapping(in maps: [MapsLine]) -> MapsLine? {
        maps.first { $0.name == name }
    }

    /// The task's vDSO image.
    public static func image(of task: Task) throws -> VDSOImage? {
        guard let m = mapping(in: try task.mappings()) else { return nil }
        guard m.end > m.start, m.end - m.start <= 1 << 20 else {
            throw TraceeError("the vDSO mapping 0x\(String(m.start, radix: 16))-0x\(String(m.end, radix: 16)) has an unexpected size")
        }
        do {
            return try VDSOImage(bytes: try task.readMemory(m.start, count: Int(m.end - m.start)), base: m.start)
        } catch let e as VDSOImage.Malformed {
            throw TraceeError("\(e)")
        }
    }

    /// Overwrites every function of the task's vDSO that VDSOFunctions knows with its
    /// replacement (the rest of the function filled with int3, so no stale entry survives).
    /// Aliases (`__vdso_time` and `time`) share one address and are written once. The frame
    /// descriptions (.eh_frame) of those functions lose their instructions (DW_CFA_nop), leaving
    /// the CIE's rule, CFA = rsp+8, which is right everywhere in the replacement: without that,
    /// a debugger stopped at the syscall in clock_gettime would unwind through rbp as the old
    /// code's FDE says. Returns the functions patched.
    @discardableResult
    public static func patch(task: Task) throws -> [VDSOFunction] {
        guard var image = try image(of: task) else { return [] }
        var patched: [VDSOFunction] = []
        var starts: [UInt64] = []
        do {
            for f in try image.functions() {
                guard let replacement = VDSOFunctions.replacement(forSymbol: f.name) else { continue }
                patched.append(f)
                // functions() checked that the function lies inside the image.
                let at = f.address - image.base
                if starts.contains(at) { continue }
                starts.append(at)
                let code = replacement.code
                guard f.size >= UInt64(code.count) else {
                    throw TraceeError("the vDSO's \(f.name) is \(f.size) bytes, too small for the \(code.count) bytes "
                                      + "that make its syscall")
                }
                for i in 0..<Int(f.size) { image.bytes[Int(at) + i] = i < code.count ? code[i] : 0xcc }
            }
            for r in try image.frameInstructions(covering: starts) {
                for i in r { image.bytes[i] = 0 }   // DW_CFA_nop
            }
        } catch let e as VDSOImage.Malformed {
            throw TraceeError("\(e)")
        }
        // Every x86-64 vDSO exports clock_gettime: finding nothing means the image was not read
        // right, and its clocks would run unrecorded.
        guard !starts.isEmpty else {
            throw TraceeError("the vDSO at 0x\(String(image.base, radix: 16)) exports none of "
                              + VDSOFunctions.replacements.keys.sorted().joined(separator: ", "))
        }
        try task.writeMemory(image.base, image.bytes)
        return patched
    }

    /// Puts the task's vDSO at start..<end, where a recording had it: with ASLR off the kernel
    /// maps it there again; a vDSO of the same size elsewhere (another kernel) is moved there with
    /// mremap, which the kernel allows for the vDSO and follows (signal delivery, the auxv of a
    /// later exec); whatever was mapped there is replaced. No vDSO, or one of another size, is an
    /// error: the program may have read the recorded one.
    public static func place(task: Task, start: UInt64, end: UInt64) throws {
        func range(_ s: UInt64, _ e: UInt64) -> String { "0x\(String(s, radix: 16))-0x\(String(e, radix: 16))" }
        guard let m = mapping(in: try task.mappings()) else {
            throw TraceeError("the recording had a vDSO at \(range(start, end)); this kernel maps none")
        }
        if m.start == start && m.end == end { return }
        // The recorded numbers come from a trace, which may be damaged: ordered before subtracted.
        guard end >= start, m.end - m.start == end - start else {
            throw TraceeError("this kernel's vDSO is \(range(m.start, m.end)), the recording's was \(range(start, end)) "
                              + "(recorded under another kernel)")
        }
        let size = m.end - m.start
        // MREMAP_MAYMOVE | MREMAP_FIXED
        let r = try task.injectSyscallAtRip(Syscall.mremap.number, [m.start, size, size, 0x1 | 0x2, start])
        guard r == Int64(bitPattern: start) else {
            throw TraceeError("cannot move the vDSO from \(range(m.start, m.end)) to 0x\(String(start, radix: 16)) (error \(-r))")
        }
        task.addressSpaceChanged()
    }
}
