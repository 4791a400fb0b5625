// One replay, one timeline for a process tree: the parent session's swrr-dap serves its child
// sessions over a Unix socket, with the same handlers, each session showing its own process of
// the one replay.
//
// DAP's `startDebugging` asks the client to start a session; the client starts a new adapter
// for it (VS Code: from the same adapter descriptor, so another swrr-dap process on stdio; no
// VS Code runs here, ProcessTreeTests starts the adapters as it does). That adapter cannot replay on its own without a second timeline, so the child configuration carries
// `__swrrParent`, the path of this socket: the child swrr-dap answers `initialize` itself, and at
// `launch` becomes a byte proxy to the parent (ChildProxy.swift), which serves the session with
// an `Adapter` of its own on the connection (initialize again, the response dropped by the
// proxy: both numbered 1, so the session's sequence numbers run on).
//
// Threads: one per child connection runs its `Adapter.run`; every adapter of the tree (the
// parent's loop too) handles a request, advances a run and reports a stop holding `lock`, so
// the one core is used by one session at a time, as in a single session. Blocking reads happen
// without it. A run started by any session puts the others in `running` (with `continued`);
// its stop is reported to every session (Adapter.report: the session of the stopped thread's
// process gets the stop as it is, the others reason "pause", their own thread, saying where the
// stop was).
//
// The socket lives in a directory made by mkdtemp (mode 0700: only this user can connect) in
// $XDG_RUNTIME_DIR or /tmp, removed when the parent session ends, which also closes every child
// connection (their proxies then exit); a parent killed first leaves it to the next one to remove
// (OwnedScratchDirectory).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrDebugger
import SwrrTrace

final class ProcessTree {
    /// Held by every adapter of the tree while it uses the core (recursive: a stop reported to
    /// every session is reported from within the session that ran).
    let lock = NSRecursiveLock()
    let target: DebuggerTarget
    let socketPath: String
    private let directory: String
    private let listener: Int32
    /// The processes a child may show (RecordedProcesses.list).
    let processes: [Int32]
    /// The parent session's adapter, then one per child connection.
    private(set) var adapters: [Adapter] = []
    private var connections: [Int32] = []
    private var closed = false

    /// Starts listening; `owner` is the parent session's adapter.
    init(owner: Adapter, target: DebuggerTarget, processes: [Int32]) throws {
        self.target = target
        self.processes = processes
        let env = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"] ?? ""
        // sun_path holds 108 bytes: a long runtime directory falls back to /tmp.
        let base = !env.isEmpty && env.utf8.count < 60 && access(env, W_OK) == 0 ? env : "/tmp"
        guard let dir = OwnedScratchDirectory.make(prefix: "swrr-dap", in: base) else {
            throw RequestError("cannot make a directory for the process tree's socket in \(base): \(String(cString: strerror(errno)))")
        }
        directory = dir
        socketPath = directory + "/tree"
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0, Self.withAddress(socketPath, { bind(listener, $0, $1) }) == 0, listen(listener, 16) == 0 else {
            let why = String(cString: strerror(errno))
            if listener >= 0 { close(listener) }
            rmdir(directory)
            throw RequestError("cannot listen on \(socketPath): \(why)")
        }
        adapters = [owner]
        let thread = Thread { [weak self] in self?.acceptLoop() }
        thread.name = "swrr-dap-tree"
        thread.start()
    }

    /// Calls `body` with `path` as a sockaddr_un.
    static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { errno = ENAMETOOLONG; return -1 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            if fd < 0 {
                if errno == EINTR { continue }
                return   // closed
            }
            lock.lock()
            if closed { lock.unlock(); close(fd); return }
            let adapter = Adapter(input: fd, output: fd)
            adapter.tree = self
            adapters.append(adapter)
            connections.append(fd)
            lock.unlock()
            let thread = Thread { [weak self] in
                _ = adapter.run()
                self?.ended(adapter, fd: fd)
            }
            thread.name = "swrr-dap-child"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// A child session ended: its breakpoints no longer stop the replay.
    private func ended(_ adapter: Adapter, fd: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if let pid = adapter.session.target?.processID ?? adapter.joinedProcess {
            target.core.breakpoints.leave(process: pid)
        }
        adapters.removeAll { $0 === adapter }
        if let i = connections.firstIndex(of: fd) {
            connections.remove(at: i)
            close(fd)
        }
    }

    /// Whether `adapter` serves the parent session (the replay's owner).
    func isParent(_ adapter: Adapter) -> Bool { adapters.first === adapter }

    /// The other sessions of the tree than `adapter`'s.
    func others(than adapter: Adapter) -> [Adapter] { adapters.filter { $0 !== adapter } }

    /// The parent session ended: no more children, and each connection is shut (its session
    /// sees the end of input, its proxy exits).
    func shutDown() {
        lock.lock()
        closed = true
        // Each child session hears that it ended (its replay is gone) before its connection does.
        for adapter in adapters.dropFirst() { adapter.sendTerminated() }
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(socketPath)
        rmdir(directory)
    }
}
