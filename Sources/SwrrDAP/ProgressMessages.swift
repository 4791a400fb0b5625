// The progress events (DAP's ProgressStartEvent, ProgressUpdateEvent, ProgressEndEvent) and the
// `cancel` request's arguments, with the schema's names and optionality (debugProtocol.json).

public struct ProgressStartEventBody: EventBody {
    public static let event = "progressStart"
    public var progressId: String
    public var title: String
    public var requestId: Int?
    public var cancellable: Bool?
    public var message: String?
    public var percentage: Double?
}

public struct ProgressUpdateEventBody: EventBody {
    public static let event = "progressUpdate"
    public var progressId: String
    public var message: String?
    public var percentage: Double?
}

public struct ProgressEndEventBody: EventBody {
    public static let event = "progressEnd"
    public var progressId: String
    public var message: String?
}

/// DAP's CancelArguments: the request to cancel, or the progress whose operation to cancel.
public struct CancelArguments: Decodable {
    public let requestId: Int?
    public let progressId: String?

    enum CodingKeys: String, CodingKey { case requestId, progressId }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try c.decodeIfPresent(Int.self, forKey: .requestId)
        progressId = try c.decodeIfPresent(String.self, forKey: .progressId)
    }
}
