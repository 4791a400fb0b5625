import ArgumentParser
import Glibc
import SwrrTrace

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify everything a recording holds: every chunk of its streams and every kept file.",
        discussion: """
            Prints what is damaged (or leads outside the trace) and exits with status 66 then; \
            prints a summary and exits 0 when the trace is intact. A trace cut short or stopped on \
            purpose is intact: the summary says how it ends.
            """)

    @Argument(help: "Trace directory or name (default: the latest recording).")
    var trace: String?

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = try TraceArgument.resolve(trace)
        let report = TraceCheck.run(directory: dir)
        for problem in report.problems { Terminal.error(problem) }
        guard report.isIntact else {
            Terminal.error("\(report.directory): damaged (\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s"))")
            throw ExitCode(ExitStatus.badTrace)
        }
        let files = report.hasChecksums
            ? "\(report.filesChecked) kept file\(report.filesChecked == 1 ? "" : "s") match their checksums"
            : "\(report.filesChecked) kept file\(report.filesChecked == 1 ? "" : "s") present (the trace predates checksums)"
        Terminal.status("\(report.directory): intact: \(report.eventCount) events, \(report.dataLength) bytes of data, "
                        + "\(files); \(Self.describe(report.end))")
    }

    static func describe(_ end: TraceEnd?) -> String {
        switch end {
        case .complete(let status)?: return "the recording is complete (wait status \(status))"
        case .aborted(let reason)?: return "the recording was stopped: \(reason)"
        case .truncated?, nil: return "the recording was cut short (it replays up to its last complete chunk)"
        }
    }
}
