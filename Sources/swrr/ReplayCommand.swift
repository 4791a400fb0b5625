import ArgumentParser
import Glibc
import SwrrGDB
import SwrrReplay
import SwrrTrace
import SwrrTracee

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recording exactly, echoing the program's recorded output.",
        discussion: """
            Syscalls are answered from the trace; only those that shape memory run for real. The \
            exit status is the recorded one. A replay that does something other than the recording \
            stops with "divergence at event N" (status 70), and one whose task sleeps in the kernel \
            where the replay expects it to stop, for SWRR_STUCK_SECONDS (default 10), with "replay \
            is stuck at event N" (status 70); a trace cut short replays what it has and exits with \
            status 75.
            """)

    @Flag(name: .short, help: "Do not echo the program's output.")
    var quiet = false

    @Option(help: ArgumentHelp("Serve the replay to gdb on 127.0.0.1:PORT (gdb: target extended-remote 127.0.0.1:PORT).",
                               valueName: "PORT"))
    var gdbPort: UInt16?

    @Flag(help: "Start gdb connected to the replay.")
    var gdb = false

    @Argument(help: "Trace directory or name (default: the latest recording).")
    var trace: String?

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = try TraceArgument.resolve(trace)
        if gdb || gdbPort != nil {
            do {
                if gdb {
                    throw ExitCode(try GDBLauncher.runGDB(traceDirectory: dir))
                }
                try GDBLauncher.serve(traceDirectory: dir, port: gdbPort ?? 0) { Terminal.status($0) }
                return
            } catch let e as ExitCode {
                throw e
            } catch {
                Terminal.error("\(error)")
                throw ExitCode(ExitStatus.divergence)
            }
        }
        do {
            let session = try ReplaySession(traceDirectory: dir)
            if !quiet {
                session.echo = { fd, bytes in Terminal.writeAll(Int32(fd), bytes) }
            }
            for w in session.machineWarnings() { Terminal.status("warning: \(w)") }
            switch try session.run() {
            case .completed(let status):
                throw ExitCode(WaitStatus.shellStatus(status))
            case .endedEarly(let event, let reason):
                if let reason = reason {
                    Terminal.error("the trace ends at event \(event): the recording stopped there: \(reason)")
                } else {
                    Terminal.error("the trace ends early at event \(event) (the recording was interrupted)")
                }
                throw ExitCode(ExitStatus.endedEarly)
            }
        } catch let e as ReplayError {
            Terminal.error(e.description)
            switch e {
            case .trace: throw ExitCode(ExitStatus.badTrace)
            case .divergence, .tracee, .stuck: throw ExitCode(ExitStatus.divergence)
            }
        }
    }
}
