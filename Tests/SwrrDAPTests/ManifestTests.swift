// adapter-manifest/: every file parses, names swrr-dap, and the VS Code manifest's launch
// attributes are exactly the ones LaunchHandler accepts (LaunchConfiguration.attributes). The
// extension's package and code: VSCodeExtensionTests.
import Foundation
import SwrrDAP
import XCTest

final class ManifestTests: XCTestCase {
    let directory = DAPTestEnv.packageRoot.appendingPathComponent("adapter-manifest").path

    func testEveryFileParses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertTrue(Set(files).isSuperset(of: ["package.json", "extension.js", "pack-vsix.py", "nvim-dap.lua", "dap-mode.el", "README.md"]),
                      "\(files)")
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            XCTAssertFalse(data.isEmpty, file)
            switch (file as NSString).pathExtension {
            case "json":
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), file)
            case "lua", "el", "md", "js", "py":
                let text = String(decoding: data, as: UTF8.self)
                XCTAssertTrue(text.contains("swrr-dap"), "\(file) does not mention swrr-dap")
                if file.hasSuffix(".el") {
                    // Balanced parentheses outside strings and comments.
                    var depth = 0, inString = false, escaped = false, inComment = false
                    for ch in text {
                        if inComment { if ch == "\n" { inComment = false }; continue }
                        if inString {
                            if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
                            continue
                        }
                        switch ch {
                        case ";": inComment = true
                        case "\"": inString = true
                        case "(": depth += 1
                        case ")": depth -= 1; XCTAssertGreaterThanOrEqual(depth, 0, file)
                        default: break
                        }
                    }
                    XCTAssertEqual(depth, 0, "\(file): unbalanced parentheses")
                }
            default:
                XCTFail("unexpected file \(file) in adapter-manifest/")
            }
        }
    }

    func testLaunchAttributesMatchTheAdapter() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/package.json"))
        let pkg = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let contributes = try XCTUnwrap(pkg["contributes"] as? [String: Any])
        let debuggers = try XCTUnwrap(contributes["debuggers"] as? [[String: Any]])
        XCTAssertEqual(debuggers.count, 1)
        let swrr = debuggers[0]
        XCTAssertEqual(swrr["type"] as? String, "swrr")
        // No `program`: VS Code resolves it against the extension's folder, not PATH; extension.js
        // finds swrr-dap (VSCodeExtensionTests).
        XCTAssertNil(swrr["program"])
        XCTAssertNil(swrr["initialConfigurations"], "extension.js provides them (VS Code would show both)")
        XCTAssertEqual(pkg["main"] as? String, "./extension.js")
        XCTAssertEqual(pkg["activationEvents"] as? [String], ["onDebugResolve:swrr", "onDebugInitialConfigurations",
                                                              "onDebugDynamicConfigurations:swrr"])
        XCTAssertEqual((pkg["engines"] as? [String: String])?["vscode"], "^1.80.0")
        let settings = (contributes["configuration"] as? [String: Any])?["properties"] as? [String: [String: Any]]
        XCTAssertEqual(settings?["swrr.adapterPath"]?["type"] as? String, "string")
        XCTAssertEqual(settings?["swrr.adapterPath"]?["scope"] as? String, "machine")
        let description = try XCTUnwrap(pkg["description"] as? String)
        XCTAssertFalse(description.contains("as the engine grows"), description)
        XCTAssertTrue(description.contains("forwards and backwards"), description)
        let attrs = try XCTUnwrap(swrr["configurationAttributes"] as? [String: Any])
        XCTAssertEqual(Array(attrs.keys), ["launch"], "swrr-dap supports launch only")
        let launch = try XCTUnwrap(attrs["launch"] as? [String: Any])
        let props = try XCTUnwrap(launch["properties"] as? [String: [String: Any]])
        XCTAssertEqual(Set(props.keys), Set(LaunchConfiguration.attributes.map(\.name)))
        for a in LaunchConfiguration.attributes {
            XCTAssertEqual(props[a.name]?["type"] as? String, a.type, a.name)
            XCTAssertEqual(props[a.name]?["description"] as? String, a.description, a.name)
        }
        // Snippets use only those attributes (plus type/request/name).
        let allowed = Set(LaunchConfiguration.attributes.map(\.name)).union(["type", "request", "name"])
        let snippets = try XCTUnwrap(swrr["configurationSnippets"] as? [[String: Any]]).compactMap { $0["body"] as? [String: Any] }
        XCTAssertFalse(snippets.isEmpty)
        for config in snippets {
            XCTAssertTrue(Set(config.keys).isSubset(of: allowed), "\(config.keys)")
            XCTAssertEqual(config["type"] as? String, "swrr")
        }
        // The nvim-dap and dap-mode snippets name exactly the same attributes.
        for file in ["nvim-dap.lua", "dap-mode.el"] {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for a in LaunchConfiguration.attributes {
                XCTAssertTrue(text.contains(a.name), "\(file) does not mention \(a.name)")
            }
        }
    }
}
