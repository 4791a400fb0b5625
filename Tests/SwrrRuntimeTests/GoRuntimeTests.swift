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
}
