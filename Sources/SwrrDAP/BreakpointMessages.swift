// Arguments and bodies of the breakpoint requests and the `breakpoint` event, with the schema's
// names and optionality (debugProtocol.json). Lines are counts (0...2^31-1, so adding two never
// overflows); columns and offsets are only compared or added with wrapping arithmetic.

/// A `source` argument (DAP's Source): its path (a `file://` URI accepted too, for nvim-dap's
/// goto-at-cursor), its name, and the object as the client sent it (given back in breakpoints).
public struct SourceArgument: Decodable {
    public let path: String?
    public let name: String?
    public let raw: JSONValue

    enum CodingKeys: String, CodingKey { case path, name }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        raw = try JSONValue(from: decoder)
        path = try c.decodeIfPresent(SourcePath.self, forKey: .path)?.path
        name = try c.decodeIfPresent(String.self, forKey: .name)
    }
}

public struct SetBreakpointsArguments: Decodable {
    /// DAP's SourceBreakpoint.
    public struct SourceBreakpoint: Decodable {
        public let line: Int
        public let condition: String?
        public let hitCondition: String?
        public let logMessage: String?

        enum CodingKeys: String, CodingKey { case line, column, condition, hitCondition, logMessage }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            line = try c.decode(.line, in: ArgumentRange.count)
            _ = try c.decodeIfPresent(.column, in: ArgumentRange.any)
            condition = try c.decodeIfPresent(String.self, forKey: .condition)
            hitCondition = try c.decodeIfPresent(String.self, forKey: .hitCondition)
            logMessage = try c.decodeIfPresent(String.self, forKey: .logMessage)
        }

        init(line: Int) {
            self.line = line
            condition = nil
            hitCondition = nil
            logMessage = nil
        }
    }

    public let source: SourceArgument
    public let breakpoints: [SourceBreakpoint]

    enum CodingKeys: String, CodingKey { case source, breakpoints, lines }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(SourceArgument.self, forKey: .source)
        if let bps = try c.decodeIfPresent([SourceBreakpoint].self, forKey: .breakpoints) {
            breakpoints = bps
        } else if case .array(let lines)? = try c.decodeIfPresent(JSONValue.self, forKey: .lines) {
            // The deprecated `lines`, read leniently as before: what is not a line is left out.
            breakpoints = lines.compactMap { v -> SourceBreakpoint? in
                guard let n = v.integer, ArgumentRange.count.contains(n) else { return nil }
                return SourceBreakpoint(line: n)
            }
        } else {
            breakpoints = []
        }
    }
}

public struct SetFunctionBreakpointsArguments: Decodable {
    /// DAP's FunctionBreakpoint.
    public struct FunctionBreakpoint: Decodable {
        public let name: String
        public let condition: String?
        public let hitCondition: String?
    }
    public let breakpoints: [FunctionBreakpoint]
}

public struct SetInstructionBreakpointsArguments: Decodable {
    /// DAP's InstructionBreakpoint.
    public struct InstructionBreakpoint: Decodable {
        public let instructionReference: String
        public let offset: Int?
        public let condition: String?
        public let hitCondition: String?

        enum CodingKeys: String, CodingKey { case instructionReference, offset, condition, hitCondition }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            instructionReference = try c.decode(String.self, forKey: .instructionReference)
            offset = try c.decodeIfPresent(.offset, in: ArgumentRange.any)
            condition = try c.decodeIfPresent(String.self, forKey: .condition)
            hitCondition = try c.decodeIfPresent(String.self, forKey: .hitCondition)
        }
    }
    public let breakpoints: [InstructionBreakpoint]
}

public struct SetExceptionBreakpointsArguments: Decodable {
    public let filters: [String]
}

public struct SetDataBreakpointsArguments: Decodable {
    /// DAP's DataBreakpoint.
    public struct DataBreakpoint: Decodable {
        public let dataId: String
        public let accessType: String?
        public let condition: String?
        public let hitCondition: String?
    }
    public let breakpoints: [DataBreakpoint]
}

public struct DataBreakpointInfoArguments: Decodable {
    public let name: String
    public let variablesReference: Int?
    public let frameId: Int?
    public let bytes: Int?
    public let asAddress: Bool?

    enum CodingKeys: String, CodingKey { case name, variablesReference, frameId, bytes, asAddress }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        variablesReference = try c.decodeIfPresent(.variablesReference, in: ArgumentRange.any)
        frameId = try c.decodeIfPresent(.frameId, in: ArgumentRange.any)
        bytes = try c.decodeIfPresent(.bytes, in: ArgumentRange.count)
        asAddress = try c.decodeIfPresent(Bool.self, forKey: .asAddress)
    }
}

public struct DataBreakpointInfoResponseBody: Encodable {
    /// nil: the data cannot be watched (sent as null, which the schema requires then).
    public var dataId: String?
    public var description: String
    public var accessTypes: [String]?
    public var canPersist: Bool?

    enum CodingKeys: String, CodingKey { case dataId, description, accessTypes, canPersist }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataId, forKey: .dataId)
        try c.encode(description, forKey: .description)
        try c.encodeIfPresent(accessTypes, forKey: .accessTypes)
        try c.encodeIfPresent(canPersist, forKey: .canPersist)
    }
}

/// DAP's Breakpoint: what became of a requested breakpoint.
public struct Breakpoint: Encodable, Equatable {
    /// Where it is: the client's own Source for a line breakpoint, the line table's otherwise.
    public enum Place: Encodable, Equatable {
        case client(JSONValue)
        case lineTable(Source)

        public func encode(to encoder: Encoder) throws {
            switch self {
            case .client(let v): try v.encode(to: encoder)
            case .lineTable(let s): try s.encode(to: encoder)
            }
        }
    }

    public var id: Int?
    public var verified: Bool
    public var message: String?
    public var source: Place?
    public var line: Int?
    public var instructionReference: String?
    public var reason: String?
}

/// The body of every set*Breakpoints response.
public struct SetBreakpointsResponseBody: Encodable {
    public var breakpoints: [Breakpoint]
}
