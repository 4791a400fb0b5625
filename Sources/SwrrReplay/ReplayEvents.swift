// The trace's events as replay reads them: in the recorded order, with the events of other tasks
// read ahead when the replay of one needs to know what came next for its task (what the kernel
// did after an interrupted syscall, whether a signal kills the task, whether an exit is the
// program's last). A checkpoint keeps the reading state (`Start`) and restores it.
import SwrrTrace

final class ReplayEvents {
    let reader: TraceReader
    /// Events read ahead of the current one (see `upcoming(for:)`).
    private(set) var readAhead: [Event] = []
    private(set) var readAheadEnded = false

    init(reader: TraceReader) {
        self.reader = reader
    }

    /// The reading state from before an event was read: a checkpoint taken in the middle of an
    /// event (Checkpoint.swift) replays it from its start.
    struct Start {
        let mark: TraceReader.Mark
        let readAhead: [Event]
        let readAheadEnded: Bool
    }

    /// The reading state now (before the next event is read).
    var start: Start { Start(mark: reader.mark(), readAhead: readAhead, readAheadEnded: readAheadEnded) }

    /// Goes back to the reading state `s` (a checkpoint's).
    func rewind(to s: Start) {
        reader.rewind(to: s.mark)
        readAhead = s.readAhead
        readAheadEnded = s.readAheadEnded
    }

    /// The next event in the recorded order (nil at the end of the trace).
    func next() throws -> Event? {
        if !readAhead.isEmpty { return readAhead.removeFirst() }
        if readAheadEnded { return nil }
        return try readFromTrace()
    }

    private func readFromTrace() throws -> Event? {
        do {
            return try reader.next()
        } catch {
            throw ReplayError.trace("\(error)")
        }
    }

    /// The next event of task `tid` after the current one, reading ahead as far as needed
    /// (bounded): what the kernel did after an interrupted syscall is only known from it.
    func upcoming(for tid: Int32) throws -> Event? {
        if let e = readAhead.first(where: { $0.tid == tid }) { return e }
        while !readAheadEnded && readAhead.count < 100_000 {
            guard let e = try readFromTrace() else {
                readAheadEnded = true
                return nil
            }
            readAhead.append(e)
            if e.tid == tid { return e }
        }
        return nil
    }

    /// Whether only tasks' ends (exit events) follow the current event up to the end of the trace,
    /// reading ahead up to 10,000 events to know.
    func onlyEndsFollow() throws -> Bool {
        while !readAheadEnded && readAhead.count < 10_000 {
            guard let e = try readFromTrace() else { readAheadEnded = true; break }
            readAhead.append(e)
            guard case .exit = e else { return false }
        }
        guard readAheadEnded else { return false }
        return readAhead.allSatisfy { if case .exit = $0 { return true }; return false }
    }

    /// Takes the events read ahead out (the replay ends without replaying them).
    func takeReadAhead() -> [Event] {
        defer { readAhead = [] }
        return readAhead
    }
}
