import SwrrDebugInfo
import XCTest

final class BacktraceTests: XCTestCase {
    func testDeepRecursion() throws {
        for opt in ["-O0", "-O2"] {
            let p = try LiveProcess(try Fixtures.build("program.c", flags: [opt]))
            try p.runToLine("program.c", Fixtures.line("leaf"))
            let frames = try p.backtrace()
            let names = frames.map { $0.function ?? "??" }
            // At -O2 `return leaf(n)` is a tail call (jmp): the innermost recurse has no frame
            // left (gdb synthesizes one from DW_TAG_call_site; machine unwinding cannot).
            let depth = opt == "-O0" ? 6 : 5
            XCTAssertEqual(Array(names.prefix(depth + 2)), ["leaf"] + Array(repeating: "recurse", count: depth) + ["main"],
                           "\(opt): \(frames)")
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

    /// Unwinding must work at every instruction of a function, prologue and epilogue
    /// included: single-step through `recurse` and check the caller is always found.
    func testUnwindAtEveryInstruction() throws {
        for opt in ["-O0", "-O2"] {
            let p = try LiveProcess(try Fixtures.build("program.c", flags: [opt]))
            let sym = try XCTUnwrap(p.space.modules.first?.symbols.named("leaf"))
            try p.run(to: sym.address)
            try p.reloadModules()
            var steps = 0
            while steps < 200 {
                let rip = try p.task.registers().rip
                guard rip >= sym.address && rip < sym.address + sym.size else { break }
                let names = try p.backtrace().map { $0.function ?? "??" }
                XCTAssertEqual(Array(names.prefix(3)), ["leaf", "recurse", "recurse"], "\(opt) at +\(rip - sym.address)")
                try p.task.resume(.singleStep)
                _ = try p.task.wait()
                steps += 1
            }
            XCTAssertGreaterThan(steps, 2)
        }
    }
}
