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

/// DAP's ValueFormat (and StackFrameFormat's `hex`): integers in hexadecimal.
public struct ValueFormat: Decodable {
    public let hex: Bool?
}

public struct VariablesArguments: Decodable {
    public let variablesReference: Int
    public let start: Int?
    public let count: Int?
    public let format: ValueFormat?
    public let filter: String?

    enum CodingKeys: String, CodingKey { case variablesReference, start, count, format, filter }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        variablesReference = try c.decode(.variablesReference, in: ArgumentRange.any)
        start = try c.decodeIfPresent(.start, in: ArgumentRange.count)
        count = try c.decodeIfPresent(.count, in: ArgumentRange.count)
        format = try c.decodeIfPresent(ValueFormat.self, forKey: .format)
        filter = try c.decodeIfPresent(String.self, forKey: .filter)
        if let f = filter, f != "named" && f != "indexed" { throw c.wrong(.filter, "named or indexed") }
    }
}

public struct VariablesResponseBody: Encodable {
    /// DAP's Variable.
    public struct Variable: Encodable {
        public var name: String
        public var value: String
        public var type: String?
        public var evaluateName: String?
        public var variablesReference: Int
        public var memoryReference: String?
    }
    public var variables: [Variable]
}

public struct EvaluateArguments: Decodable {
    public let expression: String
    public let frameId: Int?
    public let context: String?
    public let format: ValueFormat?

    enum CodingKeys: String, CodingKey { case expression, frameId, context, format }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        expression = try c.decode(String.self, forKey: .expression)
        frameId = try c.decodeIfPresent(.frameId, in: ArgumentRange.any)
        context = try c.decodeIfPresent(String.self, forKey: .context)
        format = try c.decodeIfPresent(ValueFormat.self, forKey: .format)
    }
}

public struct EvaluateResponseBody: Encodable {
    public var result: String
    public var type: String?
    public var variablesReference: Int
    public var memoryReference: String?
}

/// The most bytes one readMemory answers (clients page larger reads).
let readMemoryLimit = 16 << 20

public struct ReadMemoryArguments: Decodable {
    public let memoryReference: String
    public let offset: Int?
    public let count: Int

    enum CodingKeys: String, CodingKey { case memoryReference, offset, count }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        memoryReference = try c.decode(String.self, forKey: .memoryReference)
        offset = try c.decodeIfPresent(.offset, in: ArgumentRange.any)
        count = try c.decode(.count, in: 0...readMemoryLimit)
    }
}

public struct ReadMemoryResponseBody: Encodable {
    public var address: String
    public var unreadableBytes: Int?
    public var data: String?
}

public struct DisassembleArguments: Decodable {
    public let memoryReference: String
    public let offset: Int?
    public let instructionOffset: Int?
    public let instructionCount: Int
    public let resolveSymbols: Bool?

    enum CodingKeys: String, CodingKey { case memoryReference, offset, instructionOffset, instructionCount, resolveSymbols }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        memoryReference = try c.decode(String.self, forKey: .memoryReference)
        offset = try c.decodeIfPresent(.offset, in: ArgumentRange.any)
        instructionOffset = try c.decodeIfPresent(.instructionOffset, in: -10_000...10_000)
        instructionCount = try c.decode(.instructionCount, in: 0...10_000)
        resolveSymbols = try c.decodeIfPresent(Bool.self, forKey: .resolveSymbols)
    }
}

public struct DisassembleResponseBody: Encodable {
    /// DAP's DisassembledInstruction.
    public struct DisassembledInstruction: Encodable {
        public var address: String
        public var instruction: String
        public var symbol: String?
        public var location: Source?
        public var line: Int?
        public var presentationHint: String?
    }
    public var instructions: [DisassembledInstruction]
}

public struct SourceArguments: Decodable {
    public let sourceReference: Int
    public let source: SourceArgument?

    enum CodingKeys: String, CodingKey { case source, sourceReference }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sourceReference = try c.decode(.sourceReference, in: ArgumentRange.any)
        source = try c.decodeIfPresent(SourceArgument.self, forKey: .source)
    }
}

public struct SourceResponseBody: Encodable {
    public var content: String
    public var mimeType: String?
}

public struct LoadedSourcesResponseBody: Encodable {
    public var sources: [Source]
}

public struct ModulesArguments: Decodable {
    public let startModule: Int?
    public let moduleCount: Int?

    enum CodingKeys: String, CodingKey { case startModule, moduleCount }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        startModule = try c.decodeIfPresent(.startModule, in: ArgumentRange.count)
        moduleCount = try c.decodeIfPresent(.moduleCount, in: ArgumentRange.count)
    }
}

public struct ModulesResponseBody: Encodable {
    /// DAP's Module (its id is the module's path).
    public struct Module: Encodable, Equatable {
        public var id: String
        public var name: String
        public var path: String?
        public var symbolStatus: String?
        public var addressRange: String?
    }
    public var modules: [Module]
    public var totalModules: Int?
}

public struct GotoTargetsArguments: Decodable {
    public let source: SourceArgument
    public let line: Int
    public let column: Int?

    enum CodingKeys: String, CodingKey { case source, line, column }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(SourceArgument.self, forKey: .source)
        line = try c.decode(.line, in: ArgumentRange.count)
        column = try c.decodeIfPresent(.column, in: ArgumentRange.any)
    }
}

public struct GotoTargetsResponseBody: Encodable {
    /// DAP's GotoTarget.
    public struct GotoTarget: Encodable {
        public var id: Int
        public var label: String
        public var line: Int
        public var instructionPointerReference: String?
    }
    public var targets: [GotoTarget]
}
