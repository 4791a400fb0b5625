// `source`: the text of a source file named by debug info (by path; swrr-dap hands out no
// sourceReference of its own).
import Foundation

public struct SourceHandler: TypedRequestHandler {
    public let command = "source"
    public var validStates: Set<SessionState> { SessionState.debugging }

    public func handle(_ arguments: SourceArguments, adapter: Adapter) throws -> SourceResponseBody? {
        let ref = arguments.sourceReference
        guard let p = arguments.source?.path else {
            throw RequestError("source: unknown sourceReference \(ref): swrr-dap gives sources by path")
        }
        guard let data = FileManager.default.contents(atPath: p) else {
            throw RequestError("source: \(p) cannot be read (the program was compiled from it on another machine, " +
                               "or it was moved)")
        }
        return SourceResponseBody(content: String(decoding: data, as: UTF8.self), mimeType: "text/x-c")
    }
}
