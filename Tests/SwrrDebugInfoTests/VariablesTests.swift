import SwrrDebugInfo
import XCTest

final class VariablesTests: XCTestCase {
    private func locals(_ opt: String) throws -> (LiveProcess, CallStack, [String: String]) {
        let p = try LiveProcess(try Fixtures.build("program.c", flags: [opt]))
        try p.runToLine("program.c", Fixtures.line("locals"))
        let stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.first?.function, "show_locals")
        let f = stack.formatter
        var out: [String: String] = [:]
        for v in stack.scope(0).variables() { out[v.name] = f.format(v.value) }
        return (p, stack, out)
    }

    func testLocalsOfEveryTypeCategoryAtO0() throws {
        let (process, stack, v) = try locals("-O0")
        defer { withExtendedLifetime(process) {} }
        XCTAssertEqual(v["param"], "3")
        XCTAssertTrue(v["text"]?.hasSuffix(" \"text\"") ?? false, v["text"] ?? "nil")
        XCTAssertEqual(v["c"], "65 'A'")
        XCTAssertEqual(v["uc"], "200 '\\310'")
        XCTAssertEqual(v["s"], "-12")
        XCTAssertEqual(v["l"], "1234567890123")
        XCTAssertEqual(v["ull"], "18446744073709551615")
        XCTAssertEqual(v["f"], "1.5")
        XCTAssertEqual(v["d"], "2.25")
        XCTAssertEqual(v["b"], "true")
        XCTAssertEqual(v["col"], "GREEN")
        XCTAssertEqual(v["col2"], "7")
        XCTAssertEqual(v["fl"], "{ready = 1, mode = 5, level = -3, rest = 1000}")
        XCTAssertEqual(v["num"], "{i = 1065353216, f = 1, bytes = \"\\000\\000\\200?\"}")
        XCTAssertEqual(v["pts"], "{{x = 10, y = 20}, {x = 30, y = 40}}")
        XCTAssertEqual(v["matrix"], "{{1, 2, 3}, {4, 5, 6}}")
        let sh = try XCTUnwrap(v["sh"])
        XCTAssertTrue(sh.hasPrefix("{name = 0x"), sh)
        XCTAssertTrue(sh.hasSuffix("\"square\", origin = {x = 1, y = 2}, corners = {{x = 3, y = 4}, {x = 5, y = 6}}, color = BLUE, weight = {i = 42, f = 5.88545355e-44, bytes = \"*\\000\\000\"}}"), sh)
        XCTAssertEqual(v["null_ptr"], "0x0")
        XCTAssertTrue(v["fn"]?.hasSuffix(" <add>") ?? false, v["fn"] ?? "nil")
        XCTAssertTrue(v["greeting"]?.hasSuffix(" \"hello, world\"") ?? false)
        XCTAssertEqual(v["buf"], "\"abc\\000\\000\\000\\000\"")
        XCTAssertEqual(v["dead"], "51")
        // Pointers expand to their target; aggregates to members.
        let scope = stack.scope(0)
        let psh = try XCTUnwrap(scope.lookup("psh"))
        let target = try XCTUnwrap(stack.formatter.children(psh.value).first)
        XCTAssertEqual(stack.formatter.format(target.value), sh)
        XCTAssertEqual(stack.formatter.children(try XCTUnwrap(scope.lookup("fl")).value).map(\.name), ["ready", "mode", "level", "rest"])
        // Types print in C syntax.
        XCTAssertEqual(psh.value.type.name, "shape_t *")
        XCTAssertEqual(scope.lookup("matrix")?.value.type.name, "int [2][3]")
        XCTAssertEqual(scope.lookup("fn")?.value.type.name, "binop_t")
        XCTAssertEqual(scope.lookup("fn")?.value.type.resolved.name, "int (*)(int, int)")
        XCTAssertEqual(scope.lookup("greeting")?.value.type.name, "const char *")
        // Globals, the frame's registers, the function's extent.
        XCTAssertEqual(Set(scope.globals().map(\.name)), ["global_counter", "global_name", "global_points", "sink", "tls_counter"])
        XCTAssertEqual(scope.registers().first { $0.name == "rip" }?.value, stack.frames[0].pc)
        let fn = try XCTUnwrap(process.space.function(containing: stack.frames[0].pc))
        XCTAssertEqual(fn.name, "show_locals")
        XCTAssertEqual(fn.entry, process.space.modules.first?.symbols.named("show_locals")?.address)
        XCTAssertTrue(fn.ranges.contains { $0.contains(stack.frames[0].pc) })
        XCTAssertEqual(fn.declaration?.fileName, "program.c")
        XCTAssertEqual(scope.lookup("global_counter").map { stack.formatter.format($0.value) }, "7")
        XCTAssertEqual(scope.lookup("tls_counter").map { stack.formatter.format($0.value) }, "5")
        XCTAssertEqual(scope.lookup("global_points").map { stack.formatter.format($0.value) },
                       "{{x = 1, y = 2}, {x = 3, y = 4}, {x = 5, y = 6}}")
    }

    func testVariableLengthArray() throws {
        for opt in ["-O0", "-O2"] {
            let p = try LiveProcess(try Fixtures.build("program.c", flags: [opt]))
            try p.runToLine("program.c", Fixtures.line("vla"))
            let stack = try p.space.callStack(p.task)
            let values = try XCTUnwrap(stack.scope(0).lookup("values"), opt)
            XCTAssertEqual(stack.formatter.format(values.value), "{0, 1, 4, 9}", opt)
            XCTAssertEqual(try DebugExpression.evaluate("values[3] - values[2]", in: stack.scope(0)).text, "5", opt)
        }
    }

    /// The same values from DWARF 4 line tables and location lists (.debug_loc) as from DWARF 5.
    func testDWARF4() throws {
        let p = try LiveProcess(try Fixtures.build("program.c", flags: ["-O2", "-gdwarf-4"]))
        try p.runToLine("program.c", Fixtures.line("locals"))
        let stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.first?.location?.line, Fixtures.line("locals"))
        let v = Dictionary(uniqueKeysWithValues: stack.scope(0).variables().map { ($0.name, stack.formatter.format($0.value)) })
        XCTAssertEqual(v["dead"], "51")
        XCTAssertEqual(v["param"], "3")
        XCTAssertEqual(v["pts"], "{{x = 10, y = 20}, {x = 30, y = 40}}")
    }

    func testVDSOModule() throws {
        let p = try LiveProcess(try Fixtures.build("program.c", flags: ["-O0"]))
        let vdso = try XCTUnwrap(p.space.module(named: "[vdso]"))
        let sym = try XCTUnwrap(vdso.symbols.named("__vdso_clock_gettime") ?? vdso.symbols.named("clock_gettime"))
        XCTAssertTrue(vdso.contains(sym.address), "\(String(sym.address, radix: 16)) \(vdso.textRanges)")
        XCTAssertEqual(p.space.symbolize(sym.address + 1).symbol?.symbol.address, sym.address)
        XCTAssertEqual(p.space.symbolize(sym.address).module, "[vdso]")
    }

    func testOptimizedCodeAtO2() throws {
        let (process, _, v) = try locals("-O2")
        defer { withExtendedLifetime(process) {} }
        // `dead` lives nowhere: its value is DW_OP_entry_value(rdi) * 17, recovered through
        // the caller's DW_TAG_call_site_parameter for rdi.
        XCTAssertEqual(v["dead"], "51", "\(v)")
        XCTAssertEqual(v["pts"], "{{x = 10, y = 20}, {x = 30, y = 40}}")
        XCTAssertEqual(v["c"], "65 'A'")

        try process.runToLine("program.c", Fixtures.line("optimized"))
        let stack = try process.space.callStack(process.task)
        let vars = Dictionary(uniqueKeysWithValues: stack.scope(0).variables().map { ($0.name, stack.formatter.format($0.value)) })
        XCTAssertEqual(vars["gone"], "<optimized out>", "\(vars)")
    }
}
