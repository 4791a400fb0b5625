// Placing the user's breakpoints in the replay: source lines and functions are resolved to
// addresses with the line table and symbols of the modules loaded now (a breakpoint in a library
// not loaded yet stays unverified and is tried again at each stop), then software breakpoints
// are inserted or removed so the replay's set matches the table.
import Foundation
import SwrrDebugInfo

extension DebuggerTarget {
    /// Resolves every breakpoint (or only the unverified ones) and brings the replay's
    /// software breakpoints in line. Returns every breakpoint it resolved (and those that failed
    /// to insert): the adapter sends a `breakpoint` event for each at every stop. That is what
    /// swrr-dap has always sent: the comparison with the previous DAP object it was meant to
    /// make (NSDictionary.isEqual of two [String: Any]) was never true on swift-corelibs-foundation,
    /// measured by a session replayed with swrr-dap before typed messages, whose unverified
    /// breakpoints were announced again at each stop. Sending only the changed ones is a change
    /// of behaviour left to a commit of its own.
    @discardableResult
    func placeBreakpoints(onlyUnverified: Bool = false) -> [UserBreakpoint] {
        let before = inserted
        var changed: [UserBreakpoint] = []
        let tid = (try? liveThread(nil)) ?? focusTid
        let space = try? self.space(for: tid)
        for bp in breakpoints.all where !onlyUnverified || !bp.dap.verified {
            resolve(bp, space)
            changed.append(bp)
        }
        let wanted = breakpoints.addresses
        for a in before.subtracting(wanted) { try? debugger.removeBreakpoint(a) }
        var failed: [UInt64: String] = [:]
        for a in wanted.subtracting(before) {
            do { try debugger.setBreakpoint(a) } catch { failed[a] = "\(error)" }
        }
        inserted = wanted.subtracting(failed.keys)
        for bp in breakpoints.all {
            if let why = bp.addresses.compactMap({ failed[$0] }).first {
                bp.dap.verified = false
                bp.dap.message = why
                changed.append(bp)
            }
        }
        return changed
    }

    private func resolve(_ bp: UserBreakpoint, _ space: AddressSpace?) {
        var d = Breakpoint(id: bp.id, verified: false)
        bp.addresses = []
        switch bp.kind {
        case .source:
            d.source = bp.source.map(Breakpoint.Place.client)
            d.line = bp.line ?? 0
            guard let file = bp.file, let line = bp.line else {
                d.message = "the source has no path"
                break
            }
            bp.addresses = space?.addresses(file: file, line: line) ?? []
            if let first = bp.addresses.first, let loc = space?.symbolize(first).location {
                d.verified = true
                d.line = loc.line
                d.instructionReference = hex(first)
            } else {
                d.message = "no code is at or after line \(line) of \(file) in the modules loaded now"
                d.reason = "pending"
            }
        case .function:
            if let name = bp.function, let a = space?.breakpointAddress(function: name) {
                verified(bp, at: a, &d, space)
            } else {
                d.message = "no function named '\(bp.function ?? "")' in the modules loaded now"
                d.reason = "pending"
            }
        case .instruction:
            if let a = bp.instructionAddress {
                verified(bp, at: a, &d, space)
            } else {
                d.message = "not an address"
            }
        }
        bp.dap = d
    }

    /// A breakpoint placed at one address, with the source line there when there is one.
    private func verified(_ bp: UserBreakpoint, at a: UInt64, _ d: inout Breakpoint, _ space: AddressSpace?) {
        bp.addresses = [a]
        d.verified = true
        d.instructionReference = hex(a)
        if let loc = space?.symbolize(a).location {
            d.line = loc.line
            d.source = .lineTable(Sources.source(loc.file))
        }
    }
}

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// Parses "0x1f", "1f" is not accepted: memory references are what swrr-dap hands out.
func parseAddress(_ text: String) -> UInt64? {
    let t = text.trimmingCharacters(in: .whitespaces)
    if t.hasPrefix("0x") || t.hasPrefix("0X") { return UInt64(t.dropFirst(2), radix: 16) }
    return UInt64(t)
}

