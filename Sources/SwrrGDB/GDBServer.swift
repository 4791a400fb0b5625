// A gdb remote-serial-protocol server over a replay, forwards and backwards (bc/bs): listens on
// 127.0.0.1 only, serves one gdb connection at a time, and maps its packets onto ReplayDebugger,
// through the debugger core (SwrrDebugger) for software breakpoints and continues, so their
// conditions are evaluated here (AgentCondition.swift). The handlers are in GDBCommands.swift,
// stop replies in StopReplies.swift.
import Glibc
import SwrrDebugger
import SwrrReplay

public struct GDBServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

public final class GDBServer {
    let debugger: ReplayDebugger
    /// The core over the same replay: gdb's software breakpoints with their conditions, and
    /// continues both ways that pass over hits where no condition holds (in every process).
    let core: Debugger
    private var listenFd: Int32 = -1
    /// The port it listens on (chosen by the kernel when 0 was asked).
    public private(set) var port: UInt16 = 0
    let log: Bool

    /// The thread `g`/`p`/`m` read (Hg), and the one to resume (Hc); nil: the current one.
    var generalThread: Int32?
    var resumeThread: Int32?
    /// The last stop (answered to `?`).
    var lastStop: DebugStop?
    /// Set by `k`, `D` and vKill: the session is over.
    var finished = false

    public init(debugger: ReplayDebugger, port: UInt16) throws {
        self.debugger = debugger
        let log = getenv("SWRR_GDB_LOG").map { String(cString: $0) == "1" } ?? false
        self.log = log
        core = Debugger(replay: debugger, breakpoints: BreakpointSet()) { message in
            if log { fputs("swrr: \(message)\n", stderr) }
        }
        try listen(on: port)
    }

    deinit { if listenFd >= 0 { close(listenFd) } }

    private func listen(on wanted: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw GDBServerError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = wanted.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian   // 127.0.0.1: loopback only
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw GDBServerError("cannot listen on 127.0.0.1:\(wanted): \(e)")
        }
        guard Glibc.listen(fd, 1) == 0 else {
            close(fd)
            throw GDBServerError("listen: \(String(cString: strerror(errno)))")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = UInt16(bigEndian: addr.sin_port)
        listenFd = fd
    }

    /// Accepts gdb connections and serves them until one ends the session (`k`, `D`, vKill)
    /// or a connection closes after the replay ended.
    public func serve() {
        while !finished {
            let c = accept(listenFd, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return
            }
            var nodelay: Int32 = 1
            setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &nodelay, socklen_t(MemoryLayout<Int32>.size))
            let conn = PacketConnection(fd: c, log: log)
            serve(conn)
            // gdb went away: with the replay over there is nothing more to serve.
            if (try? debugger.hasEnded()) ?? true { finished = true }
        }
        debugger.kill()
    }

    private func serve(_ conn: PacketConnection) {
        while !finished, let packet = conn.receive() {
            if packet == [0x03] { continue }   // an interrupt, already acted on (InterruptWatcher)
            handle(packet, conn)
        }
    }
}
