// DWARF line tables (versions 2-5 through libdw): address → file:line:column, and
// file:line → breakpoint addresses.
//
// Quirks handled here:
// - Rows with is_stmt = false (emitted by optimizing compilers for instructions that belong to
//   a line but are not a good place to stop) never become breakpoint locations, and when
//   several rows share an address the statement row wins for address → line.
// - A breakpoint on a function's first line goes after the prologue, as gdb does: to the row
//   flagged prologue_end if the compiler emits one (clang), else to the first row of a
//   different line (gcc emits no prologue_end flags).
// - One source line can have many copies: inlined instances, template instances, loop
//   headers emitted twice. Each function instance contributes its lowest address.
import CLibDW

public struct SourceLocation: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int = 0) { self.file = file; self.line = line; self.column = column }
    public var fileName: String { file.split(separator: "/").last.map(String.init) ?? file }
    /// DWARF's line 0 means "no source line": code the compiler made up (Swift's top-level
    /// code between statements, rustc's drop glue and moves). Never a place a line step stops,
    /// as in gdb and lldb.
    public var hasSourceLine: Bool { line > 0 }
    public var description: String { "\(fileName):\(line)" }
}

/// A line and column of a source (DWARF's: both 1-based; column 0 when the compiler gave none).
public struct SourcePosition: Hashable, Comparable, Sendable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

struct LineRow {
    var address: UInt64   // file address
    var file: Int32       // index into LineTable.files
    var line: Int32
    var column: Int32
    var isStmt: Bool
    var endSequence: Bool
    var prologueEnd: Bool
}

public final class LineTable {
    private weak var module: Module?
    private var files: [String] = []
    private var fileIndex: [String: Int32] = [:]
    /// Rows per CU, in line-program order (sequences kept contiguous).
    private var rowsByUnit: [UInt64: [LineRow]] = [:]
    /// Per CU: address ranges sorted by start, each naming the row that covers it, so an
    /// address lookup is a binary search rather than a walk over a (possibly huge) table.
    private var rangesByUnit: [UInt64: [(start: UInt64, end: UInt64, row: Int32)]] = [:]
    /// Per CU: statement rows (indices) of each file, so file:line queries skip other files.
    private var statementRowsByFile: [UInt64: [Int32: [Int32]]] = [:]

    private func statementRows(of cu: Dwarf_Die, _ rows: [LineRow]) -> [Int32: [Int32]] {
        if let r = statementRowsByFile[cu.offset] { return r }
        var out: [Int32: [Int32]] = [:]
        // Line 0 marks compiler-generated code that belongs to no line.
        for (i, r) in rows.enumerated() where r.isStmt && !r.endSequence && r.line > 0 {
            out[r.file, default: []].append(Int32(i))
        }
        statementRowsByFile[cu.offset] = out
        return out
    }

    /// Units whose file table names a file, per requested name (a breakpoint is set once per
    /// file:line but resolved again whenever a library loads).
    private var unitsMentioning: [String: [Dwarf_Die]] = [:]

    private func units(mentioning file: String) -> [Dwarf_Die] {
        if let u = unitsMentioning[file] { return u }
        guard let m = module else { return [] }
        let out = m.units.allUnits.filter { cu in
            var c = cu
            var fs: OpaquePointer?
            var n = 0
            guard dwarf_getsrcfiles(&c, &fs, &n) == 0 else { return false }
            return (0..<n).contains { i in
                dwarf_filesrc(fs, i, nil, nil).map { Self.fileMatches(Self.path(String(cString: $0), in: cu), file) } ?? false
            }
        }
        unitsMentioning[file] = out
        return out
    }

    init(module: Module) { self.module = module }

    /// A file name of `cu`'s line table as a path. libdw joins a name with its directory entry,
    /// but that entry is itself relative to the compilation directory when the compiler was
    /// given a relative path (`gcc -g src/x.c` in /p gives "src/x.c"): editors need "/p/src/x.c"
    /// to open the file and to set breakpoints in it.
    static func path(_ file: String, in cu: Dwarf_Die) -> String {
        guard !file.hasPrefix("/"), file != "??", var dir = cu.ownAttr(Int32(DW_AT_comp_dir)),
              let p = dwarf_formstring(&dir) else {
            return file
        }
        var base = String(cString: p)
        guard base.hasPrefix("/") else { return file }
        var rest = Substring(file)
        while rest.hasPrefix("./") { rest = rest.dropFirst(2) }
        if !base.hasSuffix("/") { base += "/" }
        return base + rest
    }

    private func intern(_ f: String) -> Int32 {
        if let i = fileIndex[f] { return i }
        let i = Int32(files.count)
        files.append(f); fileIndex[f] = i
        return i
    }

    private func rows(of cu: Dwarf_Die) -> [LineRow] {
        if let r = rowsByUnit[cu.offset] { return r }
        var c = cu
        var lines: OpaquePointer?
        var n = 0
        var out: [LineRow] = []
        if dwarf_getsrclines(&c, &lines, &n) == 0 {
            out.reserveCapacity(n)
            for i in 0..<n {
                guard let l = dwarf_onesrcline(lines, i) else { continue }
                var addr: Dwarf_Addr = 0, line: Int32 = 0, col: Int32 = 0
                var stmt = false, end = false, pe = false
                dwarf_lineaddr(l, &addr); dwarf_lineno(l, &line); dwarf_linecol(l, &col)
                dwarf_linebeginstatement(l, &stmt); dwarf_lineendsequence(l, &end)
                dwarf_lineprologueend(l, &pe)
                let f = dwarf_linesrc(l, nil, nil).map { Self.path(String(cString: $0), in: cu) } ?? "??"
                out.append(LineRow(address: addr, file: intern(f), line: line, column: col, isStmt: stmt,
                                   endSequence: end, prologueEnd: pe))
            }
        } else if let m = module {
            m.note("\(m.name): line table of a unit unreadable: \(String(cString: dwarf_errmsg(-1)))")
        }
        rowsByUnit[cu.offset] = out
        return out
    }

    private func ranges(of cu: Dwarf_Die, _ rows: [LineRow]) -> [(start: UInt64, end: UInt64, row: Int32)] {
        if let r = rangesByUnit[cu.offset] { return r }
        var out: [(start: UInt64, end: UInt64, row: Int32)] = []
        var i = 0
        while i < rows.count {
            if rows[i].endSequence { i += 1; continue }
            // Rows sharing an address: the last statement row wins, else the last row.
            var j = i
            var pick = i
            while j < rows.count && rows[j].address == rows[i].address && !rows[j].endSequence {
                if rows[j].isStmt || !rows[pick].isStmt { pick = j }
                j += 1
            }
            if j < rows.count && rows[j].address > rows[i].address {
                out.append((rows[i].address, rows[j].address, Int32(pick)))
            }
            i = j
        }
        out.sort { $0.start < $1.start }
        rangesByUnit[cu.offset] = out
        return out
    }

    /// Index of the row that covers `fileAddress` in the CU's table.
    private func coveringRow(_ cu: Dwarf_Die, _ rows: [LineRow], _ fileAddress: UInt64) -> Int? {
        let rs = ranges(of: cu, rows)
        var lo = 0, hi = rs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if rs[mid].start <= fileAddress { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, fileAddress < rs[lo - 1].end else { return nil }
        return Int(rs[lo - 1].row)
    }

    /// The source location of a runtime address.
    public func location(of address: UInt64) -> SourceLocation? {
        guard let m = module, let cu = m.units.unit(containing: address &- m.bias) else { return nil }
        let rs = rows(of: cu)
        guard let i = coveringRow(cu, rs, address &- m.bias) else { return nil }
        return SourceLocation(file: files[Int(rs[i].file)], line: Int(rs[i].line), column: Int(rs[i].column))
    }

    /// Every source file named by the module's line tables.
    public func sourceFiles() -> [String] {
        guard let m = module else { return [] }
        var out = Set<String>()
        for var cu in m.units.allUnits {
            var fs: OpaquePointer?
            var n = 0
            guard dwarf_getsrcfiles(&cu, &fs, &n) == 0 else { continue }
            for i in 0..<n { if let p = dwarf_filesrc(fs, i, nil, nil) { out.insert(Self.path(String(cString: p), in: cu)) } }
        }
        return out.sorted()
    }

    static func fileMatches(_ candidate: String, _ wanted: String) -> Bool {
        if candidate == wanted { return true }
        if wanted.hasPrefix("/") { return false }
        return candidate.hasSuffix("/" + wanted)
    }

    /// Runtime addresses at which a breakpoint on `file:line` stops: one per function
    /// instance (inlined copies included), prologues skipped. If no row has that exact line,
    /// the next line that has code is used (as gdb does for blank or comment lines).
    public func addresses(file: String, line: Int) -> [UInt64] {
        guard let m = module else { return [] }
        var candidates: [(rows: [LineRow], index: Int)] = []
        var bestLine = Int.max
        for cu in units(mentioning: file) {
            let rs = rows(of: cu)
            for (f, indices) in statementRows(of: cu, rs) where Self.fileMatches(files[Int(f)], file) {
                for i in indices.map(Int.init) where Int(rs[i].line) >= line {
                    let l = Int(rs[i].line)
                    if l < bestLine { bestLine = l; candidates.removeAll() }
                    if l == bestLine { candidates.append((rs, i)) }
                }
            }
        }
        // One address per function instance: the lowest, after skipping a prologue. Grouping
        // by ELF symbol first is cheap; only a function with several candidates needs the
        // DWARF scope walk to tell its inlined copies apart.
        var bySymbol: [UInt64: [UInt64]] = [:]
        for (rs, i) in candidates {
            let fileAddr = skipPrologueIfEntry(rs, i)
            let sym = m.symbols.lookup(fileAddr &+ m.bias)?.symbol.address ?? fileAddr
            bySymbol[sym, default: []].append(fileAddr)
        }
        var out: [UInt64] = []
        for (_, addrs) in bySymbol {
            if addrs.count == 1 { out.append(addrs[0]); continue }
            var perInstance: [UInt64: UInt64] = [:]
            for a in addrs {
                let key = instanceKey(a)
                if let prev = perInstance[key], prev <= a { continue }
                perInstance[key] = a
            }
            out += perInstance.values
        }
        return out.map { $0 &+ m.bias }.sorted()
    }

    /// Every position a statement row of `file` names from line `lines.lowerBound` to
    /// `lines.upperBound`: where execution can stop in that range (inline breakpoint positions).
    /// is_stmt rows only, as for breakpoints; line 0 (compiler-generated code) never appears.
    public func statementPositions(file: String, lines: ClosedRange<Int>) -> Set<SourcePosition> {
        var out = Set<SourcePosition>()
        for cu in units(mentioning: file) {
            let rs = rows(of: cu)
            for (f, indices) in statementRows(of: cu, rs) where Self.fileMatches(files[Int(f)], file) {
                for i in indices.map(Int.init) where lines.contains(Int(rs[i].line)) {
                    out.insert(SourcePosition(line: Int(rs[i].line), column: Int(rs[i].column)))
                }
            }
        }
        return out
    }

    /// The DIE offset of the innermost function instance (subprogram or inlined subroutine)
    /// containing a file address, or the address itself when there is no DWARF scope.
    private func instanceKey(_ fileAddress: UInt64) -> UInt64 {
        guard let m = module else { return fileAddress }
        for s in m.units.scopes(at: fileAddress)
        where s.tag == DW_TAG_subprogram || s.tag == DW_TAG_inlined_subroutine {
            return s.offset
        }
        return fileAddress
    }

    private func functionEntry(_ fileAddress: UInt64) -> Bool {
        guard let m = module else { return false }
        // The symbol table answers in a binary search; DWARF only for code without symbols.
        if let s = m.symbols.lookup(fileAddress &+ m.bias), s.symbol.isFunction, s.offset < max(s.symbol.size, 1) {
            return s.offset == 0
        }
        for s in m.units.scopes(at: fileAddress) where s.tag == DW_TAG_subprogram {
            return s.lowPC == fileAddress
        }
        return m.symbols.lookup(fileAddress &+ m.bias)?.offset == 0
    }

    private func skipPrologueIfEntry(_ rs: [LineRow], _ i: Int) -> UInt64 {
        let start = rs[i].address
        guard functionEntry(start) else { return start }
        var j = i + 1
        while j < rs.count && !rs[j].endSequence {
            if rs[j].prologueEnd { return rs[j].address }
            j += 1
        }
        // Another line already starting at the entry address means the compiler scheduled
        // the body there: there is no prologue to skip (typical at -O2).
        var k = i - 1
        while k >= 0 && rs[k].address == start && !rs[k].endSequence {
            if rs[k].line != rs[i].line { return start }
            k -= 1
        }
        j = i + 1
        while j < rs.count && !rs[j].endSequence && rs[j].address == start {
            if rs[j].line != rs[i].line { return start }
            j += 1
        }
        // Otherwise the prologue ends where the second statement row begins (gcc emits the
        // function's line at the entry, then the first body line after the frame setup).
        while j < rs.count && !rs[j].endSequence {
            if rs[j].isStmt { return rs[j].address }
            j += 1
        }
        return start
    }

    /// Breakpoint address for a function's entry, past its prologue (runtime address).
    public func breakpointAddress(functionEntry entry: UInt64) -> UInt64 {
        guard let m = module, let cu = m.units.unit(containing: entry &- m.bias) else { return entry }
        let rs = rows(of: cu)
        guard let i = rs.firstIndex(where: { $0.address == entry &- m.bias && !$0.endSequence }) else { return entry }
        return skipPrologueIfEntry(rs, i) &+ m.bias
    }

    /// The statement rows of the line containing `address` within its sequence: the ranges a
    /// "next"/"step" must run through (runtime addresses).
    public func lineRange(containing address: UInt64) -> Range<UInt64>? {
        guard let m = module, let cu = m.units.unit(containing: address &- m.bias) else { return nil }
        let rs = rows(of: cu)
        guard let i = coveringRow(cu, rs, address &- m.bias) else { return nil }
        var lo = i, hi = i + 1
        while lo > 0 && !rs[lo - 1].endSequence && rs[lo - 1].line == rs[i].line && rs[lo - 1].file == rs[i].file { lo -= 1 }
        while hi < rs.count && !rs[hi].endSequence && rs[hi].line == rs[i].line && rs[hi].file == rs[i].file { hi += 1 }
        guard hi < rs.count else { return nil }
        return (rs[lo].address &+ m.bias)..<(rs[hi].address &+ m.bias)
    }
}
