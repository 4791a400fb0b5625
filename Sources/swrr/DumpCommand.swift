import ArgumentParser
import Glibc
import SwrrTrace

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the events of a recording, one per line.")

    @Argument(help: "Trace directory or name (default: the latest recording).")
    var trace: String?

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        do {
            let reader = try TraceReader(directory: try TraceStore.resolve(trace))
            let h = reader.header
            // The command line, paths and reasons come from the trace: escaped (Terminal.printable).
            Terminal.writeAll(1, Array(("# \(Terminal.printable(h.argv.joined(separator: " ")))  (\(Terminal.printable(h.program)), swrr \(Terminal.printable(h.swrrVersion)), " +
                "format \(h.formatVersion), tick source \(h.tickSource))\n").utf8))
            var n = 0
            while let e = try reader.next() {
                Terminal.writeAll(1, Array((EventFormatter.line(n, e) + "\n").utf8))
                n += 1
            }
            switch reader.end {
            case .complete(let status)?: Terminal.writeAll(1, Array("# end: complete (\(status))\n".utf8))
            case .aborted(let reason)?: Terminal.writeAll(1, Array("# end: recording stopped early: \(Terminal.printable(reason))\n".utf8))
            case .truncated?, nil: Terminal.writeAll(1, Array("# end: the trace ends early (the recording was interrupted)\n".utf8))
            }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.badTrace)
        }
    }
}
