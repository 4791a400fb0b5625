// Running programs from the tests: each child runs in its own process group with stdin from
// /dev/null and stdout/stderr going to files (no pipe can fill up and block it), under a time
// limit after which the whole group is killed. After a child ends, any process it left behind
// (still in its process group, or orphaned and handed to this process, which is a child
// subreaper) is reported in `RunResult.leftovers` and then killed, so one failing test cannot
// leave tracees running for the next. Processes that were already this process's children when
// the child started (a server a test runs in the background while it runs a client) are not its
// leftovers. Every test target runs programs through here (SwrrTestSupport, one runner).
import CSwrrShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child ended and what it printed.
public struct RunResult: CustomStringConvertible {
    public var command: [String]
    /// The exit code, or 128+N when the child died of signal N (what a shell shows).
    public var status: Int32
    /// The signal that killed the child itself, if one did.
    public var signal: Int32?
    public var stdout: Data
    public var stderr: Data
    public var timedOut: Bool
    /// Processes (pid and name) still running after the child ended.
    public var leftovers: [String]
    public var seconds: Double

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    public var stderrLines: [String] { stderrText.split(separator: "\n").map(String.init) }

    public var description: String {
        var s = "`\(command.joined(separator: " "))` -> status \(status)"
        if let signal { s += " (killed by signal \(signal))" }
        if timedOut { s += " TIMED OUT" }
        if !leftovers.isEmpty { s += " leftovers: \(leftovers)" }
        s += String(format: " in %.2fs", seconds)
        let err = stderrText
        if !err.isEmpty { s += "\n--- stderr (last 2000 bytes) ---\n" + String(err.suffix(2000)) }
        return s
    }
}

public enum Subprocess {
    /// The limit for every child of the tests.
    public static let defaultTimeout: TimeInterval = 60

    /// Makes this process the reaper of orphaned descendants, so a tracee whose swrr died is
    /// reparented here (where the tests can see and reap it) rather than to init.
    private static let becomeSubreaper: Void = {
        let PR_SET_CHILD_SUBREAPER = 36
        let SYS_prctl = 157
        _ = swrr_syscall6(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 0)
    }()

    /// Runs `argv` to completion (or until `timeout`), in `directory` if given. With
    /// `mergingStderr` the child's stderr goes to its stdout (`RunResult.stdout` holds both, in
    /// the order written: what a tool's transcript, gdb's or a compiler's, is read as).
    public static func run(_ argv: [String], environment: [String: String?] = [:], stdin: String = "/dev/null",
                           directory: String? = nil, mergingStderr: Bool = false,
                           timeout: TimeInterval = defaultTimeout) throws -> RunResult {
        // posix_spawn_file_actions_addchdir_np is not visible from Swift: let env(1) change directory.
        let command = directory.map { ["/usr/bin/env", "-C", $0] + argv } ?? argv
        var r = try Child(command, environment: environment, stdin: stdin, mergingStderr: mergingStderr)
            .wait(timeout: timeout)
        r.command = argv
        return r
    }

    /// A child that did not end by itself with status 0.
    public struct Failure: Error, CustomStringConvertible {
        public var result: RunResult
        public var description: String { "failed: \(result)\n--- stdout (last 2000 bytes) ---\n\(result.stdoutText.suffix(2000))" }
    }

    /// `run`, throwing `Failure` unless the child ended by itself with status 0 (a compiler, a
    /// binary tool whose output the test needs).
    @discardableResult
    public static func check(_ argv: [String], environment: [String: String?] = [:], directory: String? = nil,
                             mergingStderr: Bool = false, timeout: TimeInterval = defaultTimeout) throws -> RunResult {
        let r = try run(argv, environment: environment, directory: directory, mergingStderr: mergingStderr,
                        timeout: timeout)
        guard r.status == 0, !r.timedOut else { throw Failure(result: r) }
        return r
    }

    /// The environment of this process with `changes` applied (nil removes a variable).
    public static func environment(_ changes: [String: String?]) -> [String] {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in changes { env[k] = v }
        return env.map { "\($0.key)=\($0.value)" }.sorted()
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// A running child.
    public final class Child {
        public let pid: pid_t
        public let command: [String]
        private let outputDir: String
        private let started = Date()
        private var finished: RunResult?
        /// This process's children when the child started: not the child's leftovers.
        private let earlierChildren: Set<pid_t>

        public init(_ argv: [String], environment: [String: String?] = [:], stdin: String = "/dev/null",
                    mergingStderr: Bool = false) throws {
            _ = Subprocess.becomeSubreaper
            command = argv
            earlierChildren = Set(Subprocess.children().map(\.pid))
            outputDir = try TestDirectory.makeUnique(prefix: "run")
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, outputDir + "/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if mergingStderr {
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            } else {
                posix_spawn_file_actions_addopen(&actions, 2, outputDir + "/stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }

            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            posix_spawnattr_setpgroup(&attributes, 0)
            var noSignals = sigset_t()
            sigemptyset(&noSignals)
            posix_spawnattr_setsigmask(&attributes, &noSignals)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for s in [SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU] {
                sigaddset(&defaults, s)
            }
            posix_spawnattr_setsigdefault(&attributes, &defaults)

            let cArgs = argv.map { strdup($0) } + [nil]
            let cEnv = Subprocess.environment(environment).map { strdup($0) } + [nil]
            defer {
                cArgs.forEach { free($0) }
                cEnv.forEach { free($0) }
            }
            var child: pid_t = 0
            let rc = posix_spawnp(&child, argv[0], &actions, &attributes, cArgs, cEnv)
            guard rc == 0 else {
                try? FileManager.default.removeItem(atPath: outputDir)
                throw SpawnError(description: "cannot start \(argv[0]): \(String(cString: strerror(rc)))")
            }
            pid = child
        }

        /// What the child has written to stdout so far.
        public var stdoutSoFar: Data {
            (try? Data(contentsOf: URL(fileURLWithPath: outputDir + "/stdout"))) ?? Data()
        }

        /// What the child has written to stderr so far.
        public var stderrSoFar: Data {
            (try? Data(contentsOf: URL(fileURLWithPath: outputDir + "/stderr"))) ?? Data()
        }

        /// True until the child has ended (a zombie not yet waited for has ended; it is left for
        /// `wait` to collect its status).
        public var isRunning: Bool {
            guard finished == nil, let info = Subprocess.processInfo(pid) else { return false }
            return info.state != "Z"
        }

        public func kill(_ signal: Int32) {
            if finished == nil { _ = Glibc.kill(pid, signal) }
        }

        /// Waits for the child to end; after `timeout` kills its process group.
        public func wait(timeout: TimeInterval = Subprocess.defaultTimeout) -> RunResult {
            if let finished { return finished }
            let deadline = Date().addingTimeInterval(timeout)
            var status: Int32 = 0
            var timedOut = false
            var pause: UInt32 = 500
            while true {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { break }
                if r == -1 && errno != EINTR { status = 0x7f00; break }
                if Date() > deadline {
                    timedOut = true
                    _ = Glibc.kill(-pid, SIGKILL)
                    _ = Glibc.kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                    break
                }
                usleep(pause)
                pause = min(pause * 2, 20_000)
            }
            let seconds = Date().timeIntervalSince(started)
            let termsig = status & 0x7f
            let leftovers = Subprocess.collectLeftovers(processGroup: pid, excluding: earlierChildren)
            let result = RunResult(
                command: command,
                status: termsig == 0 ? (status >> 8) & 0xff : 128 + termsig,
                signal: termsig == 0 ? nil : termsig,
                stdout: (try? Data(contentsOf: URL(fileURLWithPath: outputDir + "/stdout"))) ?? Data(),
                stderr: (try? Data(contentsOf: URL(fileURLWithPath: outputDir + "/stderr"))) ?? Data(),
                timedOut: timedOut, leftovers: leftovers, seconds: seconds)
            try? FileManager.default.removeItem(atPath: outputDir)
            finished = result
            return result
        }

        deinit {
            if finished == nil { _ = Glibc.kill(-pid, SIGKILL); _ = wait(timeout: 5) }
        }
    }

    /// One process as /proc/PID/stat describes it.
    public struct ProcessInfoLine {
        public var pid: pid_t
        public var name: String
        public var state: Character
        public var ppid: pid_t
        public var pgrp: pid_t
    }

    public static func processInfo(_ pid: pid_t) -> ProcessInfoLine? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        let name = String(text[text.index(after: open)..<close])
        let rest = text[text.index(close, offsetBy: 2)...].split(separator: " ")
        guard rest.count > 3, let state = rest[0].first, let ppid = pid_t(rest[1]), let pgrp = pid_t(rest[2]) else {
            return nil
        }
        return ProcessInfoLine(pid: pid, name: name, state: state, ppid: ppid, pgrp: pgrp)
    }

    /// True while `pid` exists and is not a zombie (reaping it if it is an orphan handed to us).
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard let info = processInfo(pid) else { return false }
        if info.state == "Z" {
            if info.ppid == getpid() { var s: Int32 = 0; _ = waitpid(pid, &s, WNOHANG) }
            return false
        }
        return true
    }

    private static func processes() -> [ProcessInfoLine] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.compactMap { processInfo($0) }
    }

    /// The children of `parent` (default: this process's own and the orphans handed to it).
    public static func children(of parent: pid_t = getpid()) -> [ProcessInfoLine] {
        processes().filter { $0.ppid == parent }
    }

    private static func descendantsAndGroup(_ group: pid_t, excluding earlier: Set<pid_t>) -> [ProcessInfoLine] {
        let me = getpid()
        return processes().filter {
            $0.pid != me && !earlier.contains($0.pid) && ($0.pgrp == group || $0.ppid == me)
        }
    }

    /// Processes left behind by a finished child: reaps zombies handed to us, waits up to two
    /// seconds for the rest to go away by themselves, then kills whatever is still there and
    /// returns their descriptions.
    public static func collectLeftovers(processGroup group: pid_t, excluding earlier: Set<pid_t> = []) -> [String] {
        let deadline = Date().addingTimeInterval(2)
        var running: [ProcessInfoLine] = []
        repeat {
            running = descendantsAndGroup(group, excluding: earlier).filter { isRunning($0.pid) }
            if running.isEmpty { return [] }
            usleep(20_000)
        } while Date() < deadline
        for p in running { _ = Glibc.kill(p.pid, SIGKILL) }
        usleep(50_000)
        for p in running where p.ppid == getpid() { var s: Int32 = 0; _ = waitpid(p.pid, &s, WNOHANG) }
        return running.map { "\($0.pid) \($0.name) state \($0.state)" }
    }
}
