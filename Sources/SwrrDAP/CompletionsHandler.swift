// `completions` in the debug console: the word before the cursor completed in a frame (the top
// frame of the focus thread when none is named) by SwrrDebugInfo's ConsoleCompletion: variables
// in scope, members after `.`/`->`, registers after `$`, console commands after a leading `-`.
// `column` and the items' `start` are in the client's columns (columnsStartAt1), UTF-16 code
// units within the line `line` names (the first when none).
import SwrrDebugInfo

public struct CompletionsHandler: TypedRequestHandler {
    public let command = "completions"
    public var validStates: Set<SessionState> { [.stopped] }

    /// The console commands `evaluate` understands (EvaluateHandler, HistoryQuery).
    static let consoleCommands: [String] = ["-history"]

    /// DAP's CompletionItemType for each kind of candidate.
    static let itemTypes: [CompletionCandidate.Kind: String] = [
        .variable: "variable", .member: "field", .register: "value", .command: "keyword",
    ]

    public func handle(_ arguments: CompletionsArguments, adapter: Adapter) throws -> CompletionsResponseBody? {
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let scope = try arguments.frameId.map { try t.frame($0).scope } ?? t.topScope(try t.liveThread(nil))
        let lines = arguments.text.split(separator: "\n", omittingEmptySubsequences: false)
        let index = (arguments.line ?? 1) - 1
        guard lines.indices.contains(index) else {
            throw RequestError("completions: the text has no line \(arguments.line ?? 1)")
        }
        let base = adapter.session.columnBase
        let found = ConsoleCompletion.complete(String(lines[index]), cursor: arguments.column - base, in: scope,
                                               commands: Self.consoleCommands)
        return CompletionsResponseBody(targets: found.map {
            .init(label: $0.label, detail: $0.detail, type: Self.itemTypes[$0.kind], start: $0.start + base, length: $0.length)
        })
    }
}
