// libFuzzer harness for the trace readers (SwrrTrace). The first byte of an input picks what the
// rest is (modulo 5):
//   0  a `header` file: HeaderCodec.decode (magic, frame, checksum, JSON, version checks)
//   1  a whole `events` file after a valid header, with an empty `data` file: TraceReader's chunk
//      reading (ChunkHeader.parse, cut or damaged chunks, zstd frames, CRC-32s) and event decoding
//   2  the raw bytes of events and data, framed here into valid chunks (so the fuzzer's changes
//      reach EventCodec through a TraceReader instead of dying at a checksum): a little-endian
//      u16 N, then N bytes of events chunk content, then the data stream's content
//   3  an end marker's content: EventCodec.decodeEnd
//   4  one chunk: ChunkHeader.parse of 32 bytes (notAPrefix of shorter ones), then Zstd.decompress
//      of the rest at the length the header declares
// Modes 1 and 2 write a trace directory (mkdtemp, rewritten for every input). See docs/FUZZING.md.
import FuzzSupport
import Glibc
@testable import SwrrTrace

/// The temporary trace directory, made once.
let directory: String = {
    var template = Array("/tmp/swrr-fuzz-trace-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        fatalError("mkdtemp failed: errno \(errno)")
    }
    return String(cString: made)
}()

/// A valid header file for modes 1 and 2 (fileChecksums false: the trace keeps no files).
let headerBytes: [UInt8] = {
    let header = TraceHeader(
        formatVersion: TraceFormat.version, swrrVersion: TraceFormat.swrrVersion, createdAt: 1_790_000_000,
        program: "/usr/bin/true", argv: ["/usr/bin/true"], environment: ["PATH=/usr/bin"],
        workingDirectory: "/", tickSource: "none",
        cpu: CPUDescription(vendor: "GenuineIntel", brand: "fuzz", family: 6, model: 85, stepping: 7, cpuid: []),
        kernel: KernelDescription(sysname: "Linux", release: "6.1.0", version: "#1 SMP", machine: "x86_64"),
        stackLimit: [8 << 20, UInt64.max], fileChecksums: false)
    return try! HeaderCodec.encode(header)
}()

func writeFile(_ name: String, _ bytes: [UInt8]) {
    let fd = open(directory + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "open \(name): errno \(errno)")
    defer { close(fd) }
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        precondition(n > 0, "write \(name): errno \(errno)")
        off += n
    }
}

/// Reads every event of the trace in `directory` (at most 10,000: an events chunk holds at most
/// 64 MiB, and an input of a few KiB decodes to far fewer events).
func readTrace() {
    guard let reader = try? TraceReader(directory: directory) else { return }
    var count = 0
    while count < 10_000, let event = try? reader.next() {
        _ = event
        count += 1
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 5 {
    case 0:
        _ = try? HeaderCodec.decode(rest, path: "header", directory: directory)
    case 1:
        writeFile(TraceFormat.headerFile, headerBytes)
        writeFile(TraceFormat.eventsFile, rest)
        writeFile(TraceFormat.dataFile, [])
        readTrace()
    case 2:
        guard rest.count >= 2 else { return 0 }
        let n = min(Int(rest[0]) | Int(rest[1]) << 8, rest.count - 2)
        let events = Array(rest[2..<(2 + n)])
        let stream = Array(rest[(2 + n)...])
        writeFile(TraceFormat.headerFile, headerBytes)
        writeFile(TraceFormat.eventsFile, try! ChunkEncoder.encode(kind: .events, first: 0, raw: events))
        writeFile(TraceFormat.dataFile, stream.isEmpty ? [] : try! ChunkEncoder.encode(kind: .data, first: 0, raw: stream))
        readTrace()
    case 3:
        _ = try? EventCodec.decodeEnd(rest)
    default:
        if rest.count < ChunkHeader.size {
            _ = ChunkHeader.notAPrefix(rest)
        } else if let header = try? ChunkHeader.parse(Array(rest.prefix(ChunkHeader.size))) {
            _ = Zstd.decompress(rest[ChunkHeader.size...], length: Int(header.rawLength))
        }
    }
    return 0
}

@_cdecl("FuzzTrace_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOneInput(data, size) }
}
