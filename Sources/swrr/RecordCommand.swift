import ArgumentParser
import Foundation
import SwrrRecord
import SwrrTracee

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run PROGRAM and record its execution.",
        discussion: """
            The program inherits stdin, stdout, stderr, the working directory and the environment. \
            swrr exits with the program's exit status (128+N if a signal N killed it). A syscall or \
            ioctl swrr cannot record stops the recording with a message naming it.
            """)

    @Option(name: .short, help: ArgumentHelp("Write the trace to exactly this directory (must not exist).", valueName: "DIR"))
    var output: String?

    @Flag(name: .short, help: "Do not buffer syscalls inside the program: every syscall stops it (slower; as rr record -n).")
    var noSyscallBuffer = false

    @Option(name: .long, help: ArgumentHelp(
        "Bind the program to this CPU index, to a random one it may use (any, the default), or to none. Default: $SWRR_BIND_CPU, else any.",
        valueName: "N|any|none"))
    var bindCpu: String?

    @Flag(name: .long, help: "Chaos mode: random slice lengths, priorities and starvation, to make rare races show (docs/CHAOS.md). The seed is printed and kept in the trace.")
    var chaos = false

    @Option(name: .long, help: ArgumentHelp(
        "Chaos mode with this seed (0 to 18446744073709551615): the scheduler makes the same random choices as the recording that printed it.",
        valueName: "N"))
    var chaosSeed: String?

    @Argument(parsing: .captureForPassthrough, help: "The program to record and its arguments.")
    var command: [String] = []

    func run() throws {
        var cmd = command
        // Everything after `record` is captured for the program, so help must be asked for here.
        if cmd.first == "--help" || cmd.first == "-h" { throw CleanExit.helpRequest(self) }
        if cmd.first == "--" { cmd.removeFirst() }
        guard let program = cmd.first else {
            Terminal.error("record needs a program to run: swrr record [-n] [-o DIR] PROGRAM [ARGS...]")
            throw ExitCode(ExitStatus.usage)
        }
        var options = RecordOptions(
            program: program, arguments: Array(cmd.dropFirst()), outputDirectory: output,
            environment: ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }.sorted(),
            workingDirectory: FileManager.default.currentDirectoryPath,
            status: { Terminal.status($0) })
        if noSyscallBuffer { options.syscallBuffer = false }
        do {
            if let text = chaosSeed {
                // Text, not UInt64: a negative or too large number gets this message, not the
                // parser's.
                guard let seed = UInt64(text) else {
                    throw TraceeError("--chaos-seed \(text) is not a seed (a whole number from 0 to \(UInt64.max))")
                }
                options.chaosSeed = seed
            } else if chaos {
                options.chaosSeed = ChaosSeed.fresh()
            }
            options.cpu = try bindCpu.map { text in
                guard let c = CPUBinding.Choice(text) else {
                    throw TraceeError("--bind-cpu \(text) is not a CPU index, \"any\" or \"none\"")
                }
                return c
            } ?? CPUBinding.Choice.fromEnvironment()
            _ = try CPUBinding.choose(options.cpu)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.usage)
        }
        // Ctrl-C and Ctrl-\ are for the recorded program; swrr finishes the trace after it.
        // (The program's own signal state was taken above, before this.)
        signal(SIGINT, SIG_IGN)
        signal(SIGQUIT, SIG_IGN)
        // SIGTERM and SIGHUP end the recording with a finished trace, and swrr with 128+N.
        StopSignals.install()
        do {
            let result = try Recorder(options: options).run()
            throw ExitCode(WaitStatus.shellStatus(result.waitStatus))
        } catch let e as RecordError {
            Terminal.error(e.description)
            throw ExitCode(e.exitStatus)
        } catch let e as ExitCode {
            throw e
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
    }
}
