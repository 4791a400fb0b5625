// Logical call stacks: machine frames from the Unwinder, each expanded into one frame per
// function instance active at its pc. A call that was inlined has no machine frame of its own,
// but DWARF nests a DW_TAG_inlined_subroutine in the caller's scope tree; its DW_AT_call_file /
// DW_AT_call_line is the line in the caller where it was "called", which is what the next
// frame out must show.
import CLibDW

public struct Frame: CustomStringConvertible {
    public var index: Int
    /// The machine pc (shared by a physical frame and the inlined frames inside it).
    public var pc: UInt64
    public var function: String?
    public var location: SourceLocation?
    public var module: String?
    /// The frame is an inlined call inside the next frame's machine frame.
    public var isInlined: Bool
    public var isSignalTrampoline: Bool
    /// Synthesized from DW_TAG_call_site: a function that tail-called the frame above and so
    /// has no machine frame left (its registers and variables are unknown).
    public var isTailCall: Bool = false
    public var physicalIndex: Int
    public var unwindMethod: UnwindMethod

    /// This frame's own DWARF scopes, innermost first, ending with its subprogram or inlined
    /// subroutine DIE (empty without DWARF).
    var scopes: [Dwarf_Die]

    public var description: String {
        var s = "#\(index) "
        if !isInlined { s += hex(pc) + " in " }
        s += function ?? "??"
        if let l = location { s += " at \(l)" } else if let m = module { s += " from \(m)" }
        if isInlined { s += " [inlined]" }
        if isTailCall { s += " [tail call]" }
        return s
    }
}

extension Dwarf_Die {
    /// The name a backtrace shows: the demangled linkage name without its parameter list
    /// (qualified, unlike DW_AT_name), else DW_AT_name. Rust names have no parameter list but
    /// may hold parentheses anywhere (`<&dyn core::ops::function::Fn<()>>::call`).
    var functionName: String? {
        if let l = linkageName {
            let d = Demangler.demangle(l)
            if d != l {
                if Demangler.isRust(l) { return d }
                if let p = d.firstIndex(of: "("), !d.hasPrefix("(") { return String(d[..<p]) }
                return d
            }
        }
        return name
    }
}

public final class StackBuilder {
    let space: AddressSpace

    public init(space: AddressSpace) { self.space = space }

    public func frames(_ physical: [PhysicalFrame]) -> [Frame] {
        var out: [Frame] = []
        var calleeFunction: Dwarf_Die? = nil
        for (pi, p) in physical.enumerated() {
            defer { calleeFunction = out.last { $0.physicalIndex == pi && !$0.isTailCall }?.scopes.last }
            let pc = p.lookupPC
            let m = space.module(containing: pc)
            var groups: [[Dwarf_Die]] = []
            if let m, m.hasDWARF {
                var cur: [Dwarf_Die] = []
                for s in m.units.scopes(at: pc &- m.bias) {
                    if s.tag == DW_TAG_compile_unit || s.tag == DW_TAG_partial_unit { break }
                    cur.append(s)
                    if s.tag == DW_TAG_subprogram || s.tag == DW_TAG_inlined_subroutine {
                        groups.append(cur); cur = []
                    }
                }
            }
            let symbol = m?.symbols.lookup(pc)
            if groups.isEmpty || p.isSignalTrampoline {
                // gdb's name for the sigreturn trampoline's frame.
                let name = p.isSignalTrampoline ? "<signal handler called>" : symbol?.symbol.name
                out.append(Frame(index: out.count, pc: p.pc, function: name, location: m?.lines.location(of: pc),
                                 module: m?.name, isInlined: false, isSignalTrampoline: p.isSignalTrampoline,
                                 physicalIndex: pi, unwindMethod: p.method, scopes: []))
                continue
            }
            if pi > 0, !p.interrupted, !physical[pi - 1].isSignalTrampoline, let m, let callee = calleeFunction,
               let caller = groups.last?.last, let tail = tailCallFrame(caller: caller, returnPC: p.pc, callee: callee, module: m) {
                var f = tail
                f.index = out.count
                f.physicalIndex = pi
                out.append(f)
            }
            var location = m?.lines.location(of: pc)
            for (gi, g) in groups.enumerated() {
                let fn = g.last!
                out.append(Frame(index: out.count, pc: p.pc, function: fn.functionName ?? symbol?.symbol.name,
                                 location: location, module: m?.name, isInlined: gi < groups.count - 1,
                                 isSignalTrampoline: p.isSignalTrampoline, physicalIndex: pi, unwindMethod: p.method,
                                 scopes: g))
                if fn.tag == DW_TAG_inlined_subroutine {
                    // The next frame out shows the inlined call's own call site.
                    let file = fn.unsigned(Int32(DW_AT_call_file)).flatMap { fn.fileName(index: $0) }
                    let line = fn.unsigned(Int32(DW_AT_call_line)).map(Int.init)
                    let col = fn.unsigned(Int32(DW_AT_call_column)).map(Int.init) ?? 0
                    location = (file != nil && line != nil) ? SourceLocation(file: file!, line: line!, column: col) : nil
                }
            }
        }
        return out
    }
}

extension StackBuilder {
    /// gdb-style reconstruction of one tail call: the caller's call site at `returnPC` calls
    /// some function F, but the frame above runs `callee`; if F's body ends in a tail call
    /// (jmp) to `callee`, F was active in between and gets a frame of its own.
    func tailCallFrame(caller: Dwarf_Die, returnPC: UInt64, callee: Dwarf_Die, module m: Module) -> Frame? {
        guard let site = caller.callSite(returnPC: returnPC &- m.bias), let origin = site.callOrigin,
              !origin.sameFunction(as: callee) else { return nil }
        // The origin may be a declaration: find its concrete definition through its symbol.
        var definition = origin
        if origin.lowPC == nil {
            guard let n = origin.linkageName ?? origin.name, let sym = m.symbols.named(n),
                  let d = m.units.scopes(at: sym.address &- m.bias).last(where: { $0.tag == DW_TAG_subprogram })
            else { return nil }
            definition = d
        }
        guard let tail = definition.callSites().first(where: { s in
            s.isTailCall && (s.callOrigin.map { $0.sameFunction(as: callee) } ?? false)
        }), let ret = tail.callReturnPC else { return nil }
        let pc = ret &+ m.bias
        return Frame(index: 0, pc: pc, function: definition.functionName, location: m.lines.location(of: pc - 1),
                     module: m.name, isInlined: false, isSignalTrampoline: false, isTailCall: true,
                     physicalIndex: 0, unwindMethod: .cfi, scopes: [])
    }
}

/// A call stack at one point of the program, with what is needed to read each frame's
/// variables (registers recovered per machine frame, the target, the modules).
public final class CallStack {
    public let frames: [Frame]
    public let physical: [PhysicalFrame]
    let space: AddressSpace
    let target: TargetAccess

    init(space: AddressSpace, target: TargetAccess) throws {
        self.space = space
        self.target = target
        physical = try Unwinder(space: space, target: target).unwind()
        frames = StackBuilder(space: space).frames(physical)
    }
}

extension AddressSpace {
    /// The full logical call stack of the target at its current point.
    public func callStack(_ target: TargetAccess) throws -> CallStack {
        try CallStack(space: self, target: target)
    }

    public func backtrace(_ target: TargetAccess) throws -> (frames: [Frame], physical: [PhysicalFrame]) {
        let s = try callStack(target)
        return (s.frames, s.physical)
    }
}
