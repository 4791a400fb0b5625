import Foundation
import SwrrDebugInfo
import XCTest

final class SymbolsAndLinesTests: XCTestCase {
    func testFunctionNamesAndLinesForKnownAddresses() throws {
        for opt in ["-O0", "-O2"] {
            let exe = try Fixtures.build("program.c", flags: [opt])
            let m = try Module(path: exe, bias: 0)
            XCTAssertTrue(m.hasDWARF, opt)
            let leaf = try XCTUnwrap(m.symbols.named("leaf"), opt)
            XCTAssertTrue(leaf.isFunction)
            XCTAssertEqual(m.symbols.lookup(leaf.address + 2)?.symbol.name, "leaf", opt)
            XCTAssertEqual(m.symbols.lookup(leaf.address + 2)?.offset, 2, opt)
            // The breakpoint line inside leaf maps back to that line.
            let line = Fixtures.line("leaf")
            let addrs = m.lines.addresses(file: "program.c", line: line)
            XCTAssertEqual(addrs.count, 1, opt)
            for a in addrs {
                XCTAssertEqual(m.lines.location(of: a)?.line, line, opt)
                XCTAssertEqual(m.lines.location(of: a)?.fileName, "program.c", opt)
                XCTAssertEqual(m.symbols.lookup(a)?.symbol.name, "leaf", opt)
            }
            XCTAssertTrue(m.lines.sourceFiles().contains { $0.hasSuffix("program.c") })
        }
    }

    func testFunctionBreakpointSkipsPrologue() throws {
        let exe = try Fixtures.build("program.c", flags: ["-O0"])
        let m = try Module(path: exe, bias: 0)
        let add = try XCTUnwrap(m.symbols.named("add"))
        let bp = m.lines.breakpointAddress(functionEntry: add.address)
        XCTAssertGreaterThan(bp, add.address)
        XCTAssertLessThan(bp, add.address + add.size)
        // gcc -O0: push rbp; mov rsp,rbp; two spills, then the body.
        let declLine = try XCTUnwrap(m.lines.location(of: add.address)?.line)
        XCTAssertEqual(m.lines.location(of: bp)?.line, declLine)  // one-line function
        // A line with the opening brace of a multi-line function goes past the prologue too.
        let leaf = try XCTUnwrap(m.symbols.named("leaf"))
        let leafLine = try XCTUnwrap(m.lines.location(of: leaf.address)?.line)
        XCTAssertEqual(m.lines.addresses(file: "program.c", line: leafLine),
                       m.lines.addresses(file: "program.c", line: Fixtures.line("leaf")))
    }

    func testInlinedLineHasOneAddressPerInlinedCopy() throws {
        let exe = try Fixtures.build("program.c", flags: ["-O2"])
        let m = try Module(path: exe, bias: 0)
        // inlined_twice is inlined twice into use_inline: its line has two instances.
        let addrs = m.lines.addresses(file: "program.c", line: Fixtures.line("inline-call"))
        XCTAssertEqual(addrs.count, 2, "\(addrs.map { String($0, radix: 16) })")
        let useInline = try XCTUnwrap(m.symbols.named("use_inline"))
        for a in addrs { XCTAssertEqual(m.symbols.lookup(a)?.symbol.name, "use_inline") }
        XCTAssertTrue(addrs.allSatisfy { $0 >= useInline.address && $0 < useInline.address + useInline.size })
    }

    func testPLTStubsAreNamed() throws {
        let exe = try Fixtures.build("program.c", flags: ["-O0"])
        let m = try Module(path: exe, bias: 0)
        let names = m.symbols.all.map(\.rawName)
        XCTAssertTrue(names.contains("raise@plt"), "\(names.filter { $0.hasSuffix("@plt") })")
        XCTAssertTrue(names.contains("signal@plt"))
    }

    /// Modules come from the memory map; a new map keeps the modules already opened and
    /// adds the libraries loaded since.
    func testModulesFollowTheMemoryMap() throws {
        let p = try LiveProcess(try Fixtures.build("program.c", flags: ["-O0"]))
        let before = p.space.modules.map(\.name)
        XCTAssertTrue(before.contains("ld-linux-x86-64.so.2"), "\(before)")
        XCTAssertFalse(before.contains("libc.so.6"), "libc is not mapped before the dynamic loader runs")
        let exe = try XCTUnwrap(p.space.modules.first)
        try p.runToFunction("leaf")
        XCTAssertTrue(p.space.modules.contains { $0.name == "libc.so.6" })
        XCTAssertTrue(p.space.modules.contains { $0 === exe }, "the executable's module (and its indexes) is kept")
        // Files can be read from elsewhere (replay reads the trace's copies).
        let copy = Fixtures.buildDir + "/copy-of-program"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: exe.path, toPath: copy)
        let redirected = AddressSpace(mappings: try p.task.mappings(), target: p.task) { $0 == exe.path ? copy : $0 }
        XCTAssertEqual(redirected.modules.first?.path, copy)
        XCTAssertEqual(redirected.modules.first?.bias, exe.bias)
        XCTAssertEqual(redirected.symbolize(try p.task.registers().rip).symbol?.symbol.name, "leaf")
    }

    func testLibcSymbolsAndSeparateDebugInfo() throws {
        let m = try Module(path: "/lib/x86_64-linux-gnu/libc.so.6", bias: 0)
        let raise = try XCTUnwrap(m.symbols.named("raise"))
        XCTAssertEqual(m.symbols.lookup(raise.address + 1)?.symbol.address, raise.address)
        if FileManager.default.fileExists(atPath: "/usr/lib/debug/.build-id") {
            XCTAssertTrue(m.hasDWARF, "libc6-dbg is installed: debug file found by build-id. notes: \(m.notes)")
            XCTAssertNotNil(m.lines.location(of: raise.address))
        }
    }
}
