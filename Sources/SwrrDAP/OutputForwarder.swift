// Turns the program's output bytes into `output` events: per stream, text is sent in whole UTF-8
// characters (a character split between two writes waits for its end). The replay engine's
// thread writes, the adapter's flushes: a lock keeps them apart.
import Foundation

final class OutputForwarder {
    private var pending: [UInt8: [UInt8]] = [:]
    private let send: (_ category: String, _ text: String) -> Void

    init(send: @escaping (String, String) -> Void) {
        self.send = send
    }

    static func category(_ fd: UInt8) -> String { fd == 2 ? "stderr" : "stdout" }

    private let lock = NSLock()

    func write(fd: UInt8, _ bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        var buf = (pending[fd] ?? []) + bytes
        // Hold back an incomplete UTF-8 sequence at the end (at most 3 bytes).
        var cut = buf.count
        var i = buf.count - 1
        while i >= 0 && i >= buf.count - 3 {
            let b = buf[i]
            if b & 0xC0 == 0x80 { i -= 1; continue }      // continuation byte
            if b >= 0xC0 {
                let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                if buf.count - i < need { cut = i }
            }
            break
        }
        pending[fd] = Array(buf[cut...])
        buf.removeLast(buf.count - cut)
        if !buf.isEmpty { send(Self.category(fd), String(decoding: buf, as: UTF8.self)) }
    }

    func flush() {
        lock.lock()
        defer { lock.unlock() }
        for (fd, rest) in pending where !rest.isEmpty {
            send(Self.category(fd), String(decoding: rest, as: UTF8.self))
        }
        pending = [:]
    }
}
