// The functions of a module as units the replay can cover (SwrrReplay/StretchCoverage.swift):
// code the compiler enters only at its entry, so that an int3 there sees every call of it.
// DWARF subprograms with code (a gcc hot/cold split, `foo` and `foo.cold`, is one subprogram
// with DW_AT_ranges: one unit), not ELF symbols: glibc's hand-written string functions jump into
// each other's bodies and have no subprogram.
import CLibDW

extension Module {
    /// The out-of-line subprograms of the module's DWARF: each entry (runtime) and its ranges.
    /// A subprogram whose entry is not the start of an ELF function symbol (an entry this
    /// cannot be sure of) is left out: its code belongs to no unit.
    public func functionUnits() -> [(entry: UInt64, ranges: [Range<UInt64>])] {
        guard hasDWARF else { return [] }
        var out: [(entry: UInt64, ranges: [Range<UInt64>])] = []
        func add(_ sp: Dwarf_Die) {
            let ranges = sp.ranges
            guard !ranges.isEmpty else { return }
            var d = sp
            var v: Dwarf_Addr = 0
            // DW_AT_entry_pc or DW_AT_low_pc; with DW_AT_ranges alone, a range's start that is a
            // function symbol other than a `.cold` part (the linker may place .text.unlikely first).
            let candidates = dwarf_entrypc(&d, &v) == 0 ? [v] : ranges.map(\.lowerBound)
            for c in candidates {
                let entry = c &+ bias
                guard let s = symbols.lookup(entry), s.offset == 0, s.symbol.isFunction,
                      !s.symbol.rawName.contains(".cold") else { continue }
                out.append((entry, ranges.map { ($0.lowerBound &+ bias)..<($0.upperBound &+ bias) }))
                return
            }
        }
        func walk(_ die: Dwarf_Die, depth: Int) {
            guard depth < 64 else { return }
            for c in die.children {
                switch c.tag {
                case DW_TAG_subprogram:
                    add(c)
                case DW_TAG_namespace, DW_TAG_class_type, DW_TAG_structure_type, DW_TAG_union_type, DW_TAG_module:
                    walk(c, depth: depth + 1)
                default:
                    break
                }
            }
        }
        for cu in units.allUnits { walk(cu, depth: 0) }
        return out
    }
}
