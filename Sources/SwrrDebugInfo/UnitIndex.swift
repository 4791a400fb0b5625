// Which compilation unit covers an address. Built on first use by walking only the CU headers
// and top-level DIEs (not their children), which is fast even for large binaries; units whose
// ranges cannot be read (damaged DWARF) are skipped with a note rather than failing the module.
import CLibDW
import Glibc

public final class UnitIndex {
    struct Entry { var range: Range<UInt64>; var cuOffset: UInt64 }
    private(set) var entries: [Entry] = []
    private(set) var unitOffsets: [UInt64] = []
    private weak var module: Module?

    init(module: Module) {
        self.module = module
        guard let dwarf = module.dwarf else { return }
        var off: Dwarf_Off = 0
        var next: Dwarf_Off = 0
        var hsize = 0
        var count = 0
        let sectionSize = module.debugInfoSize
        while true {
            let r = dwarf_nextcu(dwarf, off, &next, &hsize, nil, nil, nil)
            if r != 0 {
                if r < 0 { module.note("\(module.name): .debug_info unreadable after \(count) units: \(String(cString: dwarf_errmsg(-1)))") }
                break
            }
            if let size = sectionSize, next > size {
                // The unit claims more bytes than the section holds: its DIEs end early.
                module.note("\(module.name): .debug_info is truncated (a unit ends at \(next), the section at \(size)); some functions and variables may be missing")
            }
            var cu = Dwarf_Die()
            if dwarf_offdie(dwarf, off + Dwarf_Off(hsize), &cu) != nil {
                count += 1
                unitOffsets.append(cu.offset)
                for r in cu.ranges { entries.append(Entry(range: r, cuOffset: cu.offset)) }
            } else {
                module.note("\(module.name): compilation unit at \(off) unreadable")
            }
            off = next
        }
        entries.sort { $0.range.lowerBound < $1.range.lowerBound }
        // libdw stops quietly at a unit whose header claims more bytes than the section has.
        if count == 0 {
            module.note("\(module.name): .debug_info has no readable compilation unit (truncated or damaged); showing symbols and addresses only")
        }
    }

    func die(at offset: UInt64) -> Dwarf_Die? {
        guard let dwarf = module?.dwarf else { return nil }
        var d = Dwarf_Die()
        return dwarf_offdie(dwarf, offset, &d) != nil ? d : nil
    }

    /// The CU whose ranges contain the file address.
    func unit(containing fileAddress: UInt64) -> Dwarf_Die? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].range.lowerBound <= fileAddress { lo = mid + 1 } else { hi = mid }
        }
        // Ranges of different CUs do not overlap, but a CU's ranges may be nested in another
        // (rare; gcc's cold partitions): scan back a little.
        var i = lo - 1
        while i >= 0 && i >= lo - 8 {
            if entries[i].range.contains(fileAddress) { return die(at: entries[i].cuOffset) }
            i -= 1
        }
        return nil
    }

    var allUnits: [Dwarf_Die] { unitOffsets.compactMap { die(at: $0) } }

    /// The DWARF scopes at a file address, innermost first (lexical blocks, inlined
    /// subroutines, the subprogram, the CU), following the *concrete* DIE tree.
    /// (dwarf_getscopes continues from an inlined subroutine into its abstract origin's
    /// definition scopes instead, and loses the chain when those live in a dwz partial unit,
    /// as in Debian's libc debug files.) Namespaces and classes have no ranges but can hold
    /// C++ member function definitions, so they are searched through.
    func scopes(at fileAddress: UInt64) -> [Dwarf_Die] {
        guard let cu = unit(containing: fileAddress) else { return [] }
        var chain = [cu]
        var current = cu
        var searched = 0
        descend: while chain.count < 256 {
            var pending = current.children
            var next = 0
            while next < pending.count {
                let c = pending[next]
                next += 1
                searched += 1
                if searched > 1_000_000 { break descend }
                switch c.tag {
                case DW_TAG_subprogram, DW_TAG_lexical_block, DW_TAG_inlined_subroutine:
                    var d = c
                    if dwarf_haspc(&d, fileAddress) == 1 {
                        chain.append(c)
                        current = c
                        continue descend
                    }
                case DW_TAG_namespace, DW_TAG_class_type, DW_TAG_structure_type, DW_TAG_union_type, DW_TAG_module:
                    if current.tag == DW_TAG_compile_unit || current.tag == DW_TAG_namespace
                        || current.tag == DW_TAG_module || current.tag == DW_TAG_class_type
                        || current.tag == DW_TAG_structure_type {
                        pending += c.children
                    }
                default:
                    break
                }
            }
            break
        }
        return chain.reversed()
    }
}
