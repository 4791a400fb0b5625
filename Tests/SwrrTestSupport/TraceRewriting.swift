// Traces rewritten on purpose: a real recording read with TraceReader, its events changed, and
// written again with TraceWriter beside copies of its files (what damaged-trace tests replay).
import Foundation
import SwrrTrace
#if canImport(Glibc)
import Glibc
#endif

public enum TraceRewriting {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes a copy of the complete trace at `source` to `destination` (which must not exist),
    /// with its events changed by `change`.
    public static func copy(_ source: String, to destination: String,
                            changing change: (inout [Event]) throws -> Void) throws {
        let reader = try TraceReader(directory: source)
        var events: [Event] = []
        while let e = try reader.next() { events.append(e) }
        guard let end = reader.end, case .complete = end else {
            throw Failure(description: "\(source) does not end complete (\(String(describing: reader.end)))")
        }
        try change(&events)
        let writer = try TraceWriter(directory: destination, header: reader.header)
        for e in events { try writer.append(e) }
        try writer.finish(end)
        let files = FileManager.default
        for name in try files.contentsOfDirectory(atPath: source + "/files") {
            try files.copyItem(atPath: source + "/files/" + name, toPath: destination + "/files/" + name)
        }
        // The kept files' checksums (the header says there are some): the writer above kept no
        // file itself, so its own list is empty.
        let checksums = "/checksums"
        if files.fileExists(atPath: source + checksums) {
            try? files.removeItem(atPath: destination + checksums)
            try files.copyItem(atPath: source + checksums, toPath: destination + checksums)
        }
    }

    /// A copy of a recording of `signal_delivery suspend-mask` (Tests/Fixtures/signal_delivery.c)
    /// that makes replay hang without its stuck bound: the SIGUSR1 that interrupted sigsuspend
    /// becomes SIGUSR2, which the call's mask blocks. Replay runs that wait as a real
    /// rt_sigsuspend with the call's mask after making the recorded signal pending
    /// (SwrrKernel/TemporarySignalMask.swift), so the task sleeps there for good. Returns the
    /// rt_sigsuspend's event number and its task's recorded tid.
    public static func blockSigsuspend(_ source: String, to destination: String) throws -> (event: Int, tid: Int32) {
        var found: (event: Int, tid: Int32)?
        try copy(source, to: destination) { events in
            for (i, e) in events.enumerated() {
                guard case .syscall(let s) = e, s.number == 130 /* rt_sigsuspend */ else { continue }
                guard let j = events[(i + 1)...].firstIndex(where: { $0.tid == s.tid }),
                      case .signal(var sig) = events[j], sig.signal == SIGUSR1, sig.point == .syscallBoundary
                else { continue }
                sig.signal = SIGUSR2
                events[j] = .signal(sig)
                found = (i, s.tid)
                return
            }
        }
        guard let found else { throw Failure(description: "\(source) has no rt_sigsuspend ended by SIGUSR1") }
        return found
    }
}
