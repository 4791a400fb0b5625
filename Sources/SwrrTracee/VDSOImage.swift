// A vDSO's ELF image as read out of a task: its exported functions (the SHT_DYNSYM table and its
// string table, found through the section headers) and the call-frame entries (.eh_frame FDEs)
// that describe them. Every offset and size comes from the image, which a tracee could have
// written, and is checked against it: a malformed image is an error, never a trap.
//
// Measured on kernel 6.18's vDSO: one PT_LOAD at file offset 0 and p_vaddr 0, section headers at
// 0x1620 of the 0x2000 bytes mapped; .eh_frame has one CIE ("zR", FDE addresses pc-relative
// sdata4, 0x1b; its initial rule CFA = rsp+8, return address at CFA-8) and one FDE per function;
// those of clock_gettime and gettimeofday say CFA = rbp+16 from their second instruction on.

/// One exported function of a vDSO image.
public struct VDSOFunction: Equatable, Sendable {
    public var name: String
    /// Its address in the task.
    public var address: UInt64
    public var size: UInt64
}

public struct VDSOImage {
    public var bytes: [UInt8]
    /// Where the image is mapped in the task.
    public let base: UInt64
    /// The p_vaddr of the PT_LOAD at file offset 0: an address in the image's own terms (symbol
    /// values, absolute FDE addresses) minus this is an offset into `bytes`.
    let loadVaddr: UInt64
    let sections: [Section]

    struct Section {
        var name: String
        var type: UInt64
        var offset: UInt64
        var size: UInt64
        var link: UInt64
        var entsize: UInt64
    }

    struct Malformed: Error, CustomStringConvertible {
        var what: String
        var description: String { "the vDSO's ELF image is malformed: \(what)" }
    }

    public init(bytes: [UInt8], base: UInt64) throws {
        self.bytes = bytes
        self.base = base
        // ELF64, little-endian (elf.h: e_phoff 0x20, e_shoff 0x28, e_phentsize 0x36, e_phnum 0x38,
        // e_shentsize 0x3a, e_shnum 0x3c, e_shstrndx 0x3e).
        guard bytes.count >= 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46], bytes[4] == 2, bytes[5] == 1 else {
            throw Malformed(what: "no ELF64 little-endian header")
        }
        let r = Reader(bytes: bytes)
        let phoff = try r.u64(0x20), phentsize = try r.u16(0x36), phnum = try r.u16(0x38)
        let shoff = try r.u64(0x28), shentsize = try r.u16(0x3a), shnum = try r.u16(0x3c)
        let shstrndx = try r.u16(0x3e)
        guard phentsize >= 56, shentsize >= 64 else { throw Malformed(what: "header entry sizes") }
        try r.table(phoff, phnum, phentsize)
        try r.table(shoff, shnum, shentsize)
        var load: UInt64? = nil
        for i in 0..<phnum {
            let ph = phoff + i * phentsize
            if try r.u32(ph) == 1 /* PT_LOAD */, try r.u64(ph + 8) == 0 /* p_offset */ {
                load = try r.u64(ph + 16)
                break
            }
        }
        guard let load else { throw Malformed(what: "no PT_LOAD at offset 0") }
        loadVaddr = load
        var raw: [(nameOffset: UInt64, section: Section)] = []
        for i in 0..<shnum {
            let sh = shoff + i * shentsize
            let s = Section(name: "", type: try r.u32(sh + 4), offset: try r.u64(sh + 0x18), size: try r.u64(sh + 0x20),
                            link: try r.u32(sh + 0x28), entsize: try r.u64(sh + 0x38))
            raw.append((try r.u32(sh), s))
        }
        // Section names, from the section-name string table (empty when there is none).
        let names = shstrndx < UInt64(raw.count) ? raw[Int(shstrndx)].section : nil
        sections = try raw.map { entry in
            var s = entry.section
            if let names, names.type == 3 /* SHT_STRTAB */ {
                s.name = try r.string(in: names, at: entry.nameOffset)
            }
            return s
        }
    }

    /// The exported, defined functions.
    public func functions() throws -> [VDSOFunction] {
        let r = Reader(bytes: bytes)
        var found: [VDSOFunction] = []
        for symtab in sections where symtab.type == 11 /* SHT_DYNSYM */ {
            guard symtab.entsize >= 24, symtab.link < UInt64(sections.count) else {
                throw Malformed(what: "its .dynsym header")
            }
            let strtab = sections[Int(symtab.link)]
            let count = symtab.size / symtab.entsize
            try r.table(symtab.offset, count, symtab.entsize)
            for s in 0..<count {
                let sym = symtab.offset + s * symtab.entsize
                let info = bytes[Int(sym) + 4], shndx = try r.u16(sym + 6)
                guard info & 0xf == 2 /* STT_FUNC */, shndx != 0 /* defined */ else { continue }
                let name = try r.string(in: strtab, at: try r.u32(sym))
                let value = try r.u64(sym + 8), size = try r.u64(sym + 16)
                guard let at = offset(ofAddress: value), size <= UInt64(bytes.count) - at else {
                    throw Malformed(what: "\(name) lies outside it")
                }
                found.append(VDSOFunction(name: name, address: base + at, size: size))
            }
        }
        return found
    }

    /// The offset into the image of an address in the image's own terms, nil outside it.
    func offset(ofAddress a: UInt64) -> UInt64? {
        a >= loadVaddr && a - loadVaddr <= UInt64(bytes.count) ? a - loadVaddr : nil
    }

    /// The call-frame instructions (image offsets) of every .eh_frame FDE whose code range
    /// contains one of `offsets`. Entries in encodings other than the kernel's (pc-relative or
    /// absolute 4- or 8-byte addresses) are left out.
    public func frameInstructions(covering offsets: [UInt64]) throws -> [Range<Int>] {
        guard let frame = sections.first(where: { $0.name == ".eh_frame" }) else { return [] }
        let r = Reader(bytes: bytes, loadVaddr: loadVaddr)
        try r.table(frame.offset, frame.size, 1)
        var found: [Range<Int>] = []
        var cieEncodings: [UInt64: (encoding: UInt8, augmented: Bool)] = [:]
        var p = frame.offset
        let end = frame.offset + frame.size
        while end - p >= 4 {
            let length = try r.u32(p)
            if length == 0 { break }                        // the terminator
            guard length != 0xffff_ffff, length <= end - p - 4, length >= 4 else {
                throw Malformed(what: "an .eh_frame entry's length")
            }
            let body = p + 4, next = body + length
            defer { p = next }
            let id = try r.u32(body)
            if id == 0 {
                cieEncodings[p] = try r.cieEncoding(at: body + 4, end: next)
                continue
            }
            // An FDE: its CIE is `id` bytes before the id field.
            guard id <= body, let cie = cieEncodings[body - id] else { continue }
            var q = body + 4
            guard let (start, width) = try r.encodedAddress(at: q, encoding: cie.encoding),
                  let range = try r.encodedAddress(at: q + width, encoding: cie.encoding & 0x0f)?.value else { continue }
            q += 2 * width
            if cie.augmented { q += try r.uleb(&q, end: next) }
            guard let first = offset(ofAddress: start), q <= next else { continue }
            if offsets.contains(where: { $0 >= first && $0 - first < range }) {
                found.append(Int(q)..<Int(next))
            }
        }
        return found
    }

    /// Little-endian reads at offsets checked against the image.
    struct Reader {
        let bytes: [UInt8]
        /// The image's address of offset 0 in its own terms (pc-relative values are relative to it).
        var loadVaddr: UInt64 = 0

        func u8(_ o: UInt64) throws -> UInt8 {
            guard o < UInt64(bytes.count) else { throw Malformed(what: "a read past its end") }
            return bytes[Int(o)]
        }
        func u16(_ o: UInt64) throws -> UInt64 { UInt64(try u8(o)) | UInt64(try u8(o + 1)) << 8 }
        func u32(_ o: UInt64) throws -> UInt64 { try u16(o) | (try u16(o + 2)) << 16 }
        func u64(_ o: UInt64) throws -> UInt64 { try u32(o) | (try u32(o + 4)) << 32 }

        /// Checks that `count` entries of `size` bytes at `offset` lie inside the image.
        func table(_ offset: UInt64, _ count: UInt64, _ size: UInt64) throws {
            let (total, o1) = count.multipliedReportingOverflow(by: size)
            let (end, o2) = offset.addingReportingOverflow(total)
            guard !o1, !o2, end <= UInt64(bytes.count) else { throw Malformed(what: "a table lies outside it") }
        }

        /// The NUL-terminated string at `offset` of string table `table`.
        func string(in table: Section, at offset: UInt64) throws -> String {
            try self.table(table.offset, table.size, 1)
            guard offset < table.size else { throw Malformed(what: "a name outside its string table") }
            let start = Int(table.offset + offset), end = Int(table.offset + table.size)
            guard let nul = bytes[start..<end].firstIndex(of: 0) else { throw Malformed(what: "an unterminated name") }
            return String(decoding: bytes[start..<nul], as: UTF8.self)
        }

        /// An unsigned LEB128 at `o`, which it advances.
        func uleb(_ o: inout UInt64, end: UInt64) throws -> UInt64 {
            var v: UInt64 = 0
            for shift in stride(from: UInt64(0), to: 64, by: 7) {
                guard o < end else { break }
                let b = try u8(o)
                o += 1
                v |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return v }
            }
            throw Malformed(what: "a LEB128 number")
        }

        /// A CIE's FDE address encoding (its 'R' augmentation; absolute 8 bytes without one)
        /// and whether FDEs carry augmentation data ('z'). `o` is just past the CIE id.
        func cieEncoding(at start: UInt64, end: UInt64) throws -> (encoding: UInt8, augmented: Bool) {
            var o = start
            let version = try u8(o)
            o += 1
            var augmentation: [UInt8] = []
            while o < end, try u8(o) != 0 {
                augmentation.append(try u8(o))
                o += 1
            }
            o += 1
            _ = try uleb(&o, end: end)                       // code alignment
            _ = try uleb(&o, end: end)                       // data alignment (its sign is irrelevant here)
            if version == 1 { o += 1 } else { _ = try uleb(&o, end: end) }  // return address register
            guard augmentation.first == UInt8(ascii: "z") else { return (0, false) }
            _ = try uleb(&o, end: end)                       // augmentation data length
            for c in augmentation.dropFirst() {
                switch c {
                case UInt8(ascii: "R"): return (try u8(o), true)
                case UInt8(ascii: "L"): o += 1
                case UInt8(ascii: "P"):
                    // A personality routine: its encoding, then the pointer in that encoding.
                    let e = try u8(o)
                    o += 1
                    guard let (_, width) = try encodedAddress(at: o, encoding: e) else { return (0xff, true) }
                    o += width
                default: return (0xff, true)                 // unknown: FDEs of this CIE are left alone
                }
            }
            return (0, true)
        }

        /// An address in `encoding` at `o` (DW_EH_PE_absptr/udata4/sdata4/udata8/sdata8, absolute
        /// or pc-relative: relative to where `o` is in the image's own terms) and its width; nil
        /// for other encodings.
        func encodedAddress(at o: UInt64, encoding: UInt8) throws -> (value: UInt64, width: UInt64)? {
            let raw: UInt64, width: UInt64
            switch encoding & 0x0f {
            case 0x00, 0x04, 0x0c: raw = try u64(o); width = 8
            case 0x03: raw = try u32(o); width = 4
            case 0x0b: raw = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: try u32(o)))); width = 4
            default: return nil
            }
            switch encoding & 0x70 {
            case 0x00: return (raw, width)
            case 0x10: return (loadVaddr &+ o &+ raw, width)  // DW_EH_PE_pcrel
            default: return nil
            }
        }
    }
}
