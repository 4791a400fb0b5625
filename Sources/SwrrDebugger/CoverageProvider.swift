// What the replay's stretch coverage needs from debug information (SwrrReplay/
// StretchCoverage.swift): the executable's functions as DWARF has them, and a thread's stack
// unwound to its outermost frame. Handed to the replay as closures (SwrrReplay reads no DWARF),
// asked on the engine thread while the task is stopped.
import SwrrDebugInfo
import SwrrReplay

extension Debugger {
    /// Gives the replay its coverage source (once, when the debugger opens).
    func installCoverage() {
        let source = CoverageSource(
            units: { [weak self] tid in self?.coverageUnits(tid) },
            stack: { [weak self] tid in self?.outermostStack(tid) })
        try? replay.setCoverageSource(source)
    }

    /// The subprograms of every module with DWARF (the executable built with -g; the C library
    /// when its debug file is installed, so that a breakpoint on `_exit` still lets a stretch
    /// be skipped), kept by file and load address. Code without DWARF is no unit: a breakpoint
    /// there never lets a stretch be skipped.
    private func coverageUnits(_ tid: Int32) -> CoverageUnits? {
        guard let space = try? space(for: tid) else { return nil }
        var all: [(entry: UInt64, ranges: [Range<UInt64>])] = []
        for m in space.modules where m.path.hasPrefix("/") && m.hasDWARF {
            let key = "\(m.path)@\(m.bias)"
            if coverageUnitsCache[key] == nil { coverageUnitsCache[key] = m.functionUnits() }
            all += coverageUnitsCache[key] ?? []
        }
        return all.isEmpty ? nil : CoverageUnits(units: all)
    }

    /// Every frame's pc, when the stack unwinds to its outermost frame by call-frame information.
    private func outermostStack(_ tid: Int32) -> [UInt64]? {
        guard let space = try? space(for: tid, refresh: false) else { return nil }
        let unwinder = Unwinder(space: space, target: access(tid))
        guard let frames = try? unwinder.unwind(), unwinder.reachedOutermost else { return nil }
        return frames.map(\.pc)
    }
}
