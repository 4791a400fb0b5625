// The VS Code extension (adapter-manifest/extension.js, packed by adapter-manifest/pack-vsix.py).
// No VS Code runs on the test machines: the package is checked as a zip (what `code
// --install-extension` reads), and extension.js runs under node against a stand-in of the `vscode`
// module (Tests/Clients/vscode/vscode.js) that records what the extension registers and shows,
// unpacked from the .vsix as VS Code would unpack it.
import Foundation
import SwrrDAP
import SwrrTestSupport
import XCTest

final class VSCodeExtensionTests: XCTestCase {
    static let manifestDirectory = DAPTestEnv.packageRoot.appendingPathComponent("adapter-manifest").path
    static let standIn = DAPTestEnv.packageRoot.appendingPathComponent("Tests/Clients/vscode").path

    /// package.json as a dictionary.
    func package() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.manifestDirectory + "/package.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Runs pack-vsix.py; returns the .vsix's path.
    func pack(into dir: String, adapter: String? = nil) throws -> String {
        let output = dir + "/swrr.vsix"
        try Subprocess.check([DAPTestEnv.python, Self.manifestDirectory + "/pack-vsix.py", "--output", output]
                             + (adapter.map { ["--adapter", $0] } ?? []), timeout: 120)
        return output
    }

    /// The zip's entries in order (name, Unix mode, size), the texts of the manifest and
    /// content types, and the XML both parse to (through python3's zipfile and ElementTree).
    struct Contents: Decodable {
        struct Entry: Decodable, Equatable { var name: String; var mode: Int; var size: Int }
        struct Asset: Decodable, Equatable { var type: String; var path: String }
        var entries: [Entry]
        var identity: [String: String]
        var displayName: String
        var description: String
        var installationTargets: [String]
        var properties: [String: String]
        var assets: [Asset]
        var contentTypes: [String: String]
        var packageJSON: String
    }

    func contents(of vsix: String) throws -> Contents {
        let script = """
        import json, sys, zipfile, xml.etree.ElementTree as ET
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None
        V = '{http://schemas.microsoft.com/developer/vsx-schema/2011}'
        m = ET.fromstring(z.read('extension.vsixmanifest'))
        meta = m.find(V + 'Metadata')
        ct = ET.fromstring(z.read('[Content_Types].xml'))
        C = '{http://schemas.openxmlformats.org/package/2006/content-types}'
        print(json.dumps({
          'entries': [{'name': i.filename, 'mode': i.external_attr >> 16, 'size': i.file_size} for i in z.infolist()],
          'identity': dict(meta.find(V + 'Identity').attrib),
          'displayName': meta.find(V + 'DisplayName').text,
          'description': meta.find(V + 'Description').text,
          'installationTargets': [t.get('Id') for t in m.iter(V + 'InstallationTarget')],
          'properties': {p.get('Id'): p.get('Value') for p in meta.iter(V + 'Property')},
          'assets': [{'type': a.get('Type'), 'path': a.get('Path')} for a in m.iter(V + 'Asset')],
          'contentTypes': {d.get('Extension'): d.get('ContentType') for d in ct.iter(C + 'Default')},
          'packageJSON': z.read('extension/package.json').decode(),
        }))
        """
        let r = try Subprocess.check([DAPTestEnv.python, "-c", script, vsix])
        return try JSONDecoder().decode(Contents.self, from: r.stdout)
    }

    /// Unpacks the .vsix's extension/ into `dir` as VS Code does (the zip's Unix modes applied);
    /// returns the extension's folder.
    func unpack(_ vsix: String, into dir: String) throws -> String {
        let script = """
        import os, sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        for i in z.infolist():
            if i.filename.startswith('extension/'):
                p = z.extract(i, sys.argv[2])
                os.chmod(p, (i.external_attr >> 16) & 0o7777)
        """
        try Subprocess.check([DAPTestEnv.python, "-c", script, vsix, dir])
        return dir + "/extension"
    }

    func testThePackageHoldsWhatVSCodeReads() throws {
        let dir = try makeTemporaryDirectory("vsix")
        let vsix = try pack(into: dir)
        let c = try contents(of: vsix)
        let pkg = try package()
        let files = ["package.json", "extension.js", "README.md"]
        XCTAssertEqual(c.entries.map(\.name), ["extension.vsixmanifest", "[Content_Types].xml"] + files.map { "extension/" + $0 }
                       + (FileManager.default.fileExists(atPath: DAPTestEnv.packageRoot.path + "/LICENSE") ? ["extension/LICENSE.txt"] : []))
        for file in files {
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: Self.manifestDirectory + "/" + file)[.size] as? Int)
            XCTAssertEqual(c.entries.first { $0.name == "extension/" + file }, .init(name: "extension/" + file, mode: 0o100644, size: size))
        }
        // The manifest names the package.json asset, and its identity is package.json's.
        XCTAssertEqual(c.identity, ["Language": "en-US", "Id": "swrr-debug", "Version": pkg["version"] as? String ?? "?",
                                    "Publisher": "swrr"])
        XCTAssertEqual(c.identity["Version"], "0.1.0")
        XCTAssertEqual(c.displayName, pkg["displayName"] as? String)
        XCTAssertEqual(c.description, pkg["description"] as? String)
        XCTAssertEqual(c.installationTargets, ["Microsoft.VisualStudio.Code"])
        XCTAssertEqual(c.properties["Microsoft.VisualStudio.Code.Engine"], (pkg["engines"] as? [String: String])?["vscode"])
        XCTAssertEqual(c.assets, [.init(type: "Microsoft.VisualStudio.Code.Manifest", path: "extension/package.json"),
                                  .init(type: "Microsoft.VisualStudio.Services.Content.Details", path: "extension/README.md")])
        XCTAssertEqual(c.contentTypes, [".js": "application/javascript", ".json": "application/json", ".md": "text/markdown",
                                        ".vsixmanifest": "text/xml"])
        XCTAssertEqual(c.packageJSON, try String(contentsOfFile: Self.manifestDirectory + "/package.json", encoding: .utf8))
        // Reproducible: packed again, the same bytes.
        let again = try makeTemporaryDirectory("vsix")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: try pack(into: again))), try Data(contentsOf: URL(fileURLWithPath: vsix)))
    }

    /// `make vsix`'s default output name, swrr-<version>.vsix, in VSIX_DIR.
    func testMakeVsixWritesTheVersionedPackage() throws {
        let dir = try makeTemporaryDirectory("vsix")
        let r = try Subprocess.check(["make", "-s", "-C", DAPTestEnv.packageRoot.path, "vsix", "VSIX_DIR=" + dir], timeout: 120)
        XCTAssertEqual(r.stdoutText, "pack-vsix: wrote \(dir)/swrr-0.1.0.vsix (swrr-debug 0.1.0)\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["swrr-0.1.0.vsix"])
    }

    /// What the extension did under node with the stand-in API (drive-extension.js's output).
    struct Run: Decodable {
        struct Registration: Decodable, Equatable { var kind: String; var type: String; var trigger: Int? }
        struct Descriptor: Decodable { var command: String?; var args: [String]?; var isExecutable: Bool?; var thrown: String? }
        var registered: [Registration]
        var subscriptions: Int
        var initialConfigurations: [[String: NodeJSON]]
        var resolvedEmpty: NodeJSON
        var resolvedGiven: NodeJSON
        var substituted: [String: NodeJSON]
        var substitutedWithCwd: [String: NodeJSON]
        var dynamicConfigurations: [[String: NodeJSON]]
        var descriptor: Descriptor
        var errors: [String]
        var errorItems: [[String]]
        var errorsBeforeSession: Int
    }

    /// Activates the unpacked extension under node with PATH, the setting swrr.adapterPath and the
    /// environment given.
    func run(_ extensionFolder: String, path: String, adapterSetting: String? = nil,
             environment: [String: String?] = [:]) throws -> Run {
        let node = try XCTUnwrap(ExecutableSearch.find("node"), "node is not installed")
        var env = environment
        env["PATH"] = path
        env["NODE_PATH"] = Self.standIn
        env["STANDIN_SETTINGS"] = try String(decoding: JSONSerialization.data(withJSONObject: adapterSetting.map { ["swrr.adapterPath": $0] } ?? [:]),
                                             as: UTF8.self)
        let r = try Subprocess.check([node, Self.standIn + "/drive-extension.js", extensionFolder], environment: env)
        return try JSONDecoder().decode(Run.self, from: r.stdout)
    }

    /// An executable script named `name` in `dir`.
    @discardableResult
    func fakeAdapter(_ dir: String, _ name: String = "swrr-dap", mode: Int = 0o755) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/" + name
        try "#!/bin/sh\nexit 0\n".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }

    func requireNode() throws {
        if ExecutableSearch.find("node") == nil {
            throw XCTSkip("node is not installed (looked in PATH): install Node.js (Debian's nodejs package) to run extension.js")
        }
    }

    func testAdapterResolutionSettingThenPathThenBundled() throws {
        try requireNode()
        let dir = try makeTemporaryDirectory("vsix")
        let folder = try unpack(try pack(into: dir), into: dir + "/installed")
        let bundled = folder + "/bin/swrr-dap"
        let onPath = dir + "/path-bin"
        let chosen = try fakeAdapter(dir + "/chosen", "my-swrr-dap")
        let empty = dir + "/empty-bin"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        // Things on PATH that are not the adapter: a directory named swrr-dap, a file without x.
        try FileManager.default.createDirectory(atPath: empty + "/swrr-dap", withIntermediateDirectories: true)
        try fakeAdapter(dir + "/noexec-bin", mode: 0o644)
        let decoys = empty + ":" + dir + "/noexec-bin"

        // Nothing anywhere: the error names all three places, before the session (launch stopped)
        // and when the session would start; no command.
        var r = try run(folder, path: decoys)
        XCTAssertEqual(r.registered, [.init(kind: "factory", type: "swrr"), .init(kind: "provider", type: "swrr", trigger: 1),
                                      .init(kind: "provider", type: "swrr", trigger: 2)])
        XCTAssertEqual(r.subscriptions, 3)
        let missing = "swrr: cannot find swrr-dap. Tried the setting swrr.adapterPath (not set); PATH (\(decoys)); "
            + "\(bundled) (inside the extension). Set swrr.adapterPath to swrr-dap (make build puts it in .build/release/swrr-dap), "
            + "put it on PATH, or install a package built with make vsix WITH_ADAPTER=1."
        XCTAssertEqual(r.resolvedGiven, .string("undefined"), "the launch is stopped")
        XCTAssertEqual(r.errorsBeforeSession, 1)
        XCTAssertEqual(r.errors, [missing, missing])
        XCTAssertEqual(r.errorItems, [["Open Settings"], ["Open Settings"]])
        XCTAssertNil(r.descriptor.command)
        XCTAssertEqual(r.descriptor.thrown, missing)

        // Only the bundled binary.
        try fakeAdapter(folder + "/bin")
        r = try run(folder, path: decoys)
        XCTAssertEqual(r.descriptor.command, bundled)
        XCTAssertEqual(r.descriptor.args, [])
        XCTAssertEqual(r.descriptor.isExecutable, true)
        XCTAssertEqual(r.errors, [])
        XCTAssertEqual(r.resolvedGiven, .object(["type": .string("swrr"), "request": .string("launch"), "name": .string("given"),
                                                 "program": .string("/opt/app/bin/prog")]))

        // PATH before the bundled one (the first directory of PATH that has it).
        try fakeAdapter(onPath)
        r = try run(folder, path: decoys + ":" + onPath)
        XCTAssertEqual(r.descriptor.command, onPath + "/swrr-dap")
        XCTAssertEqual(r.errors, [])

        // The setting before both: a path, or a name looked up in PATH.
        r = try run(folder, path: decoys + ":" + onPath, adapterSetting: chosen)
        XCTAssertEqual(r.descriptor.command, chosen)
        r = try run(folder, path: dir + "/chosen:" + onPath, adapterSetting: "my-swrr-dap")
        XCTAssertEqual(r.descriptor.command, chosen)
        XCTAssertEqual(r.errors, [])

        // A setting that names nothing executable is an error even though PATH has swrr-dap.
        r = try run(folder, path: onPath, adapterSetting: dir + "/noexec-bin/swrr-dap")
        let wrong = "swrr: the setting swrr.adapterPath names \(dir)/noexec-bin/swrr-dap, which is not an executable file. "
            + "Point it at swrr-dap (make build puts it in .build/release/swrr-dap) or clear it to use PATH."
        XCTAssertEqual(r.descriptor.thrown, wrong)
        XCTAssertEqual(r.errors, [wrong, wrong])
    }

    /// make vsix WITH_ADAPTER=1's layout (with the debug swrr-dap here): bin/swrr-dap executable
    /// in the zip, found by the extension with an empty PATH, and it answers.
    func testBundledAdapterIsFoundAndRuns() throws {
        try requireNode()
        let adapter = try XCTUnwrap(DAPTestEnv.executable, "swrr-dap is not built")
        let dir = try makeTemporaryDirectory("vsix")
        let vsix = try pack(into: dir, adapter: adapter)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: adapter)[.size] as? Int)
        XCTAssertEqual(try contents(of: vsix).entries.last, .init(name: "extension/bin/swrr-dap", mode: 0o100755, size: size))
        let folder = try unpack(vsix, into: dir + "/installed")
        let empty = dir + "/empty-bin"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let r = try run(folder, path: empty)
        XCTAssertEqual(r.descriptor.command, folder + "/bin/swrr-dap")
        XCTAssertEqual(r.errors, [])
        let help = try Subprocess.run([folder + "/bin/swrr-dap", "--help"])
        XCTAssertEqual(help.status, 0, "\(help)")
        XCTAssertTrue(help.stdoutText.contains("SWRR_TRACE_DIR"), help.stdoutText)
    }

    func testInitialConfigurationsHonourTheTraceDirectory() throws {
        try requireNode()
        let dir = try makeTemporaryDirectory("vsix")
        let folder = try unpack(try pack(into: dir), into: dir + "/installed")
        try fakeAdapter(dir + "/bin")
        let home = dir + "/home", traces = dir + "/traces"
        func recording(_ r: Run) -> String? {
            guard case .string(let s)? = r.initialConfigurations.first(where: { $0["name"] == .string("Debug a recording") })?["trace"] else { return nil }
            return s
        }
        // $SWRR_TRACE_DIR first; unset or empty: ~/.local/share/swrr (as swrr record, TraceStore.root).
        var r = try run(folder, path: dir + "/bin", environment: ["SWRR_TRACE_DIR": traces, "HOME": home])
        XCTAssertEqual(recording(r), traces + "/latest-trace")
        r = try run(folder, path: dir + "/bin", environment: ["SWRR_TRACE_DIR": nil, "HOME": home])
        XCTAssertEqual(recording(r), home + "/.local/share/swrr/latest-trace")
        r = try run(folder, path: dir + "/bin", environment: ["SWRR_TRACE_DIR": "", "HOME": home])
        XCTAssertEqual(recording(r), home + "/.local/share/swrr/latest-trace")
        XCTAssertEqual(r.initialConfigurations.first, [
            "type": .string("swrr"), "request": .string("launch"), "name": .string("Record and debug"),
            "program": .string("${fileDirname}/${fileBasenameNoExtension}"), "args": .array([]),
            "cwd": .string("${fileDirname}"), "stopOnEntry": .bool(false),
        ])
        // Only attributes swrr-dap accepts (plus type, request, name).
        let allowed = Set(LaunchConfiguration.attributes.map(\.name)).union(["type", "request", "name"])
        for config in r.initialConfigurations { XCTAssertTrue(Set(config.keys).isSubset(of: allowed), "\(config.keys)") }
        XCTAssertEqual(r.initialConfigurations.count, 2)
        // A program given without cwd runs in its own directory; a given cwd is kept.
        XCTAssertEqual(r.substituted["cwd"], .string("/opt/app/bin"))
        XCTAssertEqual(r.substitutedWithCwd["cwd"], .string("/srv"))

        // F5 without launch.json: nothing to debug opens launch.json (null), no dynamic entry.
        XCTAssertEqual(r.resolvedEmpty, .null)
        XCTAssertEqual(r.dynamicConfigurations.count, 0)
        // With a latest recording: that recording, and the dropdown offers it.
        try FileManager.default.createDirectory(atPath: traces + "/prog-0", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: traces + "/latest-trace", withDestinationPath: "prog-0")
        r = try run(folder, path: dir + "/bin", environment: ["SWRR_TRACE_DIR": traces])
        XCTAssertEqual(r.resolvedEmpty, .object(["type": .string("swrr"), "request": .string("launch"),
                                                 "name": .string("Debug the latest recording"), "trace": .string(traces + "/latest-trace")]))
        XCTAssertEqual(r.dynamicConfigurations, [["type": .string("swrr"), "request": .string("launch"),
                                                  "name": .string("swrr: debug the latest recording"), "trace": .string(traces + "/latest-trace")]])
        // The active file's executable beside it comes first.
        try fakeAdapter(dir + "/src", "prog")
        r = try run(folder, path: dir + "/bin", environment: ["SWRR_TRACE_DIR": traces, "STANDIN_ACTIVE_FILE": dir + "/src/prog.c"])
        XCTAssertEqual(r.resolvedEmpty, .object(["type": .string("swrr"), "request": .string("launch"), "name": .string("Record and debug"),
                                                 "program": .string(dir + "/src/prog"), "args": .array([]), "cwd": .string(dir + "/src"),
                                                 "stopOnEntry": .bool(false)]))
    }
}

/// A JSON value as node printed it, compared exactly (SwrrDAP.JSONValue decodes only through
/// the adapter's ArgumentDecoder).
enum NodeJSON: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([NodeJSON]), object([String: NodeJSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([NodeJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: NodeJSON].self)) }
    }
}
