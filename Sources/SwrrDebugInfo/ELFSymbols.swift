// The ELF symbol tables of a module (.symtab, falling back to .dynsym), plus synthesized names
// for PLT stubs, which have no symbols of their own: each stub jumps through a GOT slot, and
// the relocation of that slot names the function ("puts@plt").
import CLibDW

public struct Symbol: Equatable, Sendable {
    /// Runtime address (biased).
    public var address: UInt64
    public var size: UInt64
    /// The name as stored (mangled for C++/Rust/Swift).
    public var rawName: String
    public var isFunction: Bool
    public var name: String { Demangler.demangle(rawName) }
}

public struct SymbolLookup: Equatable, Sendable {
    public var symbol: Symbol
    public var offset: UInt64
    public var description: String { offset == 0 ? symbol.name : "\(symbol.name)+\(offset)" }
}

public final class ELFSymbols {
    /// Sorted by address; zero-sized symbols kept only when nothing sized starts there.
    public private(set) var all: [Symbol] = []
    private var byName: [String: Symbol] = [:]

    init(module: Module) {
        var seen = Set<UInt64>()
        var syms: [Symbol] = []
        for elf in module.symbolSources {
            for s in Self.read(elf: elf, bias: module.bias) where !seen.contains(s.address) || s.size > 0 {
                syms.append(s)
            }
            for s in syms { seen.insert(s.address) }
        }
        syms += Self.pltStubs(module: module)
        // Every alias resolves by name, even those the address-sorted list folds away.
        for s in syms where byName[s.rawName] == nil || (byName[s.rawName]!.size == 0 && s.size > 0) {
            byName[s.rawName] = s
        }
        syms.sort { ($0.address, $1.size) < ($1.address, $0.size) }
        // Aliases at one address (e.g. __libc_malloc / malloc): keep the first sized one.
        var out: [Symbol] = []
        for s in syms {
            if let last = out.last, last.address == s.address {
                if last.size == 0 && s.size > 0 { out[out.count - 1] = s }
                continue
            }
            out.append(s)
        }
        all = out
    }

    private static func read(elf: OpaquePointer, bias: UInt64) -> [Symbol] {
        var out: [Symbol] = []
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            defer { scn = elf_nextscn(elf, s) }
            var sh = GElf_Shdr()
            guard gelf_getshdr(s, &sh) != nil,
                  sh.sh_type == UInt32(SHT_SYMTAB) || sh.sh_type == UInt32(SHT_DYNSYM),
                  sh.sh_entsize > 0, let data = elf_getdata(s, nil) else { continue }
            let n = Int(sh.sh_size / sh.sh_entsize)
            for i in 0..<n {
                var sym = GElf_Sym()
                guard gelf_getsym(data, Int32(i), &sym) != nil else { break }
                let type = Int32(sym.st_info & 0xf)
                guard type == STT_FUNC || type == STT_OBJECT || type == STT_GNU_IFUNC,
                      sym.st_shndx != UInt16(SHN_UNDEF), sym.st_value != 0,
                      let np = elf_strptr(elf, Int(sh.sh_link), Int(sym.st_name)) else { continue }
                var name = String(cString: np)
                if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }  // versioned
                if name.isEmpty { continue }
                out.append(Symbol(address: sym.st_value &+ bias, size: sym.st_size, rawName: name,
                                  isFunction: type != STT_OBJECT))
            }
        }
        return out
    }

    /// GOT slot address → symbol name, from JUMP_SLOT and GLOB_DAT relocations.
    private static func gotNames(_ elf: OpaquePointer) -> [UInt64: String] {
        var out: [UInt64: String] = [:]
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            defer { scn = elf_nextscn(elf, s) }
            var sh = GElf_Shdr()
            guard gelf_getshdr(s, &sh) != nil, sh.sh_type == UInt32(SHT_RELA), sh.sh_entsize > 0,
                  let data = elf_getdata(s, nil), let symScn = elf_getscn(elf, Int(sh.sh_link)),
                  let symData = elf_getdata(symScn, nil) else { continue }
            var symSh = GElf_Shdr()
            guard gelf_getshdr(symScn, &symSh) != nil else { continue }
            for i in 0..<Int(sh.sh_size / sh.sh_entsize) {
                var rela = GElf_Rela()
                guard gelf_getrela(data, Int32(i), &rela) != nil else { break }
                let type = UInt32(rela.r_info & 0xffffffff), symIndex = Int32(rela.r_info >> 32)
                guard type == 7 /* R_X86_64_JUMP_SLOT */ || type == 6 /* R_X86_64_GLOB_DAT */,
                      symIndex != 0 else { continue }
                var sym = GElf_Sym()
                guard gelf_getsym(symData, symIndex, &sym) != nil,
                      let np = elf_strptr(elf, Int(symSh.sh_link), Int(sym.st_name)) else { continue }
                out[rela.r_offset] = String(cString: np)
            }
        }
        return out
    }

    /// Decodes each stub of .plt, .plt.sec and .plt.got: whatever prefix (endbr64, bnd) it has,
    /// it contains `jmp *disp32(%rip)`, whose target is the GOT slot.
    private static func pltStubs(module: Module) -> [Symbol] {
        let got = gotNames(module.elf)
        if got.isEmpty { return [] }
        var out: [Symbol] = []
        for (section, stride) in [(".plt", 16), (".plt.sec", 16), (".plt.got", 8)] {
            guard let (base, bytes) = module.sectionData(section) else { continue }
            let stubSize = section == ".plt.got" && bytes.count % 16 == 0 && bytes.count >= 16
                && bytes[0] == 0xf3 ? 16 : stride
            var off = 0
            while off + stubSize <= bytes.count {
                for j in 0..<(stubSize - 5) where bytes[off + j] == 0xff && bytes[off + j + 1] == 0x25 {
                    let disp = bytes.loadUnaligned(fromByteOffset: off + j + 2, as: Int32.self)
                    let slot = base &+ UInt64(off + j + 6) &+ UInt64(bitPattern: Int64(disp))
                    if let n = got[slot] {
                        out.append(Symbol(address: base &+ UInt64(off) &+ module.bias, size: UInt64(stubSize),
                                          rawName: n + "@plt", isFunction: true))
                    }
                    break
                }
                off += stubSize
            }
        }
        return out
    }

    /// The symbol containing `address` (or the nearest one below it when sizes are unknown).
    public func lookup(_ address: UInt64) -> SymbolLookup? {
        var lo = 0, hi = all.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if all[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        var i = lo - 1
        while i >= 0 {
            let s = all[i]
            if s.size == 0 || address < s.address + s.size {
                return SymbolLookup(symbol: s, offset: address - s.address)
            }
            // A sized symbol that ends before `address`: an earlier, larger one may still cover it.
            if i > 0 && all[i - 1].size > address - all[i - 1].address { i -= 1; continue }
            return nil
        }
        return nil
    }

    /// A symbol by raw or demangled name.
    public func named(_ name: String) -> Symbol? { byName[name] ?? demangledNames[name] }

    /// Demangled names ("ns::func" and "ns::func(int)"), built on the first lookup that needs
    /// them: demangling every symbol of a large C++ library costs more than the rest of the
    /// index.
    private lazy var demangledNames: [String: Symbol] = {
        var out: [String: Symbol] = [:]
        for s in all where s.rawName.hasPrefix("_Z") || s.rawName.hasPrefix("$s") || s.rawName.hasPrefix("_R") {
            let d = Demangler.demangle(s.rawName)
            if out[d] == nil { out[d] = s }
            if let p = d.firstIndex(of: "("), out[String(d[..<p])] == nil { out[String(d[..<p])] = s }
        }
        return out
    }()
}
