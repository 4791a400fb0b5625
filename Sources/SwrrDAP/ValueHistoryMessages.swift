// The custom value-history requests' arguments and bodies (ValueHistoryHandler.swift,
// GotoHistoryEntryHandler.swift).

/// Custom `valueHistory`: an lvalue expression in a frame (the focus thread's top frame when
/// none is named), or "0xADDR,SIZE"; at most `limit` entries (default 10,000).
public struct ValueHistoryArguments: Decodable {
    public let expression: String
    public let frameId: Int?
    public let limit: Int?

    enum CodingKeys: String, CodingKey { case expression, frameId, limit }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        expression = try c.decode(String.self, forKey: .expression)
        frameId = try c.decodeIfPresent(.frameId, in: ArgumentRange.any)
        limit = try c.decodeIfPresent(.limit, in: ArgumentRange.count)
    }
}

public struct ValueHistoryResponseBody: Encodable {
    /// One write of the location.
    public struct Entry: Encodable {
        /// 1 for the first write of the recording.
        public var index: Int
        /// The value right after the write.
        public var value: String
        public var event: Int
        public var threadId: Int
        public var processId: Int
        public var function: String?
        /// The writing instruction's source file (the line table's path) and line.
        public var file: String?
        public var line: Int?
        /// The syscall whose output wrote the bytes ("read"; absent for a store of the
        /// program's): the replay wrote them at the call's exit, `file` and `line` are the call's site.
        public var syscall: String?
        /// For `gotoHistoryEntry`: right after the write.
        public var positionId: Int
        /// "#1  event 12  thread 4242  main  loop.c:17  = 5".
        public var description: String
    }

    /// The expression (or "0xADDR,SIZE"), its address and size.
    public var name: String
    public var address: String
    public var size: Int
    /// The value at the start of the recording (absent: not mapped then).
    public var initial: String?
    public var entries: [Entry]
    /// Writes by threads of other processes of the recording, passed over.
    public var passedOver: Int
    /// False when the pass stopped before the end of the recording (`incomplete` says why).
    public var complete: Bool
    public var incomplete: String?
    /// One line for people: "7 writes of counter (4 bytes at 0x404040)...".
    public var description: String
}

/// Custom `gotoHistoryEntry`: a `positionId` from `valueHistory` (or `-history`).
public struct GotoHistoryEntryArguments: Decodable {
    public let positionId: Int

    enum CodingKeys: String, CodingKey { case positionId }

    public init(from decoder: Decoder) throws {
        positionId = try decoder.container(keyedBy: CodingKeys.self).decode(.positionId, in: ArgumentRange.any)
    }
}
