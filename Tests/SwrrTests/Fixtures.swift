// The C fixture programs of Tests/Fixtures, compiled at test time with gcc in four variants
// (SwrrTestSupport's FixtureCompiler, which keeps them for the life of the test process).
import Foundation
import SwrrTestSupport
import XCTest

/// How a fixture is compiled.
enum Variant: String, CaseIterable {
    case o0Dynamic = "O0-dynamic"
    case o2Dynamic = "O2-dynamic"
    case o0Static = "O0-static"
    case o2Static = "O2-static"

    var gccFlags: [String] {
        switch self {
        case .o0Dynamic: return ["-g", "-O0"]
        case .o2Dynamic: return ["-g", "-O2"]
        case .o0Static: return ["-g", "-O0", "-static"]
        case .o2Static: return ["-g", "-O2", "-static"]
        }
    }
}

enum Fixture: String {
    case nondeterminism
    case syscallFamilies = "syscall_families"
    case mmapFiles = "mmap_files"
    case compute
    case syscallLoop = "syscall_loop"
    case exitCodes = "exit_codes"
    case segv
    case signals
    case unsupported
    // processes, threads and signals (issue 3)
    case processes
    case threads
    case signalDelivery = "signal_delivery"
    case busyAlarm = "busy_alarm"
    case digestAlarm = "digest_alarm"
    // syscall buffering (issue 7)
    case bufferedIO = "buffered_io"
    case bufferedCalls = "buffered_calls"
    case bufferedSignals = "buffered_signals"
    case bufferedThreads = "buffered_threads"
    case bufferedServerCalls = "buffered_server_calls"
    case bufferedSpawn = "buffered_spawn"
    case bufferedHostile = "buffered_hostile"
    case stdioFiles = "stdio_files"
    // exec in multi-threaded processes, threads ending under the recorder (issue 12)
    case execThreads = "exec_threads"
    case threadExits = "thread_exits"
    // the CPU and the syscalls runtimes make (issue 12)
    case runtimeSyscalls = "runtime_syscalls"
    // the visible vDSO (issue 12)
    case vdso
    // swrr record told to stop (issue 13)
    case stopWait = "stop_wait"
    // the long tail of syscalls (issue 14)
    case tailSyscalls = "tail_syscalls"
    case tailIoctls = "tail_ioctls"
    case sparseMap = "sparse_map"
    case mappedFileChanges = "mapped_file_changes"
    case memfdExec = "memfd_exec"
    // the long tail of signals and process attributes (issue 14)
    case signalDeaths = "signal_deaths"
    case processAttributes = "process_attributes"
    case jobControl = "job_control"
    case asyncIOSignals = "async_io_signals"
    // namespaces (issue 14)
    case namespaces
    // seccomp filters installed by the program (issue 14)
    case seccompFilters = "seccomp_filters"
    // the program's own ptrace, emulated (issue 14)
    case programPtrace = "program_ptrace"
    // writes into another task's memory through /proc/PID/mem, as debuggers make them
    case procMem = "proc_mem"
    // rt_sigaction sets replay holds back until a disposition matters (issue 18)
    case heldSignalActions = "held_signal_actions"
    // a program run by valgrind, recorded with the valgrind
    case underValgrind = "under_valgrind"
    // sanitizer programs and the untraced clone of LeakSanitizer's StopTheWorld
    case asanOverflow = "asan_overflow"
    case cloneUntraced = "clone_untraced"

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    var source: URL {
        Fixture.packageRoot.appendingPathComponent("Tests/Fixtures/\(rawValue).c")
    }

    /// The fixture compiled as `variant` (compiled once per test process).
    func executable(_ variant: Variant = .o0Dynamic) throws -> String {
        try Fixture.compile(source: source, name: rawValue, variant: variant)
    }

    /// `source` compiled as `variant` into an executable named NAME-VARIANT (once per test process).
    static func compile(source: URL, name: String, variant: Variant) throws -> String {
        try FixtureCompiler.compile(source.path, flags: variant.gccFlags + ["-Wall"], name: "\(name)-\(variant.rawValue)")
    }
}

/// The lines of `text` that start with `prefix`.
func lines(startingWith prefix: String, in text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
}
