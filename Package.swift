// swift-tools-version:6.0
// swrr: record-and-replay debugging for Linux x86-64. Layers (bottom to top), each importing
// only the ones below it; see docs/ARCHITECTURE.md and DESIGN.md §3.
import PackageDescription

let package = Package(
    name: "swrr",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "swrr", targets: ["swrr"]),
        .executable(name: "swrr-dap", targets: ["swrr-dap"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The preload library (Sources/SwrrPreload, C only: it runs inside recorded programs) is
        // built by this plugin with the C compiler, not as a target: no Swift module may link it
        // (its read/write/... would replace libc's in swrr itself), and a SwiftPM product would
        // load the Swift runtime into every recorded program.
        .plugin(name: "BuildPreloadLibrary", capability: .buildTool()),
        // C shim: ptrace (variadic in glibc), process_vm_*, spawn, rdtsc/cpuid, kernel struct layouts.
        .target(name: "CSwrrShim"),
        // System libraries through pkg-config.
        .systemLibrary(name: "CLibDW", pkgConfig: "libdw",
                       providers: [.apt(["libdw-dev", "libelf-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // zlib's crc32 (trace checksums: ~50x the Swift loop's speed in debug builds).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Knowledge tables: syscalls, ioctls, signals, errno (data that record and replay both read).
        .target(name: "SwrrKernel"),
        // Tracee control: one traced task (registers, memory, stops, injected syscalls).
        .target(name: "SwrrTracee", dependencies: ["CSwrrShim", "SwrrKernel"]),
        // On-disk trace format.
        .target(name: "SwrrTrace", dependencies: ["CSwrrShim", "CZstd", "CZlib", "SwrrTracee"]),
        // Recording.
        .target(name: "SwrrRecord", dependencies: ["CSwrrShim", "SwrrKernel", "SwrrTracee", "SwrrTrace"],
                plugins: ["BuildPreloadLibrary"]),
        // Replay.
        .target(name: "SwrrReplay", dependencies: ["CSwrrShim", "SwrrKernel", "SwrrTracee", "SwrrTrace"]),
        // Debug info (ELF, DWARF) on libdw.
        .target(name: "SwrrDebugInfo", dependencies: ["CLibDW", "SwrrTracee"]),
        // The gdb remote-serial-protocol server over a replay.
        .target(name: "SwrrGDB", dependencies: ["SwrrDebugger", "SwrrReplay", "SwrrTracee"]),

        // The debugger core: run control both ways, breakpoints and their conditions, goto, over a
        // replay in source terms; no protocol (front ends map their requests to it).
        .target(name: "SwrrDebugger", dependencies: ["SwrrDebugInfo", "SwrrKernel", "SwrrReplay", "SwrrTrace", "SwrrTracee"]),

        .executableTarget(name: "swrr", dependencies: [
            "SwrrKernel", "SwrrTracee", "SwrrTrace", "SwrrRecord", "SwrrReplay", "SwrrGDB",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The Debug Adapter Protocol server (swrr-dap) over recording and replay.
        .target(name: "SwrrDAP", dependencies: ["SwrrDebugger", "SwrrDebugInfo", "SwrrKernel", "SwrrRecord", "SwrrReplay", "SwrrTrace", "SwrrTracee"]),

        .executableTarget(name: "swrr-dap", dependencies: ["SwrrDAP", "SwrrRecord", "SwrrTracee"]),

        // End-to-end tests: compile C fixtures, record and replay them for real.
        .testTarget(name: "SwrrTests",
                    dependencies: ["CSwrrShim", "SwrrKernel", "SwrrTracee", "SwrrTrace", "SwrrReplay", "SwrrTestSupport"]),
        .testTarget(name: "SwrrKernelTests", dependencies: ["SwrrKernel", "SwrrTracee", "SwrrTestSupport"]),
        .testTarget(name: "SwrrTraceTests", dependencies: ["SwrrTrace", "SwrrTracee", "SwrrTestSupport"]),
        // What the test targets share: temporary directories, running children (Subprocess), the
        // C fixture compiler, finding tools, the swrr executable and the record/replay assertions,
        // rewritten traces.
        .target(name: "SwrrTestSupport", dependencies: ["CSwrrShim", "SwrrTrace"], path: "Tests/SwrrTestSupport"),
        // The recorder's scheduler alone: its decisions on a fake clock and hand-set task states.
        .testTarget(name: "SwrrRecordTests", dependencies: ["SwrrRecord", "SwrrKernel", "SwrrTracee"]),
        // The gdb server's packet layer alone (framing, checksums, escapes, checked fields, agent
        // expressions evaluated on hand-made Registers and memory).
        .testTarget(name: "SwrrGDBPacketTests", dependencies: ["SwrrGDB", "SwrrTracee"]),
        // The replay debugger (ReplayDebugger: reverse execution, checkpoints, the hit ledger,
        // interrupts) on recorded fixtures, and replay positions and the hit ledger alone.
        .testTarget(name: "SwrrReplayTests", dependencies: ["SwrrReplay", "SwrrTracee", "SwrrTestSupport"]),
        // The gdb server, through the swrr executable, with real gdb (and raw packets).
        .testTarget(name: "SwrrGDBTests", dependencies: ["SwrrGDB", "SwrrTestSupport"]),
        .testTarget(name: "SwrrDAPTests", dependencies: ["SwrrDAP", "SwrrTestSupport"]),
        // The debugger core driven directly on real recordings (no protocol).
        .testTarget(name: "SwrrDebuggerTests", dependencies: ["SwrrDebugger", "SwrrDebugInfo", "SwrrReplay", "SwrrTracee", "SwrrTestSupport"]),
        .testTarget(name: "SwrrDebugInfoTests", dependencies: ["SwrrDebugInfo", "SwrrTracee", "CSwrrShim", "SwrrTestSupport"]),
        // Real runtimes and toolchains (Go, the JVM, Node.js, Swift, Rust, CPython; programs in
        // Tests/Runtimes) recorded and replayed three times each through the swrr executable.
        .testTarget(name: "SwrrRuntimeTests", dependencies: ["SwrrTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)

// libFuzzer harnesses (Fuzz/, run by `make fuzz`; docs/FUZZING.md), declared only when SWRR_FUZZ=1
// so the default build and test are unchanged. `make fuzz` builds them with
// `-Xswiftc -sanitize=fuzzer`, which instruments every module for coverage and links libFuzzer.
if Context.environment["SWRR_FUZZ"] == "1" {
    let harness = { (name: String, path: String, modules: [Target.Dependency]) -> Target in
        .executableTarget(name: name, dependencies: ["FuzzSupport"] + modules, path: path,
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
    package.targets += [
        .target(name: "FuzzSupport", path: "Fuzz/Support"),
        harness("FuzzDAP", "Fuzz/dap", ["SwrrDAP"]),
        harness("FuzzGDB", "Fuzz/gdb", ["SwrrGDB", "SwrrRecord", "SwrrReplay"]),
        harness("FuzzTrace", "Fuzz/trace", ["SwrrTrace"]),
    ]
}
