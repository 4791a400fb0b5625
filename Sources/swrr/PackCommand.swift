import ArgumentParser
import Glibc
import SwrrTrace

struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Make a recording self-contained: replace hard links in files/ by copies.",
        discussion: "A packed trace can be moved to another machine or outlive system updates.")

    @Argument(help: "Trace directory or name (default: the latest recording).")
    var trace: String?

    func run() throws {
        do {
            let dir = try TraceStore.resolve(trace)
            // Everything the trace holds first: packing copies what it keeps, so damage found
            // later would be copied too, and a link leading outside must not be written through.
            let report = TraceCheck.run(directory: dir)
            guard report.isIntact else {
                for problem in report.problems { Terminal.error(problem) }
                Terminal.error("pack refuses to change \(report.directory): it is damaged or leads outside its "
                               + "directory (swrr check lists the same); nothing was changed")
                throw ExitCode(ExitStatus.badTrace)
            }
            let n = try TracePacker.pack(directory: dir)
            print("swrr: \(Terminal.printable(dir)): \(n) linked file(s) copied; the trace is self-contained")
        } catch let e as ExitCode {
            throw e
        } catch {
            Terminal.error("pack refuses: \(error)")
            throw ExitCode(ExitStatus.badTrace)
        }
    }
}
