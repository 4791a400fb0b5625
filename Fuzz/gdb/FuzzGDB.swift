// libFuzzer harness for the gdb remote-protocol server (SwrrGDB): packet framing
// (PacketConnection.receive: `$…#cs`, acks, checksums, run-length expansion, Ctrl-C) and command
// dispatch (GDBServer.handle: queries, qXfer, qRcmd, H/T, registers, memory, Z/z, v packets).
// The input is what gdb would send on the socket. Dispatch needs a replay: the harness records
// /bin/true once at startup (or uses the trace in SWRR_FUZZ_TRACE) and serves every input from
// one ReplayDebugger stopped at the program's first instruction, with a fresh GDBServer (no
// thread selection, no last stop) per input. Packets that run the replay (c, s, C, S, vCont,
// bc, bs), end it (k, D, vKill) or fork a checkpoint (`monitor checkpoint`) are parsed but not
// dispatched: they would make inputs depend on each other and cost seconds. See docs/FUZZING.md.
import FuzzSupport
import Glibc
import SwrrRecord
import SwrrReplay
@testable import SwrrGDB

var debugger: ReplayDebugger!

/// Records /bin/true (a dynamic program: auxv, exec-file and several mappings to read) into a
/// temporary directory, or takes SWRR_FUZZ_TRACE.
func traceForFuzzing() throws -> String {
    if let given = getenv("SWRR_FUZZ_TRACE") { return String(cString: given) }
    var template = Array("/tmp/swrr-fuzz-gdb-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        fatalError("mkdtemp failed: errno \(errno)")
    }
    let options = RecordOptions(program: "/bin/true", arguments: [], outputDirectory: String(cString: made) + "/trace",
                                environment: ["PATH=/usr/bin:/bin"], workingDirectory: "/")
    return try Recorder(options: options).run().traceDirectory
}

/// Whether a packet is dispatched (see the file comment for those that are not).
func dispatched(_ packet: [UInt8]) -> Bool {
    guard let first = packet.first else { return true }
    switch UnicodeScalar(first) {
    case "c", "s", "C", "S", "b", "k", "D": return false
    case "v": return !(packet.starts(with: Array("vCont;".utf8)) || packet.starts(with: Array("vKill".utf8)))
    case "q":
        // qRcmd,<hex of the command>: "checkpoint" (and "checkpoints", harmless) start with it.
        let text = String(decoding: packet, as: UTF8.self)
        guard text.hasPrefix("qRcmd,"), let raw = bytes(fromHex: text.dropFirst(6)) else { return true }
        return !String(decoding: raw, as: UTF8.self).contains("checkpoint")
    default: return true
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let fd = InputFile.descriptor(holding: UnsafeRawBufferPointer(start: data, count: size))
    let conn = PacketConnection(fd: fd)   // closes fd
    guard let server = try? GDBServer(debugger: debugger, port: 0) else { fatalError("no GDBServer") }
    while !server.finished, let packet = conn.receive() {
        if packet == [0x03] || !dispatched(packet) { continue }
        server.handle(packet, conn)
    }
    return 0
}

@_cdecl("FuzzGDB_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    do {
        let trace = try traceForFuzzing()
        debugger = try ReplayDebugger(traceDirectory: trace, automaticCheckpoints: false)
        fputs("FuzzGDB: serving the replay of \(trace)\n", stderr)
    } catch {
        fputs("FuzzGDB: cannot record or replay /bin/true: \(error)\n", stderr)
        return 2
    }
    return runFuzzer(argc, argv) { data, size in fuzzOneInput(data, size) }
}
