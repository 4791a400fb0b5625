// Go (issue 12): a program with goroutines, channels and a mutex, printing time.Now() and
// math/rand values, built with `go build` at test time. The Go runtime starts several threads
// (sysmon, GC workers, one per P), keeps CPUID results in registers and reads the time through
// the vDSO.
import Foundation
import SwrrTestSupport
import XCTest

final class GoRuntimeTests: XCTestCase {
    func testGoroutinesChannelsAndMutex() throws {
        let go = try Tool.find("go", in: ["/usr/lib/go/bin"],
                               missing: "`make deps` installs Debian's golang-go")
        let dir = try makeTemporaryDirectory("go")
        // A private build cache and GOPATH (nothing read from or left in the user's), no module
        // or VCS lookups, no cgo (a static binary that needs no C toolchain), paths trimmed.
        let environment: [String: String?] = [
            "GOCACHE": dir + "/gocache", "GOPATH": dir + "/gopath", "GO111MODULE": "off",
            "GOFLAGS": nil, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local",
        ]
        let exe = dir + "/goroutines"
        try RuntimeProgram.compile([go.path, "build", "-trimpath", "-o", exe, RuntimeProgram.source("goroutines.go")],
                                   environment: environment, directory: dir)
        let recording = try assertRuntimeRoundTrip([exe], label: "go goroutines", directory: dir)
        assertContains(recording.result.stdoutText, ["jobs: 64 total: 6047937\n", "elapsed: true pid: true\n"])
    }

    /// `go build` with an empty build cache, then the program it built (go_hash.go: eight
    /// goroutines hashing), in one recording: the built program (static, exec'd by bash) is
    /// preempted at positions while computing. Before, 2 of 3 replays failed there: the search
    /// read the syscall buffers of the go tool's threads, another process's ("cannot read 64
    /// bytes"), and, that mended, 4 of 15 recordings diverged at such a position (the replay's
    /// initial stack of the exec'd program left words below the recorded one). A warm cache
    /// (no compile) did not fail. Measured with this program: 4 of 4 recordings (2-3 positions
    /// in each) failed so, then diverged with the first fix alone. Three recordings, each
    /// replayed identically.
    func testGoBuildThenTheBuiltProgram() throws {
        let go = try Tool.find("go", in: ["/usr/lib/go/bin"],
                               missing: "`make deps` installs Debian's golang-go")
        let dir = try makeTemporaryDirectory("go")
        try FileManager.default.copyItem(atPath: RuntimeProgram.source("go_hash.go"), toPath: dir + "/go_hash.go")
        // Default build flags: the standard library comes precompiled with the toolchain (with
        // -trimpath or CGO_ENABLED=0 the go tool rebuilds it: a 2-minute recording).
        let environment: [String: String?] = [
            "GOCACHE": dir + "/gocache", "GOPATH": dir + "/gopath", "GO111MODULE": "off",
            "GOFLAGS": nil, "GOTOOLCHAIN": "local", "GO": go.path,
        ]
        // The cache emptied by each recording itself: the compile is what made it fail.
        let script = "rm -rf \"$GOCACHE\" && \"$GO\" build -o m go_hash.go && ./m"
        let recording = try assertRuntimeRoundTrip(["/bin/bash", "-c", script], label: "go build, then the program",
                                                   environment: environment, directory: dir)
        XCTAssertEqual(recording.result.stdoutText, "[11 44 251 130 234 114 208 155]\n")
    }
}
