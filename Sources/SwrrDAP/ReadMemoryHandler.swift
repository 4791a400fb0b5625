// `readMemory`: bytes of the focus thread's process at memoryReference + offset, base64. Bytes
// that cannot be read (unmapped pages) end the answer and are counted as unreadableBytes.
import Foundation

public struct ReadMemoryHandler: UntypedRequestHandler {
    public let command = "readMemory"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let ref = try arguments.requiredString("memoryReference")
        let offset = try arguments.integer("offset", in: Arguments.Range.any) ?? 0
        let count = try arguments.requiredInteger("count", in: 0...(16 << 20))
        guard let base = parseAddress(ref) else { throw RequestError("readMemory: '\(ref)' is not a memory reference") }
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let tid = try t.liveThread(nil)
        let start = UInt64(bitPattern: Int64(bitPattern: base) &+ Int64(offset))
        var bytes: [UInt8] = []
        var address = start
        while bytes.count < count {
            let n = min(count - bytes.count, Int(4096 - (address & 4095)))
            guard let chunk = try? t.debugger.readMemory(address, count: n, tid: tid) else { break }
            bytes += chunk
            address &+= UInt64(n)
        }
        var body: JSONObject = ["address": hex(start), "data": Data(bytes).base64EncodedString()]
        if bytes.count < count { body["unreadableBytes"] = count - bytes.count }
        return body
    }
}
