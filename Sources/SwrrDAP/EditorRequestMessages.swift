// Arguments and bodies of the requests editors send to show more of a stop (breakpointLocations,
// exceptionInfo, stepInTargets, completions), with the schema's names and optionality
// (debugProtocol.json). Columns are the client's: DAP counts them from 1 unless `initialize`
// said columnsStartAt1: false (Session.columnBase).

extension Session {
    /// What the client calls the first column: 1 (DAP's default) or 0.
    var columnBase: Int {
        if case .object(let o) = clientArguments, case .bool(false)? = o["columnsStartAt1"] { return 0 }
        return 1
    }
}

public struct BreakpointLocationsArguments: Decodable {
    public let source: SourceArgument
    public let line: Int
    public let column: Int?
    public let endLine: Int?
    public let endColumn: Int?

    enum CodingKeys: String, CodingKey { case source, line, column, endLine, endColumn }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(SourceArgument.self, forKey: .source)
        line = try c.decode(.line, in: ArgumentRange.count)
        column = try c.decodeIfPresent(.column, in: ArgumentRange.count)
        endLine = try c.decodeIfPresent(.endLine, in: ArgumentRange.count)
        endColumn = try c.decodeIfPresent(.endColumn, in: ArgumentRange.count)
    }
}

public struct BreakpointLocationsResponseBody: Encodable {
    /// DAP's BreakpointLocation.
    public struct BreakpointLocation: Encodable, Equatable {
        public var line: Int
        public var column: Int?
        public var endLine: Int?
        public var endColumn: Int?
    }
    public var breakpoints: [BreakpointLocation]
}

public struct ExceptionInfoArguments: Decodable {
    public let threadId: Int32

    enum CodingKeys: String, CodingKey { case threadId }

    public init(from decoder: Decoder) throws {
        threadId = try decoder.container(keyedBy: CodingKeys.self).decodeThreadID(.threadId)
    }
}

public struct ExceptionInfoResponseBody: Encodable {
    /// DAP's ExceptionDetails, with the siginfo's fields beside the schema's (which allows more
    /// properties): the signal number, si_code and its name, the fault address of a fault
    /// signal, the sender of a signal a process sent.
    public struct ExceptionDetails: Encodable {
        public var message: String?
        public var typeName: String?
        public var signalNumber: Int?
        public var code: Int?
        public var codeName: String?
        public var faultAddress: String?
        public var senderPid: Int?
        public var senderUid: Int?
    }
    public var exceptionId: String
    public var description: String?
    /// DAP's ExceptionBreakMode: never, always, unhandled, userUnhandled.
    public var breakMode: String
    public var details: ExceptionDetails?
}

public struct StepInTargetsArguments: Decodable {
    public let frameId: Int

    enum CodingKeys: String, CodingKey { case frameId }

    public init(from decoder: Decoder) throws {
        frameId = try decoder.container(keyedBy: CodingKeys.self).decode(.frameId, in: ArgumentRange.any)
    }
}

public struct StepInTargetsResponseBody: Encodable {
    /// DAP's StepInTarget.
    public struct StepInTarget: Encodable {
        public var id: Int
        public var label: String
        public var line: Int?
        public var column: Int?
    }
    public var targets: [StepInTarget]
}

/// `stepIn`: the stepping arguments and the step-in target to go into.
public struct StepInArguments: Decodable {
    public let stepping: SteppingArguments
    public let targetId: Int?

    enum CodingKeys: String, CodingKey { case targetId }

    public init(from decoder: Decoder) throws {
        stepping = try SteppingArguments(from: decoder)
        targetId = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(.targetId, in: ArgumentRange.any)
    }
}

public struct CompletionsArguments: Decodable {
    public let frameId: Int?
    public let text: String
    public let column: Int
    public let line: Int?

    enum CodingKeys: String, CodingKey { case frameId, text, column, line }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        frameId = try c.decodeIfPresent(.frameId, in: ArgumentRange.any)
        text = try c.decode(String.self, forKey: .text)
        column = try c.decode(.column, in: ArgumentRange.count)
        line = try c.decodeIfPresent(.line, in: ArgumentRange.count)
    }
}

public struct CompletionsResponseBody: Encodable {
    /// DAP's CompletionItem.
    public struct CompletionItem: Encodable, Equatable {
        public var label: String
        public var detail: String?
        /// DAP's CompletionItemType.
        public var type: String?
        public var start: Int?
        public var length: Int?
    }
    public var targets: [CompletionItem]
}
