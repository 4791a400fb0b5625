// The binary encoding of events (inside `events` chunks) and of the end marker.
//
// An event record is a tag byte followed by the fields of that kind, in declaration order:
// integers as varints (signed ones zigzag), strings as varint length + UTF-8, arrays as varint
// count + elements, optionals as a presence byte, registers as exactly 27 varints. Memory bytes
// do not travel inline: a MemoryWrite is (address, length, data-stream offset), the offset
// omitted when the length is 0. A signal's siginfo (128 bytes, or none) is the one exception:
// it is small and belongs to the record, so it is inline (varint length + raw bytes). Records
// carry no state from one to the next, so every chunk decodes on its own. The full layout of
// each kind is in docs/TRACE-FORMAT.md.
import SwrrTracee

/// Thrown by a data loader when the referenced bytes lie past the end of the data stream: the
/// recording was cut there, so reading ends (`.truncated`) rather than failing.
struct DataCutShort: Error {}

enum EventCodec {
    enum Tag: UInt8 {
        case exec = 1
        case syscall = 2
        case rdtsc = 3
        case signal = 4
        case exit = 5
        case syscallEntry = 6
        case preempt = 7
        case bufferFlush = 8
        /// A preempt event at a state signature (format 2).
        case preemptAtPosition = 9
    }

    /// Largest siginfo a record may carry (siginfo_t is 128 bytes on every Linux architecture).
    static let maxSiginfoLength = 128

    /// Stores memory bytes in the data stream and returns their offset there.
    typealias StoreBytes = ([UInt8]) throws -> UInt64
    /// Returns `length` bytes at `offset` of the data stream, or throws DataCutShort.
    typealias LoadBytes = (_ offset: UInt64, _ length: UInt64) throws -> [UInt8]

    // MARK: encoding

    static func encode(_ event: Event, into w: inout ByteWriter, store: StoreBytes) throws {
        switch event {
        case .exec(let e):
            w.u8(Tag.exec.rawValue)
            w.zigzag(Int64(e.tid))
            w.string(e.originalPath)
            encode(e.executable, into: &w)
            encode(e.registers, into: &w)
            try encode(e.stack, into: &w, store: store)
            w.varint(e.mappings.count)
            for m in e.mappings {
                w.varint(m.start)
                w.varint(m.end)
                w.varint(m.offset)
                w.string(m.permissions)
                w.string(m.name)
            }
        case .syscall(let e):
            w.u8(Tag.syscall.rawValue)
            w.zigzag(Int64(e.tid))
            w.zigzag(Int64(e.number))
            w.varint(e.args.count)
            for a in e.args { w.varint(a) }
            encode(e.registers, into: &w)
            w.zigzag(e.result)
            w.varint(e.writes.count)
            for write in e.writes { try encode(write, into: &w, store: store) }
            // The seccomp verdict shares echoFd's varint, above its 8 bits: traces written before
            // it existed read as .none.
            w.varint(UInt64(e.echoFd) | UInt64(e.seccomp.rawValue) << 8)
            w.bool(e.mappedFile != nil)
            if let f = e.mappedFile { encode(f, into: &w) }
            w.varint(e.strings.count)
            for s in e.strings { w.string(s) }
            w.bool(e.fileUpdate != nil)
            if let u = e.fileUpdate {
                encode(u.file, into: &w)
                w.varint(u.size)
                try encode(u.contents, into: &w, store: store)
                w.varint(u.zeroed)
            }
            // Which of the optional tail parts follow: bit 0 spawned, bit 1 memFileWrite (traces
            // written before the second existed have a boolean byte here: 0 or 1).
            w.u8((e.spawned != nil ? 1 : 0) | (e.memFileWrite != nil ? 2 : 0))
            if let c = e.spawned {
                w.zigzag(Int64(c.tid))
                w.zigzag(Int64(c.ownId))
            }
            if let m = e.memFileWrite {
                w.zigzag(Int64(m.tid))
                w.varint(m.address)
            }
        case .rdtsc(let e):
            w.u8(Tag.rdtsc.rawValue)
            w.zigzag(Int64(e.tid))
            encode(e.registers, into: &w)
            w.varint(e.value)
            w.varint(UInt64(e.aux))
            w.bool(e.isRdtscp)
        case .signal(let e):
            w.u8(Tag.signal.rawValue)
            w.zigzag(Int64(e.tid))
            w.zigzag(Int64(e.signal))
            w.zigzag(Int64(e.code))
            encode(e.registers, into: &w)
            guard e.siginfo.count <= maxSiginfoLength else {
                throw TraceError(.invalidUse, path: nil, "a signal event's siginfo is \(e.siginfo.count) bytes; "
                                 + "at most \(maxSiginfoLength) are allowed")
            }
            w.varint(e.siginfo.count)
            w.append(e.siginfo)
            w.u8(e.point.rawValue)
            if e.point == .position {
                guard let sig = e.signature, sig.registers == e.registers else {
                    throw TraceError(.invalidUse, path: nil, "a signal delivered at a position needs its signature, "
                                     + "with the event's registers")
                }
                encode(signatureTail: sig, into: &w)
            }
        case .exit(let e):
            w.u8(Tag.exit.rawValue)
            w.zigzag(Int64(e.tid))
            w.zigzag(Int64(e.waitStatus))
        case .syscallEntry(let e):
            w.u8(Tag.syscallEntry.rawValue)
            w.zigzag(Int64(e.tid))
            w.zigzag(Int64(e.number))
            encode(e.registers, into: &w)
        case .preempt(let e):
            if let sig = e.signature {
                guard sig.registers == e.registers else {
                    throw TraceError(.invalidUse, path: nil, "a preempt event's signature has other registers than the event")
                }
                w.u8(Tag.preemptAtPosition.rawValue)
                w.zigzag(Int64(e.tid))
                encode(e.registers, into: &w)
                encode(signatureTail: sig, into: &w)
            } else {
                w.u8(Tag.preempt.rawValue)
                w.zigzag(Int64(e.tid))
                encode(e.registers, into: &w)
            }
        case .bufferFlush(let e):
            w.u8(Tag.bufferFlush.rawValue)
            w.zigzag(Int64(e.tid))
            w.varint(e.buffer)
            w.varint(UInt64(e.limit))
            try encode(e.records, into: &w, store: store)
        }
    }

    /// A state signature after the event's registers (which are the signature's): `u8` its
    /// version, `u64` FP digest, `u64` memory digest, `varint` digested bytes, `varint`
    /// unreadable bytes, `array` of progress words (`varint` address, `varint` value).
    private static func encode(signatureTail sig: StateSignature, into w: inout ByteWriter) {
        w.u8(StateSignature.version)
        w.u64(sig.fpDigest)
        w.u64(sig.memory.value)
        w.varint(sig.memory.bytes)
        w.varint(sig.memory.unreadable)
        w.varint(sig.words.count)
        for word in sig.words {
            w.varint(word.address)
            w.varint(word.value)
        }
    }

    /// The signature after `registers`, range-checked as StateSignature(encoded:) does.
    private static func decodeSignatureTail(_ r: inout ByteReader, registers: Registers) throws -> StateSignature {
        let start = r.position
        let version = try r.u8()
        guard version == StateSignature.version else {
            let hint = version < StateSignature.version ? " (an earlier swrr wrote it: record the program again)" : ""
            throw DecodeError(message: "state signature version \(version), this swrr reads \(StateSignature.version)\(hint)",
                              position: start)
        }
        let fp = try r.u64()
        let memory = MemoryDigest(value: try r.u64(), bytes: try r.varint(), unreadable: try r.varint())
        // User space is below 2^47: larger counts come from a damaged trace.
        guard memory.bytes < 1 << 47, memory.unreadable <= memory.bytes else {
            throw DecodeError(message: "a state signature's memory counts \(memory.bytes)/\(memory.unreadable) are impossible",
                              position: start)
        }
        let countAt = r.position
        let count = try r.count(of: "progress words", minimumElementSize: 2)
        guard count <= StateSignature.maxWords else {
            throw DecodeError(message: "\(count) progress words; at most \(StateSignature.maxWords)", position: countAt)
        }
        var words: [ProgressWord] = []
        for _ in 0..<count {
            let at = r.position
            let word = ProgressWord(address: try r.varint(), value: try r.varint())
            guard word.address < 1 << 47, word.address & 7 == 0 else {
                throw DecodeError(message: "a progress word at 0x\(String(word.address, radix: 16))", position: at)
            }
            words.append(word)
        }
        return StateSignature(registers: registers, fpDigest: fp, memory: memory, words: words)
    }

    private static func encode(_ registers: Registers, into w: inout ByteWriter) {
        // Registers(values:) guarantees 27; pad defensively so the record always decodes.
        for i in 0..<Registers.count {
            w.varint(i < registers.values.count ? registers.values[i] : 0)
        }
    }

    private static func encode(_ file: MappedFile, into w: inout ByteWriter) {
        w.string(file.traceName)
        w.string(file.originalPath)
    }

    private static func encode(_ write: MemoryWrite, into w: inout ByteWriter, store: StoreBytes) throws {
        w.varint(write.address)
        w.varint(write.bytes.count)
        if !write.bytes.isEmpty { w.varint(try store(write.bytes)) }
    }

    // MARK: decoding

    static func decode(_ r: inout ByteReader, load: LoadBytes) throws -> Event {
        let start = r.position
        let tagByte = try r.u8()
        guard let tag = Tag(rawValue: tagByte) else {
            throw DecodeError(message: "unknown event tag \(tagByte)", position: start)
        }
        switch tag {
        case .exec:
            let tid = try r.int32()
            let originalPath = try r.string()
            let executable = try decodeMappedFile(&r)
            let registers = try decodeRegisters(&r)
            let stack = try decodeMemoryWrite(&r, load: load)
            let n = try r.count(of: "mappings", minimumElementSize: 5)
            var mappings: [Mapping] = []
            mappings.reserveCapacity(n)
            for _ in 0..<n {
                mappings.append(Mapping(start: try r.varint(), end: try r.varint(), offset: try r.varint(),
                                        permissions: try r.string(), name: try r.string()))
            }
            return .exec(ExecEvent(tid: tid, originalPath: originalPath, executable: executable,
                                   registers: registers, stack: stack, mappings: mappings))
        case .syscall:
            let tid = try r.int32()
            let number = try r.int32()
            let argCount = try r.count(of: "syscall arguments")
            var args: [UInt64] = []
            args.reserveCapacity(argCount)
            for _ in 0..<argCount { args.append(try r.varint()) }
            let registers = try decodeRegisters(&r)
            let result = try r.zigzag()
            let writeCount = try r.count(of: "memory writes", minimumElementSize: 2)
            var writes: [MemoryWrite] = []
            writes.reserveCapacity(writeCount)
            for _ in 0..<writeCount { writes.append(try decodeMemoryWrite(&r, load: load)) }
            let echoAndVerdict = try r.varint()
            let echoFd = UInt8(truncatingIfNeeded: echoAndVerdict)
            guard echoAndVerdict >> 8 <= 0xff, let verdict = SeccompVerdict(rawValue: UInt8(echoAndVerdict >> 8)) else {
                throw DecodeError(message: "a syscall event has seccomp verdict \(echoAndVerdict >> 8)", position: start)
            }
            let mappedFile = try r.bool() ? try decodeMappedFile(&r) : nil
            let stringCount = try r.count(of: "strings")
            var strings: [String] = []
            strings.reserveCapacity(stringCount)
            for _ in 0..<stringCount { strings.append(try r.string()) }
            var fileUpdate: FileUpdate? = nil
            if try r.bool() {
                let file = try decodeMappedFile(&r)
                let size = try r.varint()
                let contents = try decodeMemoryWrite(&r, load: load)
                fileUpdate = FileUpdate(file: file, size: size, offset: contents.address, bytes: contents.bytes,
                                        zeroed: try r.varint())
            }
            let tail = try r.u8()
            guard tail <= 3 else {
                throw DecodeError(message: "a syscall event's optional parts are 0x\(String(tail, radix: 16))", position: start)
            }
            let spawned = tail & 1 != 0 ? SpawnedTask(tid: try r.int32(), ownId: try r.int32()) : nil
            let memFileWrite = tail & 2 != 0 ? MemFileWrite(tid: try r.int32(), address: try r.varint()) : nil
            return .syscall(SyscallEvent(tid: tid, number: number, args: args, registers: registers,
                                         result: result, writes: writes, echoFd: echoFd,
                                         mappedFile: mappedFile, strings: strings,
                                         fileUpdate: fileUpdate, spawned: spawned, seccomp: verdict,
                                         memFileWrite: memFileWrite))
        case .rdtsc:
            return .rdtsc(RdtscEvent(tid: try r.int32(), registers: try decodeRegisters(&r),
                                     value: try r.varint(), aux: try r.uint32(), isRdtscp: try r.bool()))
        case .signal:
            let tid = try r.int32()
            let signal = try r.int32()
            let code = try r.int32()
            let registers = try decodeRegisters(&r)
            let lengthAt = r.position
            let length = try r.count(of: "siginfo bytes")
            guard length <= maxSiginfoLength else {
                throw DecodeError(message: "a siginfo of \(length) bytes is longer than \(maxSiginfoLength)",
                                  position: lengthAt)
            }
            let siginfo = Array(try r.bytes(length))
            let pointAt = r.position
            let pointByte = try r.u8()
            guard let point = SignalDeliveryPoint(rawValue: pointByte) else {
                throw DecodeError(message: "unknown signal delivery point \(pointByte)", position: pointAt)
            }
            let signature = point == .position ? try decodeSignatureTail(&r, registers: registers) : nil
            return .signal(SignalEvent(tid: tid, signal: signal, code: code, registers: registers,
                                       siginfo: siginfo, point: point, signature: signature))
        case .exit:
            return .exit(ExitEvent(tid: try r.int32(), waitStatus: try r.int32()))
        case .syscallEntry:
            return .syscallEntry(SyscallEntryEvent(tid: try r.int32(), number: try r.int32(),
                                                   registers: try decodeRegisters(&r)))
        case .preempt:
            return .preempt(PreemptEvent(tid: try r.int32(), registers: try decodeRegisters(&r)))
        case .preemptAtPosition:
            let tid = try r.int32()
            let registers = try decodeRegisters(&r)
            return .preempt(PreemptEvent(tid: tid, registers: registers,
                                         signature: try decodeSignatureTail(&r, registers: registers)))
        case .bufferFlush:
            return .bufferFlush(BufferFlushEvent(tid: try r.int32(), buffer: try r.varint(), limit: try r.uint32(),
                                                 records: try decodeMemoryWrite(&r, load: load)))
        }
    }

    private static func decodeRegisters(_ r: inout ByteReader) throws -> Registers {
        var values = [UInt64](repeating: 0, count: Registers.count)
        for i in 0..<Registers.count { values[i] = try r.varint() }
        return Registers(values: values)
    }

    private static func decodeMappedFile(_ r: inout ByteReader) throws -> MappedFile {
        MappedFile(traceName: try r.string(), originalPath: try r.string())
    }

    private static func decodeMemoryWrite(_ r: inout ByteReader, load: LoadBytes) throws -> MemoryWrite {
        let address = try r.varint()
        let lengthAt = r.position
        let length = try r.varint()
        if length == 0 { return MemoryWrite(address: address, bytes: []) }
        let offset = try r.varint()
        guard offset.addingReportingOverflow(length).overflow == false else {
            throw DecodeError(message: "a memory write's data range overflows", position: lengthAt)
        }
        return MemoryWrite(address: address, bytes: try load(offset, length))
    }

    // MARK: end marker

    private enum EndTag: UInt8 {
        case complete = 1
        case aborted = 2
    }

    /// The payload of the end-marker chunk: how the recording ended, how many events and data
    /// bytes it has. nil for `.truncated`, which is never written (it is the absence of a marker).
    static func encodeEnd(_ end: TraceEnd, eventCount: Int, dataLength: UInt64) -> [UInt8]? {
        var w = ByteWriter()
        switch end {
        case .complete(let status):
            w.u8(EndTag.complete.rawValue)
            w.zigzag(Int64(status))
        case .aborted(let reason):
            w.u8(EndTag.aborted.rawValue)
            w.string(reason)
        case .truncated:
            return nil
        }
        w.varint(eventCount)
        w.varint(dataLength)
        return w.bytes
    }

    /// Why a raw wait(2) status does not describe a program's end, or nil when it does: an exit
    /// (code in bits 8-15, nothing else) or a death by signal (1-64 in bits 0-6, the core-dump
    /// bit 7, nothing else). 0x7f in bits 0-6 is a stop, 0xffff a continue.
    static func exitStatusProblem(_ status: Int32) -> String? {
        let s = UInt32(bitPattern: status)
        if s >> 16 != 0 { return "bits above 15 are set" }
        let low = s & 0x7f
        if low == 0 {
            return s & 0x80 == 0 ? nil : "a core dump without a signal"
        }
        if low == 0x7f { return s == 0xffff ? "it describes a continued process" : "it describes a stopped process" }
        if low > 64 { return "signal \(low) does not exist" }
        return s & 0xff00 == 0 ? nil : "a death by signal with an exit code"
    }

    static func decodeEnd(_ bytes: [UInt8]) throws -> (end: TraceEnd, eventCount: UInt64, dataLength: UInt64) {
        var r = ByteReader(bytes)
        let tagByte = try r.u8()
        let end: TraceEnd
        switch EndTag(rawValue: tagByte) {
        case .complete:
            let status = try r.int32()
            if let why = exitStatusProblem(status) {
                throw DecodeError(message: "wait status \(hex32(UInt32(bitPattern: status))) is no exit status (\(why))",
                                  position: 1)
            }
            end = .complete(waitStatus: status)
        case .aborted: end = .aborted(reason: try r.string())
        case nil: throw DecodeError(message: "unknown end-marker kind \(tagByte)", position: 0)
        }
        let eventCount = try r.varint()
        let dataLength = try r.varint()
        guard r.isAtEnd else { throw r.failure("the end marker has \(r.remaining) extra bytes") }
        return (end, eventCount, dataLength)
    }
}
