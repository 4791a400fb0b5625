// Arguments of the requests that resume or pause the replay, with the schema's names and
// optionality (debugProtocol.json). The requests that resume (or pause) every thread do not use
// the thread: any integer is accepted there; the stepping ones name a live thread (a pid_t).
import SwrrDebugger

/// `continue`, `reverseContinue` (ContinueArguments, ReverseContinueArguments).
public struct ContinueArguments: Decodable {
    public let threadId: Int
    public let singleThread: Bool?

    enum CodingKeys: String, CodingKey { case threadId, singleThread }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threadId = try c.decode(.threadId, in: ArgumentRange.any)
        singleThread = try c.decodeIfPresent(Bool.self, forKey: .singleThread)
    }
}

public typealias ReverseContinueArguments = ContinueArguments

public struct ContinueResponseBody: Encodable {
    public var allThreadsContinued: Bool?
}

/// `next`, `stepIn`, `stepOut`, `stepBack` (NextArguments, StepOutArguments, StepBackArguments:
/// the same fields; StepInArguments adds `targetId`, EditorRequestMessages.swift).
public struct SteppingArguments: Decodable {
    public let threadId: Int32
    public let singleThread: Bool?
    public let granularity: RunRequest.Granularity

    enum CodingKeys: String, CodingKey { case threadId, singleThread, granularity }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threadId = try c.decodeThreadID(.threadId)
        singleThread = try c.decodeIfPresent(Bool.self, forKey: .singleThread)
        if let g = try c.decodeIfPresent(String.self, forKey: .granularity) {
            guard let v = RunRequest.Granularity(rawValue: g) else {
                throw c.wrong(.granularity, "statement, line or instruction")
            }
            granularity = v
        } else {
            granularity = .statement
        }
    }
}

public typealias NextArguments = SteppingArguments
public typealias StepOutArguments = SteppingArguments
public typealias StepBackArguments = SteppingArguments

/// Custom `reverseStepOut`: a thread, as the stepping requests.
public struct ReverseStepOutArguments: Decodable {
    public let threadId: Int32
    public let singleThread: Bool?

    enum CodingKeys: String, CodingKey { case threadId, singleThread }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threadId = try c.decodeThreadID(.threadId)
        singleThread = try c.decodeIfPresent(Bool.self, forKey: .singleThread)
    }
}

public struct PauseArguments: Decodable {
    public let threadId: Int

    enum CodingKeys: String, CodingKey { case threadId }

    public init(from decoder: Decoder) throws {
        threadId = try decoder.container(keyedBy: CodingKeys.self).decode(.threadId, in: ArgumentRange.any)
    }
}

/// `goto`: a target gotoTargets handed out.
public struct GotoArguments: Decodable {
    public let threadId: Int
    public let targetId: Int

    enum CodingKeys: String, CodingKey { case threadId, targetId }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threadId = try c.decode(.threadId, in: ArgumentRange.any)
        targetId = try c.decode(.targetId, in: ArgumentRange.any)
    }
}

/// Custom `gotoEvent`: the event number of the recording to travel to.
public struct GotoEventArguments: Decodable {
    public let event: Int

    enum CodingKeys: String, CodingKey { case event }

    public init(from decoder: Decoder) throws {
        event = try decoder.container(keyedBy: CodingKeys.self).decode(.event, in: ArgumentRange.any)
    }
}

/// Custom `currentEvent`'s answer.
public struct CurrentEventResponseBody: Encodable {
    public var event: Int
    public var atEnd: Bool
}

public struct DisconnectArguments: Decodable {
    public let restart: Bool?
    public let terminateDebuggee: Bool?
    public let suspendDebuggee: Bool?
}

public struct TerminateArguments: Decodable {
    public let restart: Bool?
}
