import SwrrDebugInfo
import XCTest

final class CPlusPlusTests: XCTestCase {
    func testDemangledNamesAndQualifiedTypes() throws {
        let exe = try Fixtures.build("classes.cpp", compiler: "g++", flags: ["-O0"])
        let m = try Module(path: exe, bias: 0)
        let scaled = try XCTUnwrap(m.symbols.named("geo::Circle::scaled"))
        XCTAssertEqual(scaled.rawName, "_ZNK3geo6Circle6scaledERKd")
        XCTAssertEqual(scaled.name, "geo::Circle::scaled(double const&) const")
        XCTAssertNotNil(m.symbols.named("geo::Buffer<int, 4>::sum"))
        // A line of a template has one breakpoint address per instance.
        let templateLine = m.lines.addresses(file: "classes.cpp", line: Fixtures.line("template", in: "classes.cpp"))
        XCTAssertEqual(Set(templateLine.compactMap { m.symbols.lookup($0)?.symbol.name }),
                       ["geo::Buffer<int, 4>::sum() const", "geo::Buffer<double, 2>::sum() const"])

        let p = try LiveProcess(exe)
        try p.runToLine("classes.cpp", Fixtures.line("method", in: "classes.cpp"))
        let stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.prefix(2).map { $0.function ?? "??" }, ["geo::Circle::scaled", "main"])
        let scope = stack.scope(0)
        let f = stack.formatter
        let vars = Dictionary(uniqueKeysWithValues: scope.variables().map { ($0.name, $0) })
        XCTAssertEqual(vars["this"]?.value.type.name, "const geo::Circle * const")
        XCTAssertEqual(vars["factor"]?.value.type.name, "const double &")
        XCTAssertTrue(f.format(try XCTUnwrap(vars["factor"]).value).hasSuffix(": 2"))
        XCTAssertEqual(vars["result"].map { f.format($0.value) }, "4")
        let this = try DebugExpression.evaluate("*this", in: scope)
        XCTAssertTrue(this.text.hasPrefix("{<geo::Shape> = {<geo::Base> = {_vptr.Base = 0x"), this.text)
        XCTAssertTrue(this.text.contains("<vtable for geo::Circle+16>"), this.text)
        XCTAssertTrue(this.text.hasSuffix("id = 7}, area = 12, label = \(try DebugExpression.evaluate("label", in: scope).text)}, radius = 2}"), this.text)
        // Members of base classes are found by name through inheritance.
        XCTAssertEqual(try DebugExpression.evaluate("this->id + radius", in: scope).text, "9")
        XCTAssertEqual(try DebugExpression.evaluate("factor * 3", in: scope).text, "6")
    }

    func testDemangler() {
        XCTAssertEqual(Demangler.demangle("_ZN3geo6CircleC2Ed"), "geo::Circle::Circle(double)")
        XCTAssertEqual(Demangler.demangle("main"), "main")
        XCTAssertEqual(Demangler.demangle("_Znot a symbol"), "_Znot a symbol")
        // Rust legacy: Itanium-shaped with a hash and $-escapes.
        XCTAssertEqual(Demangler.demangle("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h0123456789abcdefE"),
                       "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>")
        // Rust v0.
        XCTAssertEqual(Demangler.demangle("_RNvCs1234_7mycrate3foo"), "mycrate::foo")
        XCTAssertEqual(Demangler.demangle("_RNvNtCs1234_7mycrate5inner3bar"), "mycrate::inner::bar")
        // Swift, through the runtime's demangler.
        XCTAssertEqual(Demangler.demangle("$s4main5helloyyF"), "main.hello() -> ()")
    }
}
