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
            let n = try TracePacker.pack(directory: dir)
            print("swrr: \(dir): \(n) linked file(s) copied; the trace is self-contained")
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.badTrace)
        }
    }
}
