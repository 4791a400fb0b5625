import SwrrDebugInfo
import XCTest

final class ExpressionTests: XCTestCase {
    func testParser() throws {
        XCTAssertEqual(try ExpressionParser.parse("a + b * 2"), .binary("+", .name("a"), .binary("*", .name("b"), .integer(2))))
        XCTAssertEqual(try ExpressionParser.parse("p->x.y[3]"), .index(.member(.arrow(.name("p"), "x"), "y"), .integer(3)))
        XCTAssertEqual(try ExpressionParser.parse("(int)x"), .cast(TypeName(base: "int", pointerDepth: 0), .name("x")))
        XCTAssertEqual(try ExpressionParser.parse("(x)"), .name("x"))
        XCTAssertEqual(try ExpressionParser.parse("sizeof(struct point)"), .sizeofType(TypeName(base: "struct point", pointerDepth: 0)))
        XCTAssertEqual(try ExpressionParser.parse("!a && b || c"),
                       .binary("||", .binary("&&", .unary("!", .name("a")), .name("b")), .name("c")))
        XCTAssertEqual(try ExpressionParser.parse("0x10 + 'A' + 1.5"), .binary("+", .binary("+", .integer(16), .char(65)), .floating(1.5)))
        XCTAssertThrowsError(try ExpressionParser.parse("a +")) { XCTAssertTrue("\($0)".contains("end of expression"), "\($0)") }
        XCTAssertThrowsError(try ExpressionParser.parse("a # b")) { XCTAssertTrue("\($0)".contains("'#'"), "\($0)") }
    }

    func testEvaluationInAFrame() throws {
        let p = try LiveProcess(try Fixtures.build("program.c", flags: ["-O0"]))
        try p.runToLine("program.c", Fixtures.line("locals"))
        let scope = try p.space.callStack(p.task).scope(0)
        func ev(_ s: String) throws -> String { try DebugExpression.evaluate(s, in: scope).text }
        XCTAssertEqual(try ev("param"), "3")
        XCTAssertEqual(try ev("param * 2 + 1"), "7")
        XCTAssertEqual(try ev("sh.origin.y"), "2")
        XCTAssertEqual(try ev("psh->corners[1].x"), "5")
        XCTAssertEqual(try ev("pts[1]"), "{x = 30, y = 40}")
        XCTAssertEqual(try ev("matrix[1][2]"), "6")
        XCTAssertEqual(try ev("(*psh).weight.i"), "42")
        XCTAssertEqual(try ev("&sh == psh"), "1")
        XCTAssertEqual(try ev("*&param"), "3")
        XCTAssertEqual(try ev("fl.level < 0 && fl.mode == 5"), "1")
        XCTAssertEqual(try ev("f * 2"), "3")
        XCTAssertEqual(try ev("d / 2 > 1"), "1")
        XCTAssertEqual(try ev("(char)(c + 1)"), "66")
        XCTAssertEqual(try ev("(unsigned char)-1"), "255")
        XCTAssertEqual(try ev("sizeof(struct point)"), "8")
        XCTAssertEqual(try ev("sizeof(sh)"), "40")
        XCTAssertEqual(try ev("sizeof pts"), "16")
        XCTAssertEqual(try ev("col == 5"), "1")
        XCTAssertEqual(try ev("greeting[4]"), "111 'o'")
        XCTAssertEqual(try ev("*(greeting + 7)"), "119 'w'")
        XCTAssertEqual(try ev("global_points[2].y - global_counter"), "-1")
        XCTAssertEqual(try ev("-param % 2"), "-1")
        XCTAssertEqual(try ev("~0"), "-1")
        XCTAssertEqual(try ev("!null_ptr"), "1")
        XCTAssertTrue(try ev("(struct point *)psh").hasPrefix("(struct point *) 0x"))
        XCTAssertEqual(try ev("((struct point *)&pts)->y"), "20")
        XCTAssertEqual(try ev("(long)psh == (long)&sh"), "1")
        XCTAssertEqual(try DebugExpression.evaluate("&pts[1]", in: scope).typeName, "struct point *")
        XCTAssertEqual(try DebugExpression.evaluate("sh", in: scope).typeName, "shape_t")

        // Errors explain what failed.
        func error(_ s: String) -> String {
            do { _ = try DebugExpression.evaluate(s, in: scope); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error("nosuch + 1"), "No symbol \"nosuch\" in current context.")
        XCTAssertEqual(error("sh.nosuch"), "There is no member named nosuch in shape_t.")
        XCTAssertTrue(error("*null_ptr").contains("0x0"), error("*null_ptr"))
        XCTAssertTrue(error("param / 0").contains("Division by zero"))
        // Int64.min / -1 and % -1 overflow: an error, not a crash of the adapter (issue 13).
        XCTAssertEqual(error("(-9223372036854775807-1)/-1"), "Division overflow")
        XCTAssertEqual(error("(-9223372036854775807-1)%-1"), "Division overflow")
        XCTAssertEqual(try ev("-8 >> -1"), "-16")
        XCTAssertTrue(error("*param").contains("non-pointer"), error("*param"))
        XCTAssertTrue(error("pts[5]").contains("out of bounds"), error("pts[5]"))
        XCTAssertTrue(error("&3").contains("address"), error("&3"))
        XCTAssertTrue(error("param.x").contains("not a structure"), error("param.x"))
    }
}
