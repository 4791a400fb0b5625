// adapter-manifest/nvim-dap.lua under LuaJIT (Neovim's Lua) with stand-ins for the parts of
// Neovim and nvim-dap it uses (Tests/Clients/nvim/run-snippet.lua): the recording it offers by
// default honours $SWRR_TRACE_DIR, and a recorded program runs in its own directory, asked for
// once whatever order nvim-dap resolves the attributes in. No Neovim runs here (NvimDapTests
// checks the protocol nvim-dap speaks).
import Foundation
import SwrrTestSupport
import XCTest

final class NvimDapSnippetTests: XCTestCase {
    static let snippet = DAPTestEnv.packageRoot.appendingPathComponent("adapter-manifest/nvim-dap.lua").path
    static let runner = DAPTestEnv.packageRoot.appendingPathComponent("Tests/Clients/nvim/run-snippet.lua").path

    /// run-snippet.lua's lines with `environment`, attributes resolved in `order`.
    func resolve(_ environment: [String: String?], order: String = "forward") throws -> [String] {
        guard let luajit = ExecutableSearch.find("luajit") else {
            throw XCTSkip("luajit is not installed (looked in PATH): `make deps` installs Debian's luajit")
        }
        let r = try Subprocess.check([luajit, Self.runner, Self.snippet, order], environment: environment)
        return r.stdoutText.split(separator: "\n").map(String.init)
    }

    func testTheAdapterAndItsFileTypes() throws {
        let lines = try resolve([:])
        XCTAssertEqual(Array(lines.prefix(5)), ["adapter.type=executable", "adapter.command=swrr-dap",
                                                "filetype.c=2", "filetype.cpp=2", "filetype.rust=2"])
    }

    func testTheRecordingOfferedHonoursTheTraceDirectory() throws {
        func offered(_ environment: [String: String?]) throws -> [String] {
            try resolve(environment.merging(["STANDIN_INPUT": nil, "HOME": "/home/u"]) { a, _ in a })
                .filter { $0.hasPrefix("input Trace") || $0.hasPrefix("2.trace=") }
        }
        XCTAssertEqual(try offered(["SWRR_TRACE_DIR": "/data/traces"]),
                       ["input Trace directory: |/data/traces/latest-trace|dir", "2.trace=/data/traces/latest-trace"])
        // A relative $SWRR_TRACE_DIR is made absolute, as swrr record does.
        XCTAssertEqual(try offered(["SWRR_TRACE_DIR": "rel/traces", "STANDIN_CWD": "/work"]),
                       ["input Trace directory: |/work/rel/traces/latest-trace|dir", "2.trace=/work/rel/traces/latest-trace"])
        for unset in [nil, ""] as [String?] {
            XCTAssertEqual(try offered(["SWRR_TRACE_DIR": unset]),
                           ["input Trace directory: |/home/u/.local/share/swrr/latest-trace|dir",
                            "2.trace=/home/u/.local/share/swrr/latest-trace"])
        }
    }

    func testTheProgramRunsInItsOwnDirectory() throws {
        for order in ["forward", "reverse"] {
            let lines = try resolve(["STANDIN_INPUT": "build/prog", "STANDIN_CWD": "/home/u/src"], order: order)
            XCTAssertEqual(lines.filter { $0.hasPrefix("input Program") }, ["input Program: |/home/u/src/|file"], order)
            XCTAssertTrue(lines.contains("1.program=/home/u/src/build/prog"), "\(order): \(lines)")
            XCTAssertTrue(lines.contains("1.cwd=/home/u/src/build"), "\(order): \(lines)")
        }
        // A name looked up in PATH stays a name, and runs in the editor's directory.
        let lines = try resolve(["STANDIN_INPUT": "ls", "STANDIN_CWD": "/home/u/src"], order: "reverse")
        XCTAssertTrue(lines.contains("1.program=ls"), "\(lines)")
        XCTAssertTrue(lines.contains("1.cwd=/home/u/src"), "\(lines)")
    }
}
