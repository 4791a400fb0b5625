// The error the debugger core fails a request with (a thread that does not exist, a frame whose
// caller is unknown): its message is meant for the user as it is.

public struct SessionError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
