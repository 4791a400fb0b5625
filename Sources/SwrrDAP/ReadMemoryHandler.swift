// `readMemory`: bytes of the focus thread's process at memoryReference + offset, base64. Bytes
// that cannot be read (unmapped pages) end the answer and are counted as unreadableBytes.
import Foundation

public struct ReadMemoryHandler: TypedRequestHandler {
    public let command = "readMemory"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: ReadMemoryArguments, adapter: Adapter) throws -> ReadMemoryResponseBody? {
        let ref = arguments.memoryReference
        let offset = arguments.offset ?? 0
        let count = arguments.count
        guard let base = parseAddress(ref) else { throw RequestError("readMemory: '\(ref)' is not a memory reference") }
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let tid = try t.liveThread(nil)
        let start = UInt64(bitPattern: Int64(bitPattern: base) &+ Int64(offset))
        var bytes: [UInt8] = []
        var address = start
        while bytes.count < count {
            let n = min(count - bytes.count, Int(4096 - (address & 4095)))
            guard let chunk = try? t.core.replay.readMemory(address, count: n, tid: tid) else { break }
            bytes += chunk
            address &+= UInt64(n)
        }
        return ReadMemoryResponseBody(address: hex(start), unreadableBytes: bytes.count < count ? count - bytes.count : nil,
                                      data: Data(bytes).base64EncodedString())
    }
}
