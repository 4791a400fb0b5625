// Rust (issue 12): a program with threads compiled with rustc at test time, and `rustc --version`
// and `cargo --version` through rustup's proxies (~/.cargo/bin) where rustup is installed: each
// proxy starts threads, then execs the toolchain's real program.
import Foundation
import SwrrTestSupport
import XCTest

final class RustRuntimeTests: XCTestCase {
    static let missing = "install Rust with rustup (its proxies go to ~/.cargo/bin), "
        + "or Debian's rustc and cargo packages"

    func testThreads() throws {
        let rustc = try Tool.find("rustc", in: [Tool.rustupBin], missing: Self.missing)
        let dir = try makeTemporaryDirectory("rust")
        let exe = dir + "/threads"
        // One codegen unit and the source directory remapped: the same binary from every build.
        try RuntimeProgram.compile([rustc.path, "--edition", "2021", "-C", "opt-level=1", "-C", "debuginfo=1",
                                    "-C", "codegen-units=1", "--remap-path-prefix", RuntimeProgram.directory + "=.",
                                    "-o", exe, RuntimeProgram.source("threads.rs")], directory: dir)
        let recording = try assertRuntimeRoundTrip([exe], label: "rust threads", directory: dir)
        assertContains(recording.result.stdoutText, ["total: 29999942 order: [", "elapsed: true\n"])
    }

    func testRustcVersion() throws {
        let rustc = try Tool.find("rustc", in: [Tool.rustupBin], missing: Self.missing)
        let recording = try assertRuntimeRoundTrip([rustc.path, "--version"], label: "rustc --version (\(rustc.path))")
        assertContains(recording.result.stdoutText, ["rustc "])
    }

    func testCargoVersion() throws {
        let cargo = try Tool.find("cargo", in: [Tool.rustupBin], missing: Self.missing)
        let recording = try assertRuntimeRoundTrip([cargo.path, "--version"], label: "cargo --version (\(cargo.path))")
        assertContains(recording.result.stdoutText, ["cargo "])
    }
}
