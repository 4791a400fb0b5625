import SwrrDebugInfo
import XCTest

/// Swift binaries: mangled `$s` names demangled through the Swift runtime (gdb shows them raw).
final class SwiftFixtureTests: XCTestCase {
    func testSwiftFramesAreDemangled() throws {
        let exe = try Fixtures.build("greet.swift", compiler: "swiftc", flags: ["-Onone"])
        let m = try Module(path: exe, bias: 0)
        let greet = try XCTUnwrap(m.symbols.named("greet.greet"), "\(m.symbols.all.filter { $0.rawName.hasPrefix("$s") }.map(\.name))")
        XCTAssertEqual(greet.rawName, "$s5greetAA_5timesSiSS_SitF")
        XCTAssertEqual(greet.name, "greet.greet(_: Swift.String, times: Swift.Int) -> Swift.Int")

        let p = try LiveProcess(exe)
        try p.runToLine("greet.swift", Fixtures.line("swift-greet", in: "greet.swift"))
        let stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.prefix(2).map { $0.function ?? "??" }, ["greet.greet", "main"], "\(stack.frames)")
        XCTAssertEqual(stack.frames[0].location?.line, Fixtures.line("swift-greet", in: "greet.swift"))
        XCTAssertEqual(stack.frames[1].location?.line, 8)
        let names = Set(stack.scope(0).variables().map(\.name))
        XCTAssertTrue(names.isSuperset(of: ["name", "times", "total"]), "\(names)")
    }
}
