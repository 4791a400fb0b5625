// Recording the program of a `launch`, with its output streamed to the client while it runs.
//
// The recorded program inherits swrr-dap's file descriptors 0, 1 and 2. The protocol itself does
// not use them (Adapter.standardStreams moved it to private close-on-exec descriptors and put
// /dev/null on 0 and stderr on 1), so for the recording 1 and 2 are pointed at two pipes whose
// other ends one thread reads and forwards as `output` events. The recorder sees the pipes as its
// stdout and stderr, so the trace flags the program's writes to them for replay's echo.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrRecord
import SwrrTrace
import SwrrTracee

public enum ProgramRecorder {
    public struct Outcome {
        public let traceDirectory: String
        /// nil when the recording was cancelled (the program was killed).
        public let exitStatus: Int32?
        public let eventCount: Int?
        public var cancelled: Bool { exitStatus == nil }
    }

    /// Records; `output(fd, bytes)` gets the program's output as it comes (on another thread),
    /// `status` the recorder's status lines.
    public static func record(program: String, arguments: [String], workingDirectory: String,
                              environment: [String], output: @escaping (UInt8, [UInt8]) -> Void,
                              status: @escaping (String) -> Void,
                              cancel: RecordingCancel = RecordingCancel()) throws -> Outcome {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw RequestError("launch: cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw RequestError("launch: cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(outPipe[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(errPipe[0], F_SETFD, FD_CLOEXEC)
        let saved1 = fcntl(1, F_DUPFD_CLOEXEC, 3), saved2 = fcntl(2, F_DUPFD_CLOEXEC, 3)
        dup2(outPipe[1], 1)
        dup2(errPipe[1], 2)
        close(outPipe[1])
        close(errPipe[1])

        let done = DispatchSemaphore(value: 0)
        let (outRead, errRead) = (outPipe[0], errPipe[0])
        Thread {
            forward(fds: [(outRead, 1), (errRead, 2)], output: output)
            done.signal()
        }.start()

        defer {
            // Give the streams back to swrr-dap: the pipes' write ends are then held only by what
            // the program left running (nothing, normally), so the reader sees their end.
            dup2(saved1, 1); dup2(saved2, 2)
            close(saved1); close(saved2)
            if done.wait(timeout: .now() + 2) == .timedOut {
                status("swrr-dap: the program's output pipes are still open after it ended " +
                       "(a process it started keeps them); output after this point is not shown")
            }
        }
        var options = RecordOptions(program: program, arguments: arguments, environment: environment,
                                    workingDirectory: workingDirectory, status: status)
        // The directory chosen here, as the recorder would, so a cancelled recording's is known.
        let directory = try TraceStore.newTracePath(programName: String(program.split(separator: "/").last ?? "program"))
        options.outputDirectory = directory
        try? TraceStore.setLatest(directory)
        do {
            let result = try cancel.during { try Recorder(options: options).run() }
            return Outcome(traceDirectory: result.traceDirectory,
                           exitStatus: WaitStatus.shellStatus(result.waitStatus), eventCount: result.eventCount)
        } catch RecordError.stopped where cancel.requested {
            return Outcome(traceDirectory: directory, exitStatus: nil, eventCount: nil)
        }
    }

    /// Reads the pipes until both are closed; closes them.
    private static func forward(fds: [(Int32, UInt8)], output: (UInt8, [UInt8]) -> Void) {
        var open = fds
        var buf = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var pfds = open.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) }
            let r = poll(&pfds, nfds_t(pfds.count), -1)
            if r < 0 { if errno == EINTR { continue }; break }
            var closed: [Int32] = []
            for (i, p) in pfds.enumerated() where p.revents != 0 {
                let n = buf.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    output(open[i].1, Array(buf[0..<n]))
                } else if n == 0 || errno != EINTR {
                    closed.append(p.fd)
                }
            }
            for fd in closed { close(fd) }
            open.removeAll { closed.contains($0.0) }
        }
        for (fd, _) in open { close(fd) }
    }
}

/// `cancel` of a launch's recording. The recorder already finishes its trace when swrr record
/// gets SIGTERM (SwrrRecord/StopSignals.swift: the program is killed, every chunk written, the
/// end marker says the recording was stopped, and the trace replays up to there), so a cancel is
/// that signal, sent to swrr-dap itself while the handler is installed: only for the recording
/// (`during`), after which SIGTERM and SIGHUP get back what they had, so an editor ending
/// swrr-dap with SIGTERM ends it as before. A SIGTERM from outside during the recording still
/// finishes the trace, then ends swrr-dap as it asked.
public final class RecordingCancel: @unchecked Sendable {
    private let lock = NSLock()
    private var recording = false
    private var wanted = false

    public init() {}

    /// Whether a cancel stopped the recording.
    public var requested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return wanted
    }

    /// Stops the recording under way (any thread); no effect outside one.
    public func cancel() {
        lock.lock()
        let now = recording && !wanted
        if now { wanted = true }
        lock.unlock()
        if now { Glibc.kill(getpid(), SIGTERM) }
    }

    func during<T>(_ body: () throws -> T) throws -> T {
        var oldTerm = sigaction(), oldHup = sigaction()
        sigaction(SIGTERM, nil, &oldTerm)
        sigaction(SIGHUP, nil, &oldHup)
        func restore() {
            sigaction(SIGTERM, &oldTerm, nil)
            sigaction(SIGHUP, &oldHup, nil)
        }
        StopSignals.install()
        lock.lock()
        recording = true
        lock.unlock()
        defer {
            lock.lock()
            recording = false
            lock.unlock()
            restore()
        }
        do {
            return try body()
        } catch RecordError.stopped(let sig) where !requested {
            // Not a cancel: the signal came from outside, and it ends swrr-dap once the trace is finished.
            restore()
            raise(sig)
            throw RecordError.stopped(signal: sig)
        }
    }
}
