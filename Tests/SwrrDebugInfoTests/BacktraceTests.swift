import SwrrDebugInfo
import XCTest

final class BacktraceTests: XCTestCase {
    func testDeepRecursion() throws {
        for opt in ["-O0", "-O2"] {
            let p = try LiveProcess(try Fixtures.build("program.c", flags: [opt]))
            try p.runToLine("program.c", Fixtures.line("leaf"))
            let frames = try p.backtrace()
            let names = frames.map { $0.function ?? "??" }
            XCTAssertEqual(Array(names.prefix(8)), ["leaf"] + Array(repeating: "recurse", count: 6) + ["main"],
                           "\(opt): \(frames)")
            // At -O2 `return leaf(n)` is a tail call (jmp): the innermost recurse has no machine
            // frame left; its frame is rebuilt from DW_TAG_call_site, as gdb does.
            XCTAssertEqual(frames[1].isTailCall, opt == "-O2", "\(frames)")
            XCTAssertEqual(frames.filter(\.isTailCall).count, opt == "-O2" ? 1 : 0)
            XCTAssertEqual(frames.first?.location?.line, Fixtures.line("leaf"), opt)
            if opt == "-O0" {
                // Each recursive caller is stopped on the line of its recursive call.
                for f in frames[2...6] { XCTAssertEqual(f.location?.line, Fixtures.line("recurse-call"), "\(f)") }
            }
            // Below main: libc's start code, then the end of the stack.
            XCTAssertTrue(names.contains("__libc_start_main") || names.contains("__libc_start_call_main"), "\(names)")
            XCTAssertLessThan(frames.count, 14, "\(names)")
        }
    }

    func testBacktraceFromSignalHandler() throws {
        for opt in ["-O0", "-O2"] {
            let p = try LiveProcess(try Fixtures.build("program.c", flags: [opt]))
            try p.runToLine("program.c", Fixtures.line("in-handler"))
            let frames = try p.backtrace()
            let names = frames.map { $0.function ?? "??" }
            let main = try XCTUnwrap(names.firstIndex(of: "main"), "\(opt): \(frames)")
            let trampoline = try XCTUnwrap(frames.firstIndex { $0.isSignalTrampoline }, "\(opt): \(frames)")
            XCTAssertEqual(names[0], "in_handler")
            XCTAssertEqual(names[trampoline], "<signal handler called>", opt)
            if opt == "-O0" { XCTAssertEqual(names[1], "handler") }  // at -O2 a tail call
            // Past the trampoline: the interrupted code in raise (libc), then raise_signal.
            XCTAssertTrue(names[(trampoline + 1)..<main].contains("raise_signal"), "\(opt): \(names)")
            XCTAssertTrue(names[(trampoline + 1)..<main].contains { $0.contains("raise") || $0.contains("kill") }, "\(names)")
        }
    }

    func testBacktraceThroughInlinedFunction() throws {
        let p = try LiveProcess(try Fixtures.build("program.c", flags: ["-O2"]))
        try p.runToLine("program.c", Fixtures.line("helper"))
        let frames = try p.backtrace()
        XCTAssertEqual(frames.prefix(4).map { $0.function ?? "??" }, ["helper", "inlined_twice", "use_inline", "main"], "\(frames)")
        XCTAssertEqual(frames[0].location?.line, Fixtures.line("helper"))
        XCTAssertTrue(frames[1].isInlined)
        XCTAssertEqual(frames[1].location?.line, Fixtures.line("inline-call"))
        XCTAssertEqual(frames[2].location?.line, Fixtures.line("use-inline"))
        XCTAssertFalse(frames[2].isInlined)
        XCTAssertEqual(frames[1].pc, frames[2].pc)
    }

    /// Single-steps from the entry of `function` until control is back in main, checking at
    /// each instruction that the stack is complete: the innermost frame is named after the
    /// function holding rip and main is below. Returns the step count and the depths seen.
    private func stepChecking(_ p: LiveProcess, from function: String, _ label: String) throws -> (Int, Set<Int>) {
        let module = try XCTUnwrap(p.space.modules.first)
        let entry = try XCTUnwrap(module.symbols.named(function))
        try p.run(to: entry.address)
        try p.reloadModules()
        var steps = 0
        var depths = Set<Int>()
        while steps < 20000 {
            let rip = try p.task.registers().rip
            let here = p.space.symbolize(rip).symbol?.symbol.name
            if here == "main" { break }
            let frames = try p.backtrace()
            let names = frames.map { $0.function ?? "??" }
            // The machine frame's function (inlined callees come before it).
            let outer = frames.first { !$0.isInlined }?.function
            if let h = here, outer != h {
                // DWARF may name a function by another alias than the symbol table.
                let symbolAddress = p.space.symbolize(rip).symbol?.symbol.address
                let aliases = p.space.modules.compactMap { outer.flatMap($0.symbols.named)?.address }
                XCTAssertTrue(aliases.contains { $0 == symbolAddress }, "\(label) at \(p.space.symbolize(rip)): \(names)")
            }
            guard let mainIndex = names.firstIndex(of: "main") else {
                XCTFail("\(label): no main at \(p.space.symbolize(rip)): \(names)")
                break
            }
            depths.insert(mainIndex)
            try p.task.resume(.singleStep)
            _ = try p.task.wait()
            steps += 1
        }
        return (steps, depths)
    }

    /// Unwinding must work at every instruction, prologues and epilogues included: through
    /// the whole recursion (leaf included) and back, and through a PLT stub into libc.
    func testUnwindAtEveryInstruction() throws {
        for opt in ["-O0", "-O2"] {
            let p = try LiveProcess(try Fixtures.build("program.c", flags: [opt]))
            let (steps, depths) = try stepChecking(p, from: "recurse", opt)
            XCTAssertGreaterThan(steps, 20, opt)
            XCTAssertTrue(depths.contains(opt == "-O0" ? 7 : 6), "\(opt): deepest stack seen \(depths.max() ?? 0)")
        }
        // signal(): its PLT stub, then libc's code (CFI from libc's .eh_frame).
        let p = try LiveProcess(try Fixtures.build("program.c", flags: ["-O0"]))
        let (steps, _) = try stepChecking(p, from: "show_locals", "through strlen@plt and libc")
        XCTAssertGreaterThan(steps, 50)
    }
}
