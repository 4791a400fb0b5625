// What the replay's stretch coverage needs from debug information (SwrrReplay/
// StretchCoverage.swift): the executable's functions as DWARF has them, and a thread's stack
// unwound to its outermost frame. Handed to the replay as closures (SwrrReplay reads no DWARF),
// asked on the engine thread while the task is stopped.
import Glibc
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

    /// The executable's subprograms (only the executable: a library's code is no unit, so a
    /// breakpoint there never lets a stretch be skipped), kept by file and load address.
    private func coverageUnits(_ tid: Int32) -> CoverageUnits? {
        guard let task = tasks().first(where: { $0.tid == tid }), let space = try? space(for: tid) else { return nil }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/\(task.replayTid)/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let exe = String(cString: buf)
        guard let m = space.modules.first(where: { $0.path == exe }), m.hasDWARF else { return nil }
        let key = "\(m.path)@\(m.bias)"
        if let u = coverageUnitsCache[key] { return u }
        let u = CoverageUnits(units: m.functionUnits())
        coverageUnitsCache[key] = u
        return u
    }

    /// Every frame's pc, when the stack unwinds to its outermost frame by call-frame information.
    private func outermostStack(_ tid: Int32) -> [UInt64]? {
        guard let space = try? space(for: tid, refresh: false) else { return nil }
        let unwinder = Unwinder(space: space, target: access(tid))
        guard let frames = try? unwinder.unwind(), unwinder.reachedOutermost else { return nil }
        return frames.map(\.pc)
    }
}
