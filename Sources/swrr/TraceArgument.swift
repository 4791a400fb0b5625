// The TRACE argument of replay, dump, check and pack: a path or a recording's name, resolved
// against the trace store, or a `swrr: …` message and status 66.
import ArgumentParser
import SwrrTrace

enum TraceArgument {
    static func resolve(_ trace: String?) throws -> String {
        do {
            return try TraceStore.resolve(trace)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.badTrace)
        }
    }
}
