import ArgumentParser
import Foundation
import SwrrTrace

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List recordings with program, date, size and event count.")

    func run() throws {
        let traces = TraceStore.list()
        if traces.isEmpty {
            print("no recordings in \(Terminal.printable(TraceStore.root())) (record one with: swrr record PROGRAM)")
            return
        }
        let fmt = DateFormatter()
        fmt.dateFormat = "yyyy-MM-dd HH:mm:ss"
        print(pad("NAME", 24) + pad("DATE", 21) + pad("SIZE", 10) + pad("EVENTS", 9) + "COMMAND")
        for t in traces {
            // Names, command lines and messages come from the file system and from traces.
            let name = Terminal.printable(String(t.path.split(separator: "/").last ?? ""))
            if let err = t.error {
                print(pad(name, 24) + "unreadable: \(Terminal.printable(err))")
                continue
            }
            let date = fmt.string(from: Date(timeIntervalSince1970: t.createdAt))
            var events = String(t.eventCount)
            if case .truncated? = t.end { events += "*" }
            print(pad(name, 24) + pad(date, 21) + pad(size(t.sizeBytes), 10) + pad(events, 9) + Terminal.printable(t.argv.joined(separator: " ")))
        }
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    private func size(_ b: UInt64) -> String {
        if b < 1024 { return "\(b) B" }
        if b < 1 << 20 { return String(format: "%.1f KiB", Double(b) / 1024) }
        if b < 1 << 30 { return String(format: "%.1f MiB", Double(b) / 1048576) }
        return String(format: "%.1f GiB", Double(b) / 1073741824)
    }
}
