// Variables of a frame: parameters and locals of its scopes (innermost lexical block first),
// and globals, with values read through their DWARF locations.
//
// Quirks:
// - An inlined frame's variables are children of its DW_TAG_inlined_subroutine (names and
//   types via DW_AT_abstract_origin), but DW_OP_fbreg refers to the frame base of the machine
//   frame's DW_TAG_subprogram, which belongs to the outermost logical frame at that pc.
// - Location lists are looked up at the frame's lookup pc (pc - 1 in callers, so a variable
//   whose range ends at the call's return address is still found).
// - DW_OP_entry_value(reg) asks for a register's value at function entry: recovered from the
//   caller's DW_TAG_call_site whose return pc is the caller's pc, through the
//   DW_TAG_call_site_parameter for that register (DW_AT_call_value, evaluated in the caller).
import CLibDW

public struct Variable {
    public var name: String
    public var isParameter: Bool
    public var value: Value
    public var declLine: Int?
}

/// The evaluation context of one logical frame.
public final class FrameScope {
    public let stack: CallStack
    public let frame: Frame
    let physical: PhysicalFrame
    let module: Module?

    init(stack: CallStack, frame: Frame) {
        self.stack = stack
        self.frame = frame
        physical = stack.physical[frame.physicalIndex]
        module = stack.space.module(containing: physical.lookupPC)
    }

    var target: TargetAccess { stack.target }
    var fileLookupPC: UInt64 { physical.lookupPC &- (module?.bias ?? 0) }

    /// The machine frame's DW_TAG_subprogram (owner of DW_AT_frame_base).
    var subprogram: Dwarf_Die? {
        stack.frames.last { $0.physicalIndex == frame.physicalIndex }?.scopes.last { $0.tag == DW_TAG_subprogram }
    }

    func context(attribute: Dwarf_Attribute? = nil) -> ExpressionContext {
        let regs = physical.registers
        var ctx = ExpressionContext(target: target, register: { n in
            guard let v = regs[n] else {
                throw DebugInfoError("register \(FrameRegisters.name(n)) is not saved in this frame")
            }
            return v
        })
        ctx.bias = module?.bias ?? 0
        ctx.cfa = physical.cfa
        ctx.attribute = attribute
        if let sp = subprogram {
            ctx.frameBase = { [unowned self] in
                guard var a = sp.attr(Int32(DW_AT_frame_base)) else { throw DebugInfoError("no frame base") }
                let ops = try self.locationOps(&a)
                return try DWARFExpression.value(ops, self.context(attribute: a))
            }
        }
        ctx.entryValue = { [unowned self] ops, _ in try self.entryValue(ops) }
        ctx.vectorRegister = { [unowned self] r in try self.vectorRegister(r) }
        ctx.tlsAddress = { [unowned self] offset in try self.tlsAddress(offset) }
        return ctx
    }

    /// The location expression of an attribute at this frame's pc (loclists resolved).
    func locationOps(_ a: inout Dwarf_Attribute) throws -> [Dwarf_Op] {
        var exprs = [UnsafeMutablePointer<Dwarf_Op>?](repeating: nil, count: 4)
        var lens = [Int](repeating: 0, count: 4)
        let n = exprs.withUnsafeMutableBufferPointer { e in
            lens.withUnsafeMutableBufferPointer { l in
                dwarf_getlocation_addr(&a, fileLookupPC, e.baseAddress!, l.baseAddress!, 4)
            }
        }
        if n < 0 { throw DebugInfoError("bad location: \(String(cString: dwarf_errmsg(-1)))") }
        guard n > 0, let p = exprs[0] else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: lens[0]))
    }

    // MARK: variables

    public func parameters() -> [Variable] { variables().filter(\.isParameter) }
    public func locals() -> [Variable] { variables().filter { !$0.isParameter } }

    /// Parameters and locals, innermost scope first (as gdb's `info locals` lists them).
    public func variables() -> [Variable] {
        var out: [Variable] = []
        for scope in frame.scopes {
            for c in scope.children where c.tag == DW_TAG_variable || c.tag == DW_TAG_formal_parameter {
                guard let name = c.name else { continue }
                out.append(Variable(name: name, isParameter: c.tag == DW_TAG_formal_parameter,
                                    value: read(c), declLine: c.declLine))
            }
        }
        return out
    }

    /// A variable visible at this frame by name: locals (innermost first), then parameters,
    /// then globals of the CU, then of the whole program.
    public func lookup(_ name: String) -> Variable? {
        if let v = variables().first(where: { $0.name == name }) { return v }
        return global(name)
    }

    /// The globals (and file-scope statics) of this frame's compilation unit. Swift puts a
    /// module's globals (top-level `let arr = ...` of main.swift) in a DW_TAG_module child of
    /// the unit, not in the unit itself.
    public func globals() -> [Variable] {
        guard let m = module, let sp = subprogram ?? frame.scopes.last, let cu = sp.cu else { return [] }
        let entries = cu.children.flatMap { $0.tag == DW_TAG_module ? $0.children : [$0] }
        return entries.compactMap { c in
            guard c.tag == DW_TAG_variable, let name = c.name, !c.flag(Int32(DW_AT_declaration)),
                  c.attr(Int32(DW_AT_location)) != nil || c.attr(Int32(DW_AT_const_value)) != nil else { return nil }
            return Variable(name: name, isParameter: false, value: read(c, module: m), declLine: c.declLine)
        }
    }

    /// The general-purpose registers recovered for this frame (callee-clobbered ones are
    /// unknown in callers), in DWARF order.
    public func registers() -> [(name: String, value: UInt64)] {
        physical.registers.values.sorted { $0.key < $1.key }.map { (FrameRegisters.name($0.key), $0.value) }
    }

    public func global(_ name: String) -> Variable? {
        var units: [(Module, Dwarf_Die)] = []
        if let m = module, let sp = subprogram ?? frame.scopes.last, let cu = sp.cu { units.append((m, cu)) }
        for m in stack.space.modules where m.hasDWARF { units += m.units.allUnits.map { (m, $0) } }
        for (m, cu) in units {
            for c in cu.children where c.tag == DW_TAG_variable && c.name == name {
                // A declaration (extern) has no location; its definition is elsewhere.
                if c.flag(Int32(DW_AT_declaration)) { continue }
                return Variable(name: name, isParameter: false, value: read(c, module: m), declLine: c.declLine)
            }
        }
        return nil
    }

    func read(_ die: Dwarf_Die, module m: Module? = nil) -> Value {
        let type = DWType(die.type)
        if var cv = die.attr(Int32(DW_AT_const_value)) {
            return constantValue(&cv, type: type)
        }
        guard var a = die.attr(Int32(DW_AT_location)) else { return .optimizedOut(type) }
        // A variable-length array: its bounds are expressions or variables of this frame.
        if let counts = dynamicCounts(type) {
            let size = counts.reduce(type.resolved.element.size) {
                let (p, o) = $0.multipliedReportingOverflow(by: max($1 ?? 0, 0))
                return o ? Int.max : p
            }
            guard let ops = try? locationOps(&a), case .memory(let addr)? = try? DWARFExpression.evaluate(ops, context(attribute: a)),
                  let bytes = try? target.readMemory(addr, count: min(size, 1 << 20)) else { return .optimizedOut(type) }
            var v = Value(type: type, bytes: bytes, address: addr)
            v.subArrayCounts = counts
            return v
        }
        do {
            let ops: [Dwarf_Op]
            if let m, m !== module {
                // A global of another module: its DW_OP_addr is in that module's file space.
                var e: UnsafeMutablePointer<Dwarf_Op>?
                var n = 0
                guard dwarf_getlocation(&a, &e, &n) == 0, let e else { return .optimizedOut(type) }
                ops = Array(UnsafeBufferPointer(start: e, count: n))
                var ctx = context(attribute: a)
                ctx.bias = m.bias
                return try fetch(DWARFExpression.evaluate(ops, ctx), type: type)
            }
            ops = try locationOps(&a)
            return try fetch(DWARFExpression.evaluate(ops, context(attribute: a)), type: type)
        } catch {
            return .optimizedOut(type)
        }
    }

    /// Element counts of an array type whose bounds are only known at run time (C99 VLAs:
    /// DW_AT_upper_bound or DW_AT_count as an expression, or as a reference to an artificial
    /// variable holding the bound); nil for arrays with constant bounds.
    func dynamicCounts(_ type: DWType) -> [Int?]? {
        let r = type.resolved
        guard r.kind == .array, let d = r.die, r.arrayCounts.contains(where: { $0 == nil }) else { return nil }
        var counts: [Int?] = []
        for sub in d.children where sub.tag == DW_TAG_subrange_type {
            let lower = sub.signed(Int32(DW_AT_lower_bound)) ?? 0
            if let c = bound(sub, Int32(DW_AT_count)) { counts.append(Int(c)); continue }
            if let u = bound(sub, Int32(DW_AT_upper_bound)) { counts.append(DWType.count(lower: lower, upper: u)); continue }
            counts.append(nil)
        }
        return counts.contains { $0 == nil } ? nil : counts
    }

    private func bound(_ sub: Dwarf_Die, _ name: Int32) -> Int64? {
        guard var a = sub.attr(name) else { return nil }
        if sub.attrForm(name).isConstant { return sub.signed(name) }
        var ref = Dwarf_Die()
        if dwarf_formref_die(&a, &ref) != nil {
            let v = read(ref)
            return v.isOptimizedOut ? nil : v.integer
        }
        var e: UnsafeMutablePointer<Dwarf_Op>?
        var n = 0
        guard dwarf_getlocation(&a, &e, &n) == 0, let e else { return nil }
        return (try? DWARFExpression.value(Array(UnsafeBufferPointer(start: e, count: n)), context(attribute: a)))
            .map { Int64(bitPattern: $0) }
    }

    private func constantValue(_ a: inout Dwarf_Attribute, type: DWType) -> Value {
        var block = Dwarf_Block()
        if dwarf_formblock(&a, &block) == 0, let p = block.data {
            return Value(type: type, bytes: Array(UnsafeBufferPointer(start: p, count: Int(block.length))))
        }
        var s: Dwarf_Sword = 0
        if dwarf_formsdata(&a, &s) == 0 { return .integer(UInt64(bitPattern: s), type: type) }
        var u: Dwarf_Word = 0
        if dwarf_formudata(&a, &u) == 0 { return .integer(u, type: type) }
        return .optimizedOut(type)
    }

    static let maxObjectRead = 1 << 20

    /// The bytes of a value at a location.
    func fetch(_ loc: Location, type: DWType) throws -> Value {
        let size = max(type.size, 1)
        switch loc {
        case .optimizedOut: return .optimizedOut(type)
        case .implicitPointer(let dieOffset, let offset):
            guard let m = module, let die = m.units.die(at: dieOffset) else { return .optimizedOut(type) }
            var pointee = read(die)
            // Seen through the pointer's own type (a base-class reference to a derived object).
            if type.resolved.target.kind != .void { pointee = pointee.slice(offset: Int(offset), type: type.resolved.target) }
            // gdb expands the target of a synthetic pointer member by member even when none
            // of it survives; matching it keeps the two comparable.
            pointee.hasNoLocation = false
            var v = Value.optimizedOut(type)
            v.syntheticTarget = Value.SyntheticTarget(pointee)
            return v
        case .memory(let a):
            // A huge object (a large static array) is read in part; the rest shows unavailable.
            let n = min(size, Self.maxObjectRead)
            guard let b = try? target.readMemory(a, count: n) else {
                throw DebugInfoError("cannot access memory at address \(hex(a))")
            }
            if n < size {
                // Bytes past the availability mask count as unavailable (see Value.slice).
                return Value(type: type, bytes: b, valid: [Bool](repeating: true, count: n), address: a)
            }
            return Value(type: type, bytes: b, address: a)
        case .register(let r) where (17...32).contains(r):
            guard let bytes = try? vectorRegister(r) else { return .optimizedOut(type) }
            return Value(type: type, bytes: Array(bytes.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - 16)))
        case .register(let r):
            guard let v = physical.registers[r] else { return .optimizedOut(type) }
            return .integer(v, type: type)
        case .value(let v): return .integer(v, type: type)
        case .implicit(let bytes):
            return Value(type: type, bytes: Array((bytes + [UInt8](repeating: 0, count: size)).prefix(size)))
        case .pieces(let pieces):
            var bytes: [UInt8] = []
            var valid: [Bool] = []
            for p in pieces {
                let n = (p.bits + 7) / 8
                if let l = p.location, let v = try? fetch(l, type: DWType.bytes(n)) {
                    bytes += v.bytes.prefix(n)
                    valid += (v.valid ?? [Bool](repeating: true, count: n)).prefix(n)
                } else {
                    bytes += [UInt8](repeating: 0, count: n)
                    valid += [Bool](repeating: false, count: n)
                }
            }
            while bytes.count < size { bytes.append(0); valid.append(false) }
            return Value(type: type, bytes: Array(bytes.prefix(size)), valid: Array(valid.prefix(size)))
        }
    }

    /// x86-64 TLS is "variant II": the executable's block ends at the thread pointer
    /// (fs_base), rounded up to its alignment. Libraries' blocks sit below at offsets only the
    /// dynamic loader knows (libthread_db territory): not supported.
    func tlsAddress(_ offset: UInt64) throws -> UInt64 {
        guard let m = module, m.isExecutable, let tls = m.tlsSegment else {
            throw DebugInfoError("thread-local variables of shared libraries are not supported")
        }
        let fs = try target.registers().fsBase
        let blockSize = (tls.size + tls.align - 1) / tls.align * tls.align
        return fs &- blockSize &+ offset
    }

    /// xmm registers are caller-saved: known only in the innermost machine frame.
    func vectorRegister(_ r: Int) throws -> [UInt8] {
        guard frame.physicalIndex == 0, let fx = try target.floatingPointRegisters(), fx.count >= 416 else {
            throw DebugInfoError("\(r >= 17 ? "xmm\(r - 17)" : "register") is not known in this frame")
        }
        let off = 160 + (r - 17) * 16
        return Array(fx[off..<(off + 16)])
    }

    // MARK: entry values

    private func entryValue(_ ops: [Dwarf_Op]) throws -> UInt64 {
        guard ops.count == 1, let reg = registerNumber(ops[0]) else {
            throw DebugInfoError("entry value of a complex expression")
        }
        // The caller's machine frame and the call site it is stopped at.
        let callerIndex = frame.physicalIndex + 1
        guard callerIndex < stack.physical.count,
              let callerFrame = stack.frames.first(where: { $0.physicalIndex == callerIndex }),
              let callerModule = stack.space.module(containing: stack.physical[callerIndex].lookupPC),
              let callerSub = stack.frames.last(where: { $0.physicalIndex == callerIndex })?.scopes.last
        else { throw DebugInfoError("no caller frame for an entry value") }
        let returnPC = stack.physical[callerIndex].pc &- callerModule.bias
        guard let site = callerSub.callSite(returnPC: returnPC) else {
            throw DebugInfoError("no call site information for the entry value")
        }
        let callerScope = FrameScope(stack: stack, frame: callerFrame)
        for p in site.children where p.tag == DW_TAG_call_site_parameter || p.tag == DW_TAG_GNU_call_site_parameter {
            guard var loc = p.ownAttr(Int32(DW_AT_location)) else { continue }
            var e: UnsafeMutablePointer<Dwarf_Op>?
            var n = 0
            guard dwarf_getlocation(&loc, &e, &n) == 0, n == 1, let e, registerNumber(e[0]) == reg else { continue }
            guard var cv = p.ownAttr(Int32(DW_AT_call_value)) ?? p.ownAttr(Int32(DW_AT_GNU_call_site_value)) else { continue }
            var ve: UnsafeMutablePointer<Dwarf_Op>?
            var vn = 0
            guard dwarf_getlocation(&cv, &ve, &vn) == 0, let ve else { continue }
            let valueOps = Array(UnsafeBufferPointer(start: ve, count: vn))
            return try DWARFExpression.value(valueOps, callerScope.context(attribute: cv))
        }
        throw DebugInfoError("the call site does not record that parameter")
    }

    private func registerNumber(_ op: Dwarf_Op) -> Int? {
        if op.atom >= UInt8(DW_OP_reg0) && op.atom <= UInt8(DW_OP_reg31) { return Int(op.atom) - Int(DW_OP_reg0) }
        if op.atom == UInt8(DW_OP_regx) { return Int(op.number) }
        return nil
    }

}

extension CallStack {
    public func scope(_ frameIndex: Int) -> FrameScope { FrameScope(stack: self, frame: frames[frameIndex]) }

    /// A formatter that names function pointers with this address space's symbols.
    public var formatter: ValueFormatter {
        ValueFormatter(target: target) { [space] a in
            // Only symbols known to contain the address: a zero-sized symbol below an
            // anonymous string literal says nothing about it.
            guard let s = space.symbolize(a).symbol, s.offset == 0 || s.offset < s.symbol.size else { return nil }
            return s.description
        }
    }
}

extension DWType {
    /// An anonymous byte blob of `n` bytes, for reading pieces.
    static func bytes(_ n: Int) -> DWType { ByteBlob.type(n) }
}

/// Fixed-size untyped storage (no DIE): pieces are fetched as raw bytes. DWType(nil) is void
/// with size 1, so the size is carried by a lookup table of synthetic sizes.
enum ByteBlob {
    static func type(_ n: Int) -> DWType { DWType(nil, blobSize: n) }
}
