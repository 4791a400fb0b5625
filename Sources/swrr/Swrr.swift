// `swrr`: the command line. One subcommand per file; this one only wires them together.
import ArgumentParser

@main
struct Swrr: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swrr",
        abstract: "Record a Linux program once, then replay it exactly, as often as you like.",
        discussion: """
            Traces are kept in $SWRR_TRACE_DIR, or ~/.local/share/swrr, one directory per recording \
            (PROGRAM-N) with a latest-trace link. No hardware performance counters are needed.
            """,
        version: "0.1.0",
        subcommands: [RecordCommand.self, ReplayCommand.self, DumpCommand.self, ListCommand.self,
                      PackCommand.self, CheckCommand.self])
}
