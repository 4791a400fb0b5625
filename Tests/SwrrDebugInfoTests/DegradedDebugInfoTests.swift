// Missing or damaged debug information must degrade to symbols and addresses, never crash.
import Foundation
import SwrrDebugInfo
import XCTest

final class DegradedDebugInfoTests: XCTestCase {
    private func leafAddress(_ exe: String) throws -> UInt64 {
        let m = try Module(path: exe, bias: 0)
        return try XCTUnwrap(m.symbols.named("leaf")).address
    }

    func testStrippedBinary() throws {
        let exe = try Fixtures.build("program.c", flags: ["-O0"])
        let stripped = Fixtures.buildDir + "/program-stripped"
        try Fixtures.run("strip", ["-o", stripped, exe])
        let m = try Module(path: stripped, bias: 0)
        XCTAssertFalse(m.hasDWARF)
        XCTAssertFalse(m.notes.isEmpty)
        XCTAssertNil(m.symbols.named("leaf"))
        XCTAssertTrue(m.lines.addresses(file: "program.c", line: 10).isEmpty)
        XCTAssertNotNil(m.symbols.named("raise@plt"), "PLT stubs are named from relocations")

        // Same layout as the unstripped binary: break at leaf's address found there.
        let p = try LiveProcess(stripped)
        let bias = try XCTUnwrap(p.space.modules.first).bias
        try p.run(to: try leafAddress(exe) + bias)
        try p.reloadModules()
        let stack = try p.space.callStack(p.task)
        // .eh_frame survives stripping: the unwinder still walks every frame to libc.
        XCTAssertGreaterThanOrEqual(stack.frames.count, 8, "\(stack.frames)")
        XCTAssertNil(stack.frames[0].location)
        XCTAssertTrue(stack.frames.contains { $0.function == "__libc_start_call_main" }, "\(stack.frames)")
        XCTAssertTrue(stack.scope(0).variables().isEmpty)
        XCTAssertTrue(p.space.notes.contains { $0.contains("program-stripped") }, "\(p.space.notes)")
    }

    func testTruncatedDebugInfo() throws {
        let exe = try Fixtures.build("program.c", flags: ["-O0"])
        let dir = Fixtures.buildDir
        let section = dir + "/debug_info.bin", cut = dir + "/debug_info.cut", damaged = dir + "/program-truncated"
        try Fixtures.run("objcopy", ["--dump-section", ".debug_info=\(section)", exe, dir + "/scratch.o"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: section))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: cut))
        try Fixtures.run("objcopy", ["--update-section", ".debug_info=\(cut)", exe, damaged])

        let m = try Module(path: damaged, bias: 0)
        XCTAssertNotNil(m.symbols.named("leaf"))
        _ = m.lines.addresses(file: "program.c", line: Fixtures.line("leaf"))
        _ = m.lines.sourceFiles()
        XCTAssertTrue(m.notes.contains { $0.contains("truncated") }, "\(m.notes)")

        let p = try LiveProcess(damaged)
        let bias = try XCTUnwrap(p.space.modules.first).bias
        try p.run(to: try leafAddress(exe) + bias)
        try p.reloadModules()
        let stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.first?.function, "leaf")
        XCTAssertTrue(stack.frames.contains { $0.function == "main" }, "\(stack.frames)")
        for i in stack.frames.indices {
            for v in stack.scope(i).variables() { _ = stack.formatter.format(v.value) }
        }
        _ = try? DebugExpression.evaluate("global_counter + 1", in: stack.scope(0))
    }

    /// CFI only in .debug_frame (no .eh_frame) and no frame pointers: the unwinder must use
    /// the debug copy of the CFI.
    func testDebugFrameOnly() throws {
        let exe = try Fixtures.build("program.c", flags: ["-O2", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
                                                          "-fomit-frame-pointer"])
        let noEH = Fixtures.buildDir + "/program-debugframe"
        try Fixtures.run("objcopy", ["--remove-section", ".eh_frame", "--remove-section", ".eh_frame_hdr", exe, noEH])
        let p = try LiveProcess(noEH)
        try p.runToLine("program.c", Fixtures.line("leaf"))
        let (frames, physical) = try p.space.backtrace(p.task)
        // Six recurse frames: five machine frames and the one rebuilt for the tail call.
        XCTAssertEqual(frames.prefix(8).map { $0.function ?? "??" }, ["leaf"] + Array(repeating: "recurse", count: 6) + ["main"],
                       "\(frames)")
        XCTAssertEqual(physical[2].method, .cfi)
    }

    /// No CFI at all for the program's code (no .eh_frame, no .debug_frame): the frame-pointer
    /// chain still gives the full stack.
    func testFramePointerFallback() throws {
        let exe = try Fixtures.build("program.c", flags: ["-O0", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
                                                          "-fno-omit-frame-pointer"])
        let nocfi = Fixtures.buildDir + "/program-nocfi"
        try Fixtures.run("objcopy", ["--remove-section", ".debug_frame", "--remove-section", ".eh_frame",
                                     "--remove-section", ".eh_frame_hdr", exe, nocfi])
        let p = try LiveProcess(nocfi)
        try p.runToLine("program.c", Fixtures.line("leaf"))
        let (frames, physical) = try p.space.backtrace(p.task)
        XCTAssertEqual(frames.prefix(8).map { $0.function ?? "??" }, ["leaf"] + Array(repeating: "recurse", count: 6) + ["main"],
                       "\(frames)")
        XCTAssertEqual(physical[1].method, .framePointer)
    }
}
