// Small conveniences over libdw's Dwarf_Die: attributes (following DW_AT_abstract_origin and
// DW_AT_specification, which is where inlined instances and out-of-line C++ member
// definitions keep their names and types), children, and address ranges.
import CLibDW

extension Dwarf_Die {
    var tag: Int { var d = self; return Int(dwarf_tag(&d)) }
    var offset: UInt64 { var d = self; return dwarf_dieoffset(&d) }

    /// The attribute, looked up through abstract origins and specifications.
    func attr(_ name: Int32) -> Dwarf_Attribute? {
        var d = self
        var a = Dwarf_Attribute()
        return dwarf_attr_integrate(&d, UInt32(name), &a) != nil ? a.asExpressionLocation() : nil
    }

    /// The attribute of this DIE only.
    func ownAttr(_ name: Int32) -> Dwarf_Attribute? {
        var d = self
        var a = Dwarf_Attribute()
        return dwarf_attr(&d, UInt32(name), &a) != nil ? a.asExpressionLocation() : nil
    }

    func hasOwnAttr(_ name: Int32) -> Bool { var d = self; return dwarf_hasattr(&d, UInt32(name)) != 0 }

    var name: String? {
        var d = self
        guard let p = dwarf_diename(&d) else { return nil }
        return String(cString: p)
    }

    /// The linkage (mangled) name, if any.
    var linkageName: String? {
        for n in [DW_AT_linkage_name, DW_AT_MIPS_linkage_name] {
            if var a = attr(Int32(n)), let p = dwarf_formstring(&a) { return String(cString: p) }
        }
        return nil
    }

    func unsigned(_ name: Int32) -> UInt64? {
        guard var a = attr(name) else { return nil }
        var v: Dwarf_Word = 0
        return dwarf_formudata(&a, &v) == 0 ? v : nil
    }

    func signed(_ name: Int32) -> Int64? {
        guard var a = attr(name) else { return nil }
        var v: Dwarf_Sword = 0
        return dwarf_formsdata(&a, &v) == 0 ? v : nil
    }

    func flag(_ name: Int32) -> Bool {
        guard var a = attr(name) else { return false }
        var v = false
        return dwarf_formflag(&a, &v) == 0 && v
    }

    /// The DIE an attribute refers to (DW_AT_type, DW_AT_abstract_origin, ...).
    func ref(_ name: Int32) -> Dwarf_Die? {
        guard var a = attr(name) else { return nil }
        var out = Dwarf_Die()
        return dwarf_formref_die(&a, &out) != nil ? out : nil
    }

    var type: Dwarf_Die? { ref(Int32(DW_AT_type)) }

    var children: [Dwarf_Die] {
        var d = self
        var c = Dwarf_Die()
        guard dwarf_child(&d, &c) == 0 else { return [] }
        var out = [c]
        var next = Dwarf_Die()
        while dwarf_siblingof(&c, &next) == 0 { out.append(next); c = next }
        return out
    }

    /// File-address ranges covered (low_pc/high_pc or DW_AT_ranges).
    var ranges: [Range<UInt64>] {
        var d = self
        var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
        var out: [Range<UInt64>] = []
        var off = dwarf_ranges(&d, 0, &base, &start, &end)
        while off > 0 {
            if end > start { out.append(start..<end) }
            off = dwarf_ranges(&d, off, &base, &start, &end)
        }
        return out
    }

    var lowPC: UInt64? {
        var d = self
        var v: Dwarf_Addr = 0
        if dwarf_lowpc(&d, &v) == 0 { return v }
        return ranges.map(\.lowerBound).min()
    }

    /// DW_AT_decl_file resolved against the CU's file table.
    var declFile: String? {
        var d = self
        return dwarf_decl_file(&d).map { String(cString: $0) }
    }

    var declLine: Int? {
        var d = self
        var l: Int32 = 0
        return dwarf_decl_line(&d, &l) == 0 ? Int(l) : nil
    }

    /// The CU containing this DIE.
    var cu: Dwarf_Die? {
        var d = self
        var out = Dwarf_Die()
        return dwarf_diecu(&d, &out, nil, nil) != nil ? out : nil
    }

    /// File name for a file-index attribute (DW_AT_call_file) via the CU's line header.
    func fileName(index: UInt64) -> String? {
        guard var c = cu else { return nil }
        var files: OpaquePointer?
        var n = 0
        guard dwarf_getsrcfiles(&c, &files, &n) == 0, index < UInt64(n),
              let p = dwarf_filesrc(files, Int(index), nil, nil) else { return nil }
        return String(cString: p)
    }
}
