// `swrr replay --gdb-port PORT` and `swrr replay --gdb`: start the replay under a ReplayDebugger,
// serve it on 127.0.0.1, and for --gdb start gdb connected to it (as `rr replay` does).
import Foundation
import Glibc
import SwrrReplay

public enum GDBLauncher {
    /// Serves the replay of `traceDirectory` on 127.0.0.1:`port` until gdb ends the session.
    /// `announce` gets the line to print once it listens.
    public static func serve(traceDirectory: String, port: UInt16, announce: (String) -> Void) throws {
        let debugger = try ReplayDebugger(traceDirectory: traceDirectory, echo: echoToTerminal)
        let server = try GDBServer(debugger: debugger, port: port)
        let program = (try? debugger.executablePath()) ?? "PROGRAM"
        announce("listening on 127.0.0.1:\(server.port); connect with: gdb -ex 'target extended-remote 127.0.0.1:\(server.port)' \(program)")
        server.serve()
    }

    /// Starts gdb (`gdbCommand`, default "gdb") connected to a server on a free port; returns
    /// gdb's exit status.
    public static func runGDB(traceDirectory: String, gdbCommand: String = "gdb", extraArguments: [String] = []) throws -> Int32 {
        let debugger = try ReplayDebugger(traceDirectory: traceDirectory, echo: echoToTerminal)
        let server = try GDBServer(debugger: debugger, port: 0)
        let program = (try? debugger.executablePath()) ?? ""
        let serverThread = Thread { server.serve() }
        serverThread.start()
        // Ctrl-C is gdb's (it reaches the whole foreground process group).
        signal(SIGINT, SIG_IGN)
        let argv = [gdbCommand, "-q", "-ex", "target extended-remote 127.0.0.1:\(server.port)"] + extraArguments
            + (program.isEmpty ? [] : [program])
        var pid: pid_t = 0
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let r = posix_spawnp(&pid, gdbCommand, nil, nil, &cargs, environ)
        guard r == 0 else {
            debugger.kill()
            throw GDBServerError("cannot start \(gdbCommand): \(String(cString: strerror(r)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        debugger.kill()
        return (status >> 8) & 0xff
    }

    private static func echoToTerminal(_ fd: UInt8, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(Int32(fd), $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }
}
