// Location expressions held in block forms. DWARF 4 gives expressions their own form
// (DW_FORM_exprloc) and libdw (0.188) refuses a block form on a version-4 unit: "not a location
// list value". The Go toolchain (go1.19 here, `go build -gcflags='all=-N -l'`) writes version-4
// units whose DW_AT_location and DW_AT_frame_base are DW_FORM_block1 (`91 80 7f`,
// DW_OP_fbreg -128 for main.main's `s`), which gdb and Delve read; without this every Go local
// showed <optimized out>.
//
// exprloc is a ULEB128 length then the bytes. DW_FORM_block is laid out identically, and so is
// DW_FORM_block1 when its one-byte length is below 0x80 (the ULEB128 of such a length is that
// byte): the attribute is then handed to libdw as exprloc, pointing at the same bytes. Longer
// block1, block2 and block4 expressions are left as they are (libdw refuses them: the variable
// shows as optimized out).
import CLibDW

extension Dwarf_Attribute {
    /// Attributes whose block value is a DWARF expression (DWARF 4 section 7.5.5's exprloc
    /// class), as opposed to a block constant (DW_AT_const_value).
    static let expressionAttributes: Set<UInt32> = [
        UInt32(DW_AT_location), UInt32(DW_AT_frame_base), UInt32(DW_AT_data_member_location),
        UInt32(DW_AT_vtable_elem_location), UInt32(DW_AT_use_location), UInt32(DW_AT_string_length),
        UInt32(DW_AT_lower_bound), UInt32(DW_AT_upper_bound), UInt32(DW_AT_count),
        UInt32(DW_AT_byte_size), UInt32(DW_AT_bit_size), UInt32(DW_AT_static_link),
        UInt32(DW_AT_return_addr), UInt32(DW_AT_segment), UInt32(DW_AT_allocated),
        UInt32(DW_AT_associated), UInt32(DW_AT_data_location), UInt32(DW_AT_byte_stride),
        UInt32(DW_AT_call_value), UInt32(DW_AT_call_target), UInt32(DW_AT_call_data_location),
        UInt32(DW_AT_call_data_value),
    ]

    /// This attribute, as DW_FORM_exprloc when it is an expression in a block form laid out as
    /// exprloc is.
    func asExpressionLocation() -> Dwarf_Attribute {
        guard Self.expressionAttributes.contains(code), let p = valp else { return self }
        var a = self
        switch form {
        case UInt32(DW_FORM_block):
            a.form = UInt32(DW_FORM_exprloc)
        case UInt32(DW_FORM_block1) where p.pointee < 0x80:
            a.form = UInt32(DW_FORM_exprloc)
        default:
            break
        }
        return a
    }
}
