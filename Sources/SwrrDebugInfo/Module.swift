// One loaded ELF object (executable, shared library or vDSO image) and everything the debugger
// derives from it: symbols, line tables, CFI and DWARF. Opening is cheap (the ELF headers and a
// file descriptor); each index is built the first time it is asked for, so a program with
// hundreds of libraries costs nothing for the ones the user never looks at.
//
// Addresses: DWARF, symbols and CFI are in "file addresses" (the ELF's p_vaddr space). A module
// is loaded at `bias`: runtime address = file address + bias. Every public API of this module
// takes and returns runtime addresses; conversions happen at the edges, here.
import CLibDW
import Glibc

public final class Module {
    public let path: String
    public let bias: UInt64
    /// Why some information is missing (stripped binary, damaged DWARF, no debug file found).
    public var notes: [String] { ensureDWARF(); return noteList }
    private var noteList: [String] = []
    public let buildID: String?

    let elf: OpaquePointer
    private let fd: Int32
    /// The separate debug file (found by build-id or .gnu_debuglink), when there is one.
    private var debugFD: Int32 = -1
    private var debugElfStorage: OpaquePointer?
    private var dwarfStorage: OpaquePointer?
    private var dwarfOpened = false
    private let debugSearchPaths: [String]
    /// The separate debug file's ELF handle (opened with the DWARF, on first use).
    var debugElf: OpaquePointer? { ensureDWARF(); return debugElfStorage }
    /// The DWARF of the module: from the file itself or from its separate debug file. Opened
    /// on first use: most loaded libraries are never looked at.
    var dwarf: OpaquePointer? { ensureDWARF(); return dwarfStorage }

    private func ensureDWARF() {
        if dwarfOpened { return }
        dwarfOpened = true
        openDWARF(searchPaths: debugSearchPaths)
    }
    /// Start..end of the executable PT_LOAD segments, as runtime addresses.
    public private(set) var textRanges: [Range<UInt64>] = []
    /// PT_TLS: size and alignment of the module's thread-local block.
    public private(set) var tlsSegment: (size: UInt64, align: UInt64)?
    /// The program itself (has PT_INTERP or is ET_EXEC), as opposed to a shared library.
    public private(set) var isExecutable = false
    /// Every PT_LOAD segment, as runtime addresses (data symbols live outside textRanges).
    public private(set) var loadRanges: [Range<UInt64>] = []
    let ownsMemoryImage: UnsafeMutableRawPointer?

    private static let libelfReady: Bool = { elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) }()

    /// Opens an ELF file. `bias` is the load bias (0 for a non-PIE executable).
    public init(path: String, bias: UInt64, debugSearchPaths: [String] = ["/usr/lib/debug"]) throws {
        _ = Module.libelfReady
        self.path = path
        self.bias = bias
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DebugInfoError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard let e = elf_begin(fd, ELF_C_READ_MMAP, nil), elf_kind(e) == ELF_K_ELF else {
            close(fd)
            throw DebugInfoError("\(path) is not an ELF file")
        }
        elf = e
        ownsMemoryImage = nil
        buildID = Module.buildID(of: e)
        self.debugSearchPaths = debugSearchPaths
        loadSegments()
    }

    /// An ELF image held in memory (the vDSO, read out of the target).
    public init(image: [UInt8], name: String, bias: UInt64) throws {
        _ = Module.libelfReady
        path = name
        self.bias = bias
        fd = -1
        let mem = UnsafeMutableRawPointer.allocate(byteCount: image.count, alignment: 16)
        image.withUnsafeBytes { mem.copyMemory(from: $0.baseAddress!, byteCount: image.count) }
        guard let e = elf_memory(mem.assumingMemoryBound(to: CChar.self), image.count),
              elf_kind(e) == ELF_K_ELF else {
            mem.deallocate()
            throw DebugInfoError("\(name) is not an ELF image")
        }
        elf = e
        ownsMemoryImage = mem
        buildID = Module.buildID(of: e)
        debugSearchPaths = []
        loadSegments()
    }

    deinit {
        if let d = dwarfStorage { dwarf_end(d) }
        if let c = ehCFIStorage { dwarf_cfi_end(c) }
        if let d = debugElfStorage { elf_end(d) }
        if debugFD >= 0 { close(debugFD) }
        elf_end(elf)
        if fd >= 0 { close(fd) }
        ownsMemoryImage?.deallocate()
    }

    public var name: String { path.split(separator: "/").last.map(String.init) ?? path }
    public var hasDWARF: Bool { dwarf != nil }

    func note(_ s: String) { if !noteList.contains(s) { noteList.append(s) } }

    public func contains(_ address: UInt64) -> Bool { textRanges.contains { $0.contains(address) } }
    public func containsData(_ address: UInt64) -> Bool { loadRanges.contains { $0.contains(address) } }

    // MARK: lazily built indexes

    public private(set) lazy var symbols: ELFSymbols = ELFSymbols(module: self)
    public private(set) lazy var lines: LineTable = LineTable(module: self)
    public private(set) lazy var units: UnitIndex = UnitIndex(module: self)

    private var ehCFIStorage: OpaquePointer?
    private var cfiLoaded = false
    /// .eh_frame CFI (from the loaded file: the debug file's copy is NOBITS) and .debug_frame.
    var callFrameInfo: [OpaquePointer] {
        if !cfiLoaded {
            cfiLoaded = true
            ehCFIStorage = dwarf_getcfi_elf(elf)
        }
        var out: [OpaquePointer] = []
        if let c = ehCFIStorage { out.append(c) }
        // dwarf_getcfi belongs to the Dwarf handle and is freed with it.
        if let d = dwarf, let c = dwarf_getcfi(d) { out.append(c) }
        return out
    }

    // MARK: opening

    private static func buildID(of elf: OpaquePointer) -> String? {
        var p: UnsafeRawPointer?
        let n = dwelf_elf_gnu_build_id(elf, &p)
        guard n > 0, let bytes = p else { return nil }
        return (0..<n).map { String(format2: bytes.load(fromByteOffset: $0, as: UInt8.self)) }.joined()
    }

    private func loadSegments() {
        var ehdr = GElf_Ehdr()
        if gelf_getehdr(elf, &ehdr) != nil && ehdr.e_type == UInt16(ET_EXEC) { isExecutable = true }
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { return }
        for i in 0..<count {
            var ph = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &ph) != nil else { continue }
            if ph.p_type == UInt32(PT_TLS) { tlsSegment = (ph.p_memsz, max(ph.p_align, 1)) }
            if ph.p_type == UInt32(PT_INTERP) { isExecutable = true }
            guard ph.p_type == UInt32(PT_LOAD) else { continue }
            let r = (ph.p_vaddr &+ bias)..<(ph.p_vaddr &+ ph.p_memsz &+ bias)
            loadRanges.append(r)
            if (ph.p_flags & UInt32(PF_X)) != 0 { textRanges.append(r) }
        }
    }

    private func sectionHeader(_ elf: OpaquePointer, named wanted: String) -> (OpaquePointer, GElf_Shdr)? {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return nil }
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            var sh = GElf_Shdr()
            if gelf_getshdr(s, &sh) != nil, let n = elf_strptr(elf, shstrndx, Int(sh.sh_name)),
               String(cString: n) == wanted {
                return (s, sh)
            }
            scn = elf_nextscn(elf, s)
        }
        return nil
    }

    private func hasDebugInfo(_ e: OpaquePointer) -> Bool {
        guard let (_, sh) = sectionHeader(e, named: ".debug_info") else { return false }
        return sh.sh_type != UInt32(SHT_NOBITS) && sh.sh_size > 0
    }

    private func openDWARF(searchPaths: [String]) {
        if hasDebugInfo(elf) {
            dwarfStorage = dwarf_begin_elf(elf, DWARF_C_READ, nil)
            if dwarfStorage == nil { note("\(name): DWARF unreadable: \(String(cString: dwarf_errmsg(-1)))") }
            return
        }
        for candidate in debugFileCandidates(searchPaths) {
            let dfd = open(candidate, O_RDONLY | O_CLOEXEC)
            if dfd < 0 { continue }
            guard let de = elf_begin(dfd, ELF_C_READ_MMAP, nil), elf_kind(de) == ELF_K_ELF,
                  hasDebugInfo(de) else { close(dfd); continue }
            // A debug file with another build-id describes another build: its addresses lie.
            if let want = buildID, let got = Module.buildID(of: de), want != got {
                elf_end(de); close(dfd); continue
            }
            guard let d = dwarf_begin_elf(de, DWARF_C_READ, nil) else {
                note("\(name): debug file \(candidate) unreadable: \(String(cString: dwarf_errmsg(-1)))")
                elf_end(de); close(dfd); continue
            }
            debugFD = dfd; debugElfStorage = de; dwarfStorage = d
            return
        }
        note("\(name): no DWARF debug info (stripped, no debug file found); showing symbols and addresses only")
    }

    private func debugFileCandidates(_ searchPaths: [String]) -> [String] {
        var out: [String] = []
        if let id = buildID, id.count > 2 {
            for root in searchPaths {
                out.append("\(root)/.build-id/\(id.prefix(2))/\(id.dropFirst(2)).debug")
            }
        }
        if let (scn, _) = sectionHeader(elf, named: ".gnu_debuglink"), let data = elf_getdata(scn, nil),
           let buf = data.pointee.d_buf {
            let link = String(cString: buf.assumingMemoryBound(to: CChar.self))
            let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            out.append("\(dir)/\(link)")
            out.append("\(dir)/.debug/\(link)")
            for root in searchPaths { out.append("\(root)\(dir)/\(link)") }
        }
        return out
    }

    /// Size of the .debug_info section the DWARF was read from.
    var debugInfoSize: UInt64? {
        guard dwarf != nil, let (_, sh) = sectionHeader(debugElf ?? elf, named: ".debug_info") else { return nil }
        return sh.sh_size
    }

    /// Raw bytes of a section of the loaded file (for PLT decoding), with its file address.
    func sectionData(_ name: String) -> (address: UInt64, bytes: UnsafeRawBufferPointer)? {
        guard let (scn, sh) = sectionHeader(elf, named: name), sh.sh_type != UInt32(SHT_NOBITS),
              let data = elf_getdata(scn, nil), let buf = data.pointee.d_buf else { return nil }
        return (sh.sh_addr, UnsafeRawBufferPointer(start: buf, count: data.pointee.d_size))
    }

    /// Every ELF handle that may hold symbols: the file, then its debug file (whose .symtab
    /// survives when the installed file kept only .dynsym).
    var symbolSources: [OpaquePointer] { [elf] + (debugElf.map { [$0] } ?? []) }

    /// The load bias of `path` given one of its mappings (start address and file offset), found
    /// by matching the mapping to the PT_LOAD segment that covers that file offset.
    public static func loadBias(path: String, mappingStart: UInt64, fileOffset: UInt64) -> UInt64? {
        _ = libelfReady
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let e = elf_begin(fd, ELF_C_READ_MMAP, nil) else { return nil }
        defer { elf_end(e) }
        return loadBias(elf: e, mappingStart: mappingStart, fileOffset: fileOffset)
    }

    static func loadBias(elf e: OpaquePointer, mappingStart: UInt64, fileOffset: UInt64) -> UInt64? {
        var count = 0
        guard elf_getphdrnum(e, &count) == 0 else { return nil }
        for i in 0..<count {
            var ph = GElf_Phdr()
            guard gelf_getphdr(e, Int32(i), &ph) != nil, ph.p_type == UInt32(PT_LOAD) else { continue }
            let align = max(ph.p_align, 4096)
            let segOff = ph.p_offset & ~(align - 1)
            if segOff <= fileOffset && fileOffset < ph.p_offset + max(ph.p_filesz, 1) {
                let vaddrOfMapping = (ph.p_vaddr & ~(align - 1)) + (fileOffset - segOff)
                return mappingStart &- vaddrOfMapping
            }
        }
        return nil
    }
}

extension String {
    init(format2 byte: UInt8) {
        let s = String(byte, radix: 16)
        self = s.count == 1 ? "0" + s : s
    }
}
