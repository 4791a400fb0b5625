// Placing the user's breakpoints in the replay: source lines and functions are resolved to
// addresses with the line table and symbols of the modules loaded now (a breakpoint in a library
// not loaded yet stays pending and is tried again at each stop), then software breakpoints are
// inserted or removed so the replay's set matches the breakpoint set.
import SwrrDebugInfo

struct BreakpointResolver {
    let debugger: Debugger

    /// Resolves every breakpoint (or only the unverified ones) and brings the replay's software
    /// breakpoints in line. Returns every breakpoint it resolved and those that failed to insert.
    func place(onlyUnverified: Bool) -> [UserBreakpoint] {
        let before = debugger.inserted
        var changed: [UserBreakpoint] = []
        let space = try? debugger.space(for: debugger.liveThreadOrFocus)
        // A breakpoint scoped to a process (a process tree's session) is resolved in that
        // process's address space while it lives: after an exec it may run another program.
        // Before it exists (or after), the focus thread's: a fork's child starts as a copy.
        var spaces: [Int: AddressSpace?] = [:]
        let tasks = debugger.tasks().filter { $0.state != .ended }
        func spaceOf(_ process: Int?) -> AddressSpace? {
            guard let p = process, let t = tasks.first(where: { Int($0.pid) == p }) else { return space }
            if let known = spaces[p] { return known }
            let s = try? debugger.space(for: t.tid)
            spaces[p] = s
            return s
        }
        for bp in debugger.breakpoints.all where !onlyUnverified || !bp.status.verified {
            resolve(bp, spaceOf(bp.process))
            changed.append(bp)
        }
        let replay = debugger.replay
        let wanted = debugger.breakpoints.addresses
        for a in before.subtracting(wanted) { try? replay.removeBreakpoint(a) }
        var failed: [UInt64: String] = [:]
        for a in wanted.subtracting(before) {
            do { try replay.setBreakpoint(a) } catch { failed[a] = "\(error)" }
        }
        debugger.inserted = wanted.subtracting(failed.keys)
        for bp in debugger.breakpoints.all {
            if let why = bp.addresses.compactMap({ failed[$0] }).first {
                bp.status.verified = false
                bp.status.message = why
                changed.append(bp)
            }
        }
        return changed
    }

    private func resolve(_ bp: UserBreakpoint, _ space: AddressSpace?) {
        var s = BreakpointStatus()
        bp.addresses = []
        switch bp.kind {
        case .source:
            s.line = bp.line ?? 0
            guard let file = bp.file, let line = bp.line else {
                s.message = "the source has no path"
                break
            }
            bp.addresses = space?.addresses(file: file, line: line) ?? []
            if let first = bp.addresses.first, let loc = space?.symbolize(first).location {
                s.verified = true
                s.line = loc.line
                s.address = first
            } else {
                s.message = "no code is at or after line \(line) of \(file) in the modules loaded now"
                s.pending = true
            }
        case .function:
            if let name = bp.function, let a = space?.breakpointAddress(function: name) {
                placed(bp, at: a, &s, space)
            } else {
                s.message = "no function named '\(bp.function ?? "")' in the modules loaded now"
                s.pending = true
            }
        case .instruction:
            if let a = bp.instructionAddress {
                placed(bp, at: a, &s, space)
            } else {
                s.message = "not an address"
            }
        }
        bp.status = s
    }

    /// A breakpoint placed at one address, with the source line there when there is one.
    private func placed(_ bp: UserBreakpoint, at a: UInt64, _ s: inout BreakpointStatus, _ space: AddressSpace?) {
        bp.addresses = [a]
        s.verified = true
        s.address = a
        if let loc = space?.symbolize(a).location {
            s.line = loc.line
            s.file = loc.file
        }
    }
}

extension Debugger {
    /// Resolves the breakpoints (every one, or only those not verified yet) and inserts them in
    /// the replay. Returns the breakpoints whose status it set.
    @discardableResult
    public func placeBreakpoints(onlyUnverified: Bool = false) -> [UserBreakpoint] {
        BreakpointResolver(debugger: self).place(onlyUnverified: onlyUnverified)
    }

    /// At a stop: the breakpoints not verified yet are resolved again (a library loaded since
    /// may hold their code), every one when `all` (the set changed during the run). Nothing at
    /// the end of the recording, where the program has ended. Returns those whose status it set.
    public func placeBreakpointsAtStop(all: Bool) -> [UserBreakpoint] {
        if atEnd { return [] }
        return placeBreakpoints(onlyUnverified: !all)
    }
}
