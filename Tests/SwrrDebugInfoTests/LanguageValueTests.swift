import SwrrDebugInfo
import SwrrTestSupport
import XCTest

/// Frames and locals of Go and Rust programs (Tests/Fixtures/languages) stopped under ptrace:
/// the values their users read (strings, slices, Vec), not the structs DWARF describes.
final class LanguageValueTests: XCTestCase {
    /// Go at -N -l: DW_FORM_block1 locations (Go's DWARF 4), main.main's locals with values.
    func testGoLocals() throws {
        let p = try LiveProcess(try LanguageFixtures.go())
        try p.runToLine("points.go", try LanguageFixtures.line("go-print", in: "points.go"))
        let stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.prefix(2).map { $0.function ?? "??" }, ["main.main", "runtime.main"])
        let f = stack.formatter
        let vars = Self.assertLocals(stack, [("s", "len: 3, cap: 3, [1, 2, 3]", "[]int"), ("name", "\"swrr\"", "string"),
                                             ("p", "{X = 6, Y = 8}", "main.Point")])
        XCTAssertEqual(vars["m"]?.type.name, "map[string]int")
        XCTAssertEqual(vars["m"].map(f.format), "map[\"a\": 1]")
        XCTAssertEqual(vars["none"].map(f.format), "map[] (nil)")
        // 20 entries over 4 buckets: every key once, in bucket order.
        let squares = f.children(try XCTUnwrap(vars["squares"])).map { "\($0.name)=\(f.format($0.value))" }
        XCTAssertEqual(squares.count, 20)
        XCTAssertEqual(Set(squares), Set((0..<20).map { "[\($0)]=\($0 * $0)" }))
        XCTAssertEqual(f.children(try XCTUnwrap(vars["s"])).map { "\($0.name)=\(f.format($0.value))" }, ["[0]=1", "[1]=2", "[2]=3"])
    }

    /// Rust: frame names from the demangled linkage names, Vec, String and &str as values.
    func testRustFramesAndLocals() throws {
        let exe = try LanguageFixtures.rust()
        let p = try LiveProcess(exe)
        try p.runToLine("points.rs", try LanguageFixtures.line("rust-scale", in: "points.rs"))
        var stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.prefix(2).map { $0.function ?? "??" }, ["points::scale", "points::main"])
        XCTAssertEqual(stack.scope(0).parameters().map { "\($0.name)=\(stack.formatter.format($0.value))" }.last, "k=2")

        try p.runToLine("points.rs", try LanguageFixtures.line("rust-print", in: "points.rs"))
        stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.first?.function, "points::main")
        let f = stack.formatter
        let vars = Self.assertLocals(stack, [("v", "vec![1, 2, 3, 4]", "Vec<i64, alloc::alloc::Global>"),
                                             ("name", "\"swrr\"", "String"), ("word", "\"wr\"", "&str"),
                                             ("s", "{x = 6, y = 8}", "Point"), ("total", "60", "i64"),
                                             ("some", "Some(1)", "Option<i64>"), ("nothing", "None", "Option<&str>"),
                                             ("outcome", "Err(\"bad\")", "Result<u8, alloc::string::String>"),
                                             ("pair", "(1, \"wr\", 2.5)", "(u8, &str, f32)"),
                                             ("grid", "[[1, 2], [3, 4]]", "[[u16; 2]; 2]")])
        XCTAssertEqual(f.children(try XCTUnwrap(vars["outcome"])).map { "\($0.name)=\(f.format($0.value))" }, ["__0=\"bad\""])
        XCTAssertEqual(f.children(try XCTUnwrap(vars["v"])).map { "\($0.name)=\(f.format($0.value))" },
                       ["[0]=1", "[1]=2", "[2]=3", "[3]=4"])
    }

    /// Swift: the standard library's member-less structs (Int, String small and large,
    /// Array, Double) from their bytes; top-level variables are globals of a DW_TAG_module.
    func testSwiftValues() throws {
        let p = try LiveProcess(try LanguageFixtures.swift())
        try p.runToLine("points.swift", try LanguageFixtures.line("swift-label", in: "points.swift"))
        var stack = try p.space.callStack(p.task)
        XCTAssertEqual(stack.frames.prefix(2).map { $0.function ?? "??" }, ["points.scale", "main"])
        Self.assertLocals(stack, [("label", "\"k is 2\"", "String"), ("k", "2", "Int")])
        try p.runToLine("points.swift", try LanguageFixtures.line("swift-print", in: "points.swift"))
        stack = try p.space.callStack(p.task)
        let globals = Dictionary(stack.scope(0).globals().map { ($0.name, $0.value) }) { a, _ in a }
        let f = stack.formatter
        XCTAssertEqual(globals["arr"].map(f.format), "[1, 2, 3]")
        XCTAssertEqual(globals["arr"]?.type.name, "Swift.Array<Swift.Int>")
        XCTAssertEqual(globals["name"].map(f.format), "\"swrr\"")
        XCTAssertEqual(globals["greeting"].map(f.format), "\"a string longer than fifteen bytes\"")
        XCTAssertEqual(globals["ratio"].map(f.format), "2.5")
        XCTAssertEqual(globals["ratio"]?.type.name, "Double")
        XCTAssertEqual(f.children(try XCTUnwrap(globals["arr"])).map { "\($0.name)=\(f.format($0.value))" }, ["[0]=1", "[1]=2", "[2]=3"])
    }

    /// Frame 0's variables by name, after checking the text and type name of each of `expected`.
    @discardableResult
    static func assertLocals(_ stack: CallStack, _ expected: [(name: String, text: String, type: String)],
                             file: StaticString = #filePath, line: UInt = #line) -> [String: Value] {
        let vars = Dictionary(stack.scope(0).variables().map { ($0.name, $0.value) }) { a, _ in a }
        for e in expected {
            XCTAssertEqual(vars[e.name].map(stack.formatter.format), e.text, e.name, file: file, line: line)
            XCTAssertEqual(vars[e.name]?.type.name, e.type, e.name, file: file, line: line)
        }
        return vars
    }
}
