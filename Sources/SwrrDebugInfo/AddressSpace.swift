// All modules loaded in one address space, found from the memory map: the executable, its
// shared libraries and the vDSO (which has no file: its ELF image is read out of the target).
// This is the debug-info layer's entry point: symbolize an address, find breakpoint
// addresses, unwind, read variables, evaluate expressions.
import CLibDW
import SwrrTracee

public struct Symbolication: Sendable, CustomStringConvertible {
    public var address: UInt64
    public var module: String?
    public var symbol: SymbolLookup?
    public var location: SourceLocation?
    public var description: String {
        var s = hex(address)
        if let sym = symbol { s += " in \(sym.description)" }
        if let l = location { s += " at \(l)" }
        if symbol == nil, let m = module { s += " (\(m))" }
        return s
    }
}

public final class AddressSpace {
    public private(set) var modules: [Module] = []

    public init(modules: [Module] = []) { self.modules = modules }

    /// Builds the module list from /proc/PID/maps lines. Unreadable files are skipped (a
    /// deleted library, a file the debugger may not open) rather than failing the whole map.
    /// `target` lets the vDSO be read from memory. `resolvePath` maps a path as the program
    /// saw it to the file to read (replay reads the trace's own copies of mapped files).
    public convenience init(mappings: [MapsLine], target: TargetAccess? = nil,
                            resolvePath: @escaping (String) -> String = { $0 }) {
        self.init()
        self.resolvePath = resolvePath
        update(mappings: mappings, target: target)
    }

    private var resolvePath: (String) -> String = { $0 }

    /// Brings the module list in line with a new memory map (after dlopen/dlclose or exec),
    /// keeping the already opened modules, and their indexes, that are still mapped at the
    /// same place.
    public func update(mappings: [MapsLine], target: TargetAccess? = nil) {
        var kept: [Module] = []
        var seen = Set<String>()
        for m in mappings {
            if m.name == "[vdso]" {
                guard !seen.contains(m.name) else { continue }
                seen.insert(m.name)
                if let existing = modules.first(where: { $0.path == "[vdso]" && $0.textRanges.first.map { $0.lowerBound >= m.start && $0.lowerBound < m.end } == true }) {
                    kept.append(existing)
                } else if let t = target, let bytes = try? t.readMemory(m.start, count: Int(m.end - m.start)),
                          let probe = try? Module(image: bytes, name: "[vdso]", bias: 0) {
                    // The vDSO's first segment usually has p_vaddr 0: its bias is its start.
                    let bias = Module.loadBias(elf: probe.elf, mappingStart: m.start, fileOffset: 0) ?? m.start
                    if let mod = try? Module(image: bytes, name: "[vdso]", bias: bias) { kept.append(mod) }
                }
                continue
            }
            guard m.name.hasPrefix("/"), !seen.contains(m.name) else { continue }
            let file = resolvePath(m.name)
            guard let bias = Module.loadBias(path: file, mappingStart: m.start, fileOffset: m.offset) else { continue }
            seen.insert(m.name)
            if let existing = modules.first(where: { $0.path == file && $0.bias == bias }) {
                kept.append(existing)
            } else if let mod = try? Module(path: file, bias: bias) {
                kept.append(mod)
            }
        }
        modules = kept
    }

    public func add(_ m: Module) { modules.append(m) }

    public func module(containing address: UInt64) -> Module? {
        modules.first { $0.contains(address) }
    }

    public func module(named name: String) -> Module? {
        modules.first { $0.name == name || $0.path == name }
    }

    public func symbolize(_ address: UInt64) -> Symbolication {
        guard let m = module(containing: address) ?? modules.first(where: { $0.containsData(address) }) else {
            return Symbolication(address: address)
        }
        return Symbolication(address: address, module: m.name, symbol: m.symbols.lookup(address),
                             location: m.lines.location(of: address))
    }

    /// Breakpoint addresses for `file:line` in every module.
    public func addresses(file: String, line: Int) -> [UInt64] {
        modules.flatMap { $0.lines.addresses(file: file, line: line) }
    }

    /// The statement positions of `file` within `lines` in every module, sorted.
    public func statementPositions(file: String, lines: ClosedRange<Int>) -> [SourcePosition] {
        modules.reduce(into: Set<SourcePosition>()) { $0.formUnion($1.lines.statementPositions(file: file, lines: lines)) }
            .sorted()
    }

    /// The address where a breakpoint on a function should go (after its prologue).
    public func breakpointAddress(function name: String) -> UInt64? {
        for m in modules {
            if let s = m.symbols.named(name), s.isFunction {
                return m.hasDWARF ? m.lines.breakpointAddress(functionEntry: s.address) : s.address
            }
        }
        return nil
    }

    /// Every note explaining missing information.
    public var notes: [String] { modules.flatMap(\.notes) }
}

/// A function's extent, for "step out of this function" and "run to the end of the line".
public struct FunctionInfo: Sendable {
    public var name: String
    public var entry: UInt64
    /// Runtime address ranges (a function split into hot and cold parts has several).
    public var ranges: [Range<UInt64>]
    public var declaration: SourceLocation?
}

extension AddressSpace {
    /// The function (machine-level, not inlined) containing `address`: its DWARF ranges when
    /// there is debug info, else the ELF symbol's extent.
    public func function(containing address: UInt64) -> FunctionInfo? {
        guard let m = module(containing: address) else { return nil }
        if m.hasDWARF, let sp = m.units.scopes(at: address &- m.bias).last(where: { $0.tag == DW_TAG_subprogram }) {
            let ranges = sp.ranges.map { ($0.lowerBound &+ m.bias)..<($0.upperBound &+ m.bias) }
            if let entry = sp.lowPC {
                let decl = sp.declFile.flatMap { f in sp.declLine.map { SourceLocation(file: f, line: $0) } }
                return FunctionInfo(name: sp.functionName ?? m.symbols.lookup(address)?.symbol.name ?? "??",
                                    entry: entry &+ m.bias, ranges: ranges, declaration: decl)
            }
        }
        guard let s = m.symbols.lookup(address)?.symbol, s.size > 0 else { return nil }
        return FunctionInfo(name: s.name, entry: s.address, ranges: [s.address..<(s.address + s.size)], declaration: nil)
    }
}
