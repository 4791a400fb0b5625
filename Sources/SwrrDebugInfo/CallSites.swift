// DW_TAG_call_site: what the compiler recorded about each call instruction: its return
// address, the function called (DW_AT_call_origin), whether it is a tail call (a jmp that
// leaves no frame), and the values its arguments had (DW_TAG_call_site_parameter), which
// entry values and tail-call frame reconstruction rely on. GCC before DWARF 5 uses the
// DW_TAG_GNU_call_site spelling, with DW_AT_low_pc for the return address.
import CLibDW

extension Dwarf_Die {
    var isCallSite: Bool { tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site }

    /// File address right after the call instruction.
    var callReturnPC: UInt64? {
        var a = ownAttr(Int32(DW_AT_call_return_pc)) ?? ownAttr(Int32(DW_AT_low_pc))
        var addr: Dwarf_Addr = 0
        guard a != nil, dwarf_formaddr(&a!, &addr) == 0 else { return nil }
        return addr
    }

    var isTailCall: Bool { flag(Int32(DW_AT_call_tail_call)) || flag(Int32(DW_AT_GNU_tail_call)) }

    /// The called function's DIE, when the call is direct.
    var callOrigin: Dwarf_Die? { ref(Int32(DW_AT_call_origin)) ?? ref(Int32(DW_AT_abstract_origin)) }

    /// Every call site under this DIE (through lexical blocks and inlined subroutines).
    func callSites(depth: Int = 0) -> [Dwarf_Die] {
        if depth > 32 { return [] }
        var out: [Dwarf_Die] = []
        for c in children {
            if c.isCallSite { out.append(c) }
            else if c.tag == DW_TAG_lexical_block || c.tag == DW_TAG_inlined_subroutine {
                out += c.callSites(depth: depth + 1)
            }
        }
        return out
    }

    /// The call site whose return address is `returnPC` (file address).
    func callSite(returnPC: UInt64) -> Dwarf_Die? {
        callSites().first { $0.callReturnPC == returnPC }
    }

    /// Whether two DIEs denote the same function (a call origin may be a declaration, the
    /// abstract instance or the concrete definition).
    func sameFunction(as other: Dwarf_Die) -> Bool {
        if offset == other.offset { return true }
        if let a = lowPC, let b = other.lowPC { return a == b }
        if let a = linkageName ?? name, let b = other.linkageName ?? other.name { return a == b }
        return false
    }
}
