// swrr-dap: the Debug Adapter Protocol server of swrr (DAP over stdin/stdout), and a headless
// recorder (`--record`). See `swrr-dap --help` and adapter-manifest/README.md.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrDAP
import SwrrRecord
import SwrrTracee

let help = """
    swrr-dap: reverse debugging of swrr recordings from any editor, over the Debug Adapter Protocol.

    USAGE
      swrr-dap                        serve one DAP session on stdin/stdout (what editors run)
      swrr-dap --record [--] PROGRAM [ARGS...]
                                      record PROGRAM headlessly (no DAP): it inherits stdin, stdout,
                                      stderr, the working directory and the environment; swrr-dap
                                      exits with its exit status (128+N if signal N killed it),
                                      127 if it does not exist, 126 if it cannot be executed
      swrr-dap --help                 this text

    THE DAP SESSION
      Messages are framed with a Content-Length header (bodies up to 16 MiB). The 'launch'
      request takes:
    \(LaunchConfiguration.attributes.map { "    \($0.name.padding(toLength: 12, withPad: " ", startingAt: 0)) (\($0.type)) \($0.description)" }.joined(separator: "\n"))
      With 'program', swrr-dap records the program first (its output is sent live as 'output'
      events, in a collapsed group), then debugs the recording; with 'trace', it debugs an
      existing recording. After 'configurationDone' the replay stops at the entry (stopOnEntry)
      or runs to the end of the recording: the recorded output comes back as 'output' events,
      then a 'stopped' event says the end was reached and 'exited' gives the recorded exit code.
      'restart' goes back to the start of the recording. 'disconnect', 'terminate' or the end
      of stdin end every replayed process.

      Debugging: breakpoints by line (with condition, hitCondition: N, ==N, >=N, %N..., and
      logMessage with {expressions}), by function and by instruction address; signals as
      exception filters (fatal-signals, all-signals); data breakpoints (hardware watchpoints on
      1, 2, 4 or 8 bytes); continue, next, stepIn, stepOut by statement, line or instruction;
      threads, stackTrace, scopes (Locals, Arguments, Registers, Globals), variables, evaluate,
      readMemory, disassemble (with objdump), source, loadedSources, modules; reverseContinue
      (to the previous breakpoint hit, data breakpoint trap or the start of the recording) and
      stepBack (by line or instruction); gotoTargets and goto travel in time to a line's next or
      previous execution. 'pause' stops a running replay at an exact position: forward at the
      next event boundary or where a thread computes, backward where the search had got to.
      'setVariable' is always refused: a replay cannot change the past. A client that supports
      'startDebugging' gets a recording of several processes as a child session per process,
      all on one replay: a move in any session moves every process (adapter-manifest/README.md).
      Long operations (recording, replaying, reverse searches, value histories) report progress
      to clients that support it, and 'cancel' stops any of them at an exact position.

      Custom requests: 'currentEvent' (the replay's event number), 'gotoEvent' {"event": N}
      (travel to the boundary before event N), 'reverseStepOut' {"threadId"} (back to where the
      current function was called, at the call in its caller), 'valueHistory' {"expression"}
      (every value a variable took over the whole recording, with where each write happened;
      also `-history EXPR` in the debug console) and 'gotoHistoryEntry' {"positionId"} (travel
      to one of those writes).

    ENVIRONMENT
      SWRR_TRACE_DIR   where recordings go (default ~/.local/share/swrr/)

    Editor configurations: adapter-manifest/ (VS Code, nvim-dap, Emacs dap-mode).

    """

var args = Array(CommandLine.arguments.dropFirst())
if args.first == "--help" || args.first == "-h" || args.first == "help" {
    print(help, terminator: "")
    exit(0)
}
if args.first == "--record" {
    args.removeFirst()
    if args.first == "--" { args.removeFirst() }
    guard let program = args.first else {
        FileHandle.standardError.write("swrr-dap: --record needs a program: swrr-dap --record -- PROGRAM [ARGS...]\n".data(using: .utf8)!)
        exit(64)
    }
    let options = RecordOptions(
        program: program, arguments: Array(args.dropFirst()),
        environment: ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }.sorted(),
        workingDirectory: FileManager.default.currentDirectoryPath,
        status: { FileHandle.standardError.write("swrr-dap: \($0)\n".data(using: .utf8)!) })
    signal(SIGINT, SIG_IGN)
    signal(SIGQUIT, SIG_IGN)
    do {
        let result = try Recorder(options: options).run()
        exit(WaitStatus.shellStatus(result.waitStatus))
    } catch let e as RecordError {
        FileHandle.standardError.write("swrr-dap: \(e.description)\n".data(using: .utf8)!)
        exit(e.exitStatus)
    } catch {
        FileHandle.standardError.write("swrr-dap: \(error)\n".data(using: .utf8)!)
        exit(1)
    }
}
if let unknown = args.first {
    FileHandle.standardError.write("swrr-dap: unknown argument '\(unknown)' (see swrr-dap --help)\n".data(using: .utf8)!)
    exit(64)
}

let streams = Adapter.standardStreams()
let adapter = Adapter(input: streams.input, output: streams.output)
let status = adapter.run()
// A child session of a process tree: its session goes on in the parent swrr-dap.
if let forwarding = adapter.forwarding {
    exit(ChildProxy.run(socketPath: forwarding.socketPath, opening: forwarding.opening,
                        client: adapter.clientReader, output: streams.output))
}
exit(status)
