// The error a request is answered with.

/// An error answered to the client as `success: false` with this message.
public struct RequestError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
