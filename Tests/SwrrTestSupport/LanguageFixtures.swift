// The Rust, Go and Swift programs of Tests/Fixtures/languages, compiled at test time (once per
// test process) by the toolchains found on this machine, for the tests that debug them. A
// missing toolchain fails the test, naming what to install: these tests exist for those
// languages, and skipping them would hide a regression.
import Foundation

public enum LanguageFixtures {
    public static let directory = FixtureCompiler.fixtures + "/languages"

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// `name` in the first of `directories`, then on PATH.
    static func tool(_ name: String, in directories: [String], install: String) throws -> String {
        if let path = ExecutableSearch.find(name, in: directories) { return path }
        throw Problem(description: "\(name) is not installed (looked in \((directories + ["PATH"]).joined(separator: ", "))): \(install)")
    }

    /// rustup's proxies (~/.cargo/bin, or $CARGO_HOME/bin).
    static let rustupBin = (ProcessInfo.processInfo.environment["CARGO_HOME"]
        ?? (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/.cargo") + "/bin"

    /// points.rs built with `rustc -g`: symbols in stable rustc's default (legacy) mangling, or
    /// in v0 (`-C symbol-mangling-version=v0`, stable; asking for legacy needs -Z).
    public static func rust(v0: Bool = false) throws -> String {
        let rustc = try tool("rustc", in: [rustupBin], install: "install Rust with rustup (its proxies go to ~/.cargo/bin), or Debian's rustc package")
        return try FixtureCompiler.compile(directory + "/points.rs", compiler: rustc,
                                           flags: ["-g"] + (v0 ? ["-C", "symbol-mangling-version=v0"] : []), name: "points")
    }

    /// points.swift built with `swiftc -g -Onone`.
    public static func swift() throws -> String {
        let swiftc = try tool("swiftc", in: [], install: "install a Swift toolchain from swift.org and put its usr/bin on PATH")
        return try FixtureCompiler.compile(directory + "/points.swift", compiler: swiftc, flags: ["-g", "-Onone"], name: "points")
    }

    /// points.go built with `go build -gcflags='all=-N -l'` (no optimisation, no inlining, as
    /// Delve asks), with a private build cache, no module lookups and no cgo.
    public static func go() throws -> String { try goBuild.get() }

    private static let goBuild = Result<String, Error> {
        let go = try tool("go", in: ["/usr/lib/go/bin"], install: "`make deps` installs Debian's golang-go")
        let dir = try TestDirectory.makeUnique(prefix: "points-go")
        let exe = dir + "/points"
        try Subprocess.check([go, "build", "-gcflags=all=-N -l", "-o", exe, directory + "/points.go"],
                             environment: ["GOCACHE": dir + "/gocache", "GOPATH": dir + "/gopath", "GO111MODULE": "off",
                                           "GOFLAGS": nil, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local"],
                             directory: dir, mergingStderr: true, timeout: 300)
        return exe
    }

    /// The line of `source` (a file of this directory) tagged `MARK:name`.
    public static func line(_ name: String, in source: String) throws -> Int {
        let text = try String(contentsOfFile: directory + "/" + source, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        guard let i = lines.firstIndex(where: { $0.hasSuffix("MARK:" + name) }) else {
            throw Problem(description: "no line tagged MARK:\(name) in \(source)")
        }
        return i + 1
    }
}
