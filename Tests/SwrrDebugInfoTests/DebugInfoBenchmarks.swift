// Speed of the debug-info layer on large binaries. Runs only with SWRR_BENCH=1 (see
// benchmarks/debuginfo), printing one line per measurement; the regular test run checks only
// that a cold line lookup in a big module stays well under a second.
import Foundation
import SwrrDebugInfo
import SwrrTestSupport
import XCTest

final class DebugInfoBenchmarks: XCTestCase {
    private func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let r = try body()
        return (r, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }

    private func report(_ what: String, _ ms: Double) {
        print(String(format: "BENCH %-58@ %10.3f ms", what as NSString, ms))
    }

    private var binaries: [String] {
        if let env = ProcessInfo.processInfo.environment["SWRR_BENCH_BINARIES"] {
            return env.split(separator: ":").map(String.init)
        }
        var out = ["/lib/x86_64-linux-gnu/libc.so.6", "/proc/self/exe"]
        // Debian's python3 and this build's swrr: large binaries, without DWARF and with it.
        for p in ["/usr/bin/python3", Swrr.executable].compactMap({ $0 }) where FileManager.default.fileExists(atPath: p) {
            out.append(p)
        }
        return out
    }

    /// Cold and warm lookups per module.
    func testLookupSpeed() throws {
        let bench = ProcessInfo.processInfo.environment["SWRR_BENCH"] == "1"
        for path in bench ? binaries : ["/lib/x86_64-linux-gnu/libc.so.6"] {
            let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map {
                $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent($0).path
            } ?? path
            let name = resolved.split(separator: "/").last.map(String.init) ?? path
            let (m, open) = try time { try Module(path: resolved, bias: 0) }
            let (symbols, symbolIndex) = time { m.symbols.all.filter { $0.isFunction && $0.size > 0 } }
            guard !symbols.isEmpty else { continue }
            let (firstLine, coldLine) = time { m.lines.location(of: symbols[symbols.count / 2].address + 1) }
            if !bench {
                XCTAssertLessThan(open + symbolIndex + coldLine, 3000, "cold lookup in \(name)")
                continue
            }
            report("\(name): open module (dwarf: \(m.hasDWARF))", open)
            report("\(name): symbols + opening DWARF (\(m.symbols.all.count) symbols)", symbolIndex)
            report("\(name): first address->line (unit index + one table)", coldLine)
            let sample = stride(from: 0, to: symbols.count, by: max(1, symbols.count / 1000)).map { symbols[$0] }
            let (_, warm) = time { for s in sample { _ = m.lines.location(of: s.address + 1) } }
            report("\(name): address->line, mean of \(sample.count) functions (cold tables)", warm / Double(sample.count))
            let (_, hot) = time { for s in sample { _ = m.lines.location(of: s.address + 1) } }
            report("\(name): address->line, mean of \(sample.count) (warm)", hot / Double(sample.count))
            let (_, sym) = time { for s in sample { _ = m.symbols.lookup(s.address + 1) } }
            report("\(name): address->symbol, mean", sym / Double(sample.count))
            let named = sample.lazy.compactMap { m.lines.location(of: $0.address + 1) }.first { $0.line > 0 }
            if let loc = named ?? firstLine {
                let (addrs, bp) = time { m.lines.addresses(file: loc.file, line: loc.line) }
                report("\(name): \(loc.fileName):\(loc.line)->addresses, first (\(addrs.count) found)", bp)
                let (_, bp2) = time { _ = m.lines.addresses(file: loc.file, line: loc.line) }
                report("\(name): file:line->addresses, again", bp2)
            }
        }
    }

    /// Unwinding a deep stack of a live process, through libc (with its separate debug file).
    func testUnwindSpeed() throws {
        guard ProcessInfo.processInfo.environment["SWRR_BENCH"] == "1" else {
            throw XCTSkip("a benchmark: runs only with SWRR_BENCH=1 (benchmarks/debuginfo)")
        }
        let p = try LiveProcess(try Fixtures.build("program.c", flags: ["-O2"]))
        try p.runToLine("program.c", Fixtures.line("in-handler"))
        let (first, cold) = try time { try p.space.callStack(p.task) }
        report("unwind \(first.physical.count) frames incl. signal frame, cold", cold)
        let n = 200
        let (_, warm) = try time { for _ in 0..<n { _ = try p.space.callStack(p.task) } }
        report("unwind + inline expansion, per stack (warm)", warm / Double(n))
        report("unwind, per frame (warm)", warm / Double(n * first.physical.count))
        let (_, vars) = time { for _ in 0..<n { for i in first.frames.indices { _ = first.scope(i).variables() } } }
        report("variables of every frame, per stack", vars / Double(n))
    }
}
