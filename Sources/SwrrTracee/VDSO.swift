// The vDSO of a task that just exec'd: finding its exported functions in its ELF dynamic symbol
// table (read from the task's memory) and overwriting each with code that makes the real syscall
// (SwrrKernel's VDSOFunctions says which), so the program still sees a vDSO but time, the CPU
// number and random bytes come through syscalls that are recorded and replayed. Recording and
// replay both patch at every exec, before the program runs, so both run the same code.
//
// Measured here (kernel 6.18): the [vdso] mapping is 2 pages, r-xp, holding the whole ELF image
// (section headers included, at offset 0x1620); its first PT_LOAD has p_vaddr 0 and offset 0.
// process_vm_writev cannot write it (the mapping is not writable: EFAULT); Task.writeMemory then
// writes through /proc/PID/mem, which, like PTRACE_POKEDATA, may write read-only private
// mappings: the kernel gives the task its own copy of the page (the vDSO is mapped with
// VM_MAYWRITE for that, as debuggers' breakpoints need). Other processes' vDSOs are unchanged.
import SwrrKernel

/// One exported function of a vDSO image.
public struct VDSOFunction: Equatable, Sendable {
    public var name: String
    /// Its address in the task.
    public var address: UInt64
    public var size: UInt64
}

public enum VDSO {
    static let name = "[vdso]"

    /// The task's [vdso] mapping, nil when the kernel maps none (vdso=0).
    public static func mapping(in maps: [MapsLine]) -> MapsLine? {
        maps.first { $0.name == name }
    }

    /// Overwrites every function of the task's vDSO that VDSOFunctions knows with its
    /// replacement (the rest of the function filled with int3, so no stale entry survives).
    /// Aliases (`__vdso_time` and `time`) share one address and are written once. Returns the
    /// functions patched.
    @discardableResult
    public static func patch(task: Task) throws -> [VDSOFunction] {
        guard let m = mapping(in: try task.mappings()) else { return [] }
        guard m.end > m.start, m.end - m.start <= 1 << 20 else {
            throw TraceeError("the vDSO mapping 0x\(String(m.start, radix: 16))-0x\(String(m.end, radix: 16)) has an unexpected size")
        }
        var image = try task.readMemory(m.start, count: Int(m.end - m.start))
        var patched: [VDSOFunction] = []
        var done: Set<UInt64> = []
        for f in try functions(image: image, base: m.start) {
            guard let replacement = VDSOFunctions.replacement(forSymbol: f.name) else { continue }
            patched.append(f)
            if !done.insert(f.address).inserted { continue }
            let code = replacement.code
            guard f.size >= UInt64(code.count) else {
                throw TraceeError("the vDSO's \(f.name) is \(f.size) bytes, too small for the \(code.count) bytes "
                                  + "that make its syscall")
            }
            // functions() checked that the function lies inside the image.
            let at = Int(f.address - m.start)
            for i in 0..<Int(f.size) { image[at + i] = i < code.count ? code[i] : 0xcc }
        }
        if !done.isEmpty { try task.writeMemory(m.start, image) }
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
        let r = try task.injectSyscallAtRip(25, [m.start, size, size, 0x1 | 0x2, start])
        guard r == Int64(bitPattern: start) else {
            throw TraceeError("cannot move the vDSO from \(range(m.start, m.end)) to 0x\(String(start, radix: 16)) (error \(-r))")
        }
        task.addressSpaceChanged()
    }

    /// The exported, defined functions of the vDSO image `image` mapped at `base`, from its
    /// section headers' SHT_DYNSYM table and its string table. Every offset and size comes from
    /// the image and is checked against it.
    public static func functions(image: [UInt8], base: UInt64) throws -> [VDSOFunction] {
        func bad(_ what: String) -> TraceeError { TraceeError("the vDSO's ELF image is malformed: \(what)") }
        func u16(_ o: UInt64) throws -> UInt64 {
            guard o <= UInt64(image.count), UInt64(image.count) - o >= 2 else { throw bad("read past its end") }
            return UInt64(image[Int(o)]) | UInt64(image[Int(o) + 1]) << 8
        }
        func u32(_ o: UInt64) throws -> UInt64 { try u16(o) | (try u16(o + 2)) << 16 }
        func u64(_ o: UInt64) throws -> UInt64 { try u32(o) | (try u32(o + 4)) << 32 }
        // A table of `count` entries of `size` bytes at `offset`, inside the image.
        func table(_ offset: UInt64, _ count: UInt64, _ size: UInt64) throws {
            let (bytes, o1) = count.multipliedReportingOverflow(by: size)
            let (end, o2) = offset.addingReportingOverflow(bytes)
            guard !o1, !o2, end <= UInt64(image.count) else { throw bad("a table lies outside it") }
        }

        // ELF64, little-endian (elf.h: e_ident, e_phoff 0x20, e_shoff 0x28, e_phentsize 0x36...).
        guard image.count >= 64, image[0..<4] == [0x7f, 0x45, 0x4c, 0x46], image[4] == 2, image[5] == 1 else {
            throw bad("no ELF64 little-endian header")
        }
        let phoff = try u64(0x20), phentsize = try u16(0x36), phnum = try u16(0x38)
        let shoff = try u64(0x28), shentsize = try u16(0x3a), shnum = try u16(0x3c)
        guard phentsize >= 56, shentsize >= 64 else { throw bad("header entry sizes") }
        try table(phoff, phnum, phentsize)
        try table(shoff, shnum, shentsize)

        // Symbol values are virtual addresses: the image is mapped so that the PT_LOAD at file
        // offset 0 lands at `base`.
        var loadVaddr: UInt64? = nil
        for i in 0..<phnum {
            let ph = phoff + i * phentsize
            if try u32(ph) == 1 /* PT_LOAD */, try u64(ph + 8) == 0 /* p_offset */ {
                loadVaddr = try u64(ph + 16)
                break
            }
        }
        guard let loadVaddr else { throw bad("no PT_LOAD at offset 0") }

        var found: [VDSOFunction] = []
        for i in 0..<shnum {
            let sh = shoff + i * shentsize
            guard try u32(sh + 4) == 11 /* SHT_DYNSYM */ else { continue }
            let symoff = try u64(sh + 0x18), symsize = try u64(sh + 0x20), link = try u32(sh + 0x28)
            let entsize = try u64(sh + 0x38)
            guard entsize >= 24, link < shnum else { throw bad("its .dynsym header") }
            let count = symsize / entsize
            try table(symoff, count, entsize)
            let str = shoff + link * shentsize
            let stroff = try u64(str + 0x18), strsize = try u64(str + 0x20)
            try table(stroff, strsize, 1)
            for s in 0..<count {
                let sym = symoff + s * entsize
                let nameOffset = try u32(sym), info = image[Int(sym) + 4], shndx = try u16(sym + 6)
                let value = try u64(sym + 8), size = try u64(sym + 16)
                guard info & 0xf == 2 /* STT_FUNC */, shndx != 0 /* defined */, nameOffset < strsize else { continue }
                let nameStart = Int(stroff + nameOffset), strEnd = Int(stroff + strsize)
                guard let nul = image[nameStart..<strEnd].firstIndex(of: 0) else { throw bad("a symbol name") }
                let name = String(decoding: image[nameStart..<nul], as: UTF8.self)
                // The function's place in the image: value - loadVaddr, inside it.
                guard value >= loadVaddr, value - loadVaddr <= UInt64(image.count),
                      size <= UInt64(image.count) - (value - loadVaddr) else {
                    throw bad("\(name) lies outside it")
                }
                found.append(VDSOFunction(name: name, address: base + (value - loadVaddr), size: size))
            }
        }
        return found
    }
}
