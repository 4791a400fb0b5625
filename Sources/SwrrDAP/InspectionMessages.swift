// Arguments and bodies of the requests that look at a stopped replay (threads, stacks, scopes),
// with the schema's names and optionality (debugProtocol.json). Handles swrr-dap handed out
// (frame ids, variable references) are only looked up: any integer is accepted there.

public struct ThreadsResponseBody: Encodable {
    /// DAP's Thread.
    public struct Thread: Encodable, Equatable {
        public var id: Int
        public var name: String
    }
    public var threads: [Thread]
}

public struct ScopesArguments: Decodable {
    public let frameId: Int

    enum CodingKeys: String, CodingKey { case frameId }

    public init(from decoder: Decoder) throws {
        frameId = try decoder.container(keyedBy: CodingKeys.self).decode(.frameId, in: ArgumentRange.any)
    }
}

public struct ScopesResponseBody: Encodable {
    /// DAP's Scope.
    public struct Scope: Encodable {
        public var name: String
        public var presentationHint: String?
        public var variablesReference: Int
        public var namedVariables: Int?
        public var expensive: Bool
    }
    public var scopes: [Scope]
}

public struct StackTraceArguments: Decodable {
    public let threadId: Int32
    public let startFrame: Int?
    public let levels: Int?

    enum CodingKeys: String, CodingKey { case threadId, startFrame, levels, format }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threadId = try c.decodeThreadID(.threadId)
        startFrame = try c.decodeIfPresent(.startFrame, in: ArgumentRange.count)
        levels = try c.decodeIfPresent(.levels, in: ArgumentRange.count)
        _ = try c.decodeIfPresent(RawObject.self, forKey: .format)   // StackFrameFormat: read by no one
    }
}

public struct StackTraceResponseBody: Encodable {
    /// DAP's StackFrame.
    public struct StackFrame: Encodable {
        public var id: Int
        public var name: String
        public var source: Source?
        public var line: Int
        public var column: Int
        public var instructionPointerReference: String?
        public var moduleId: String?
        public var presentationHint: String?
    }
    public var stackFrames: [StackFrame]
    public var totalFrames: Int?
}
