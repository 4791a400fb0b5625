// Shared helpers for the trace-format tests: temporary directories, realistic sample events,
// and whole-trace reads and byte surgery on trace files.
import Foundation
import Glibc
@testable import SwrrTrace
import SwrrTestSupport
import SwrrTracee
import XCTest

/// A deterministic pseudo-random generator (xorshift64*), so failures reproduce.
struct TestRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

extension XCTestCase {
    /// A fresh directory for this test (SwrrTestSupport's), removed after it.
    func temporaryDirectory(_ name: String) throws -> String {
        try makeTemporaryDirectory("trace-" + name)
    }

    /// Re-frames a header's JSON after `edit` changed its top-level object.
    func reframedHeader(_ header: TraceHeader, _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let bytes = try HeaderCodec.encode(header)
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes[HeaderCodec.frameSize...])) as? [String: Any])
        edit(&object)
        let payload = [UInt8](try JSONSerialization.data(withJSONObject: object))
        var w = ByteWriter()
        w.append(HeaderCodec.magic)
        w.u32(UInt32(header.formatVersion))
        w.u32(UInt32(payload.count))
        w.u32(CRC32.checksum(payload))
        w.append(payload)
        return w.bytes
    }

    /// Asserts that `body` throws a TraceError and returns it.
    @discardableResult
    func assertTraceError<T>(_ what: String, kind: TraceError.Kind? = nil, mentioning: String? = nil,
                             file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> T) -> TraceError? {
        do {
            _ = try body()
            XCTFail("\(what): no error was thrown", file: file, line: line)
        } catch let error as TraceError {
            if let kind { XCTAssertEqual(error.kind, kind, "\(what): \(error)", file: file, line: line) }
            if let mentioning {
                XCTAssertTrue(error.description.contains(mentioning),
                              "\(what): the error should mention \(mentioning): \(error)", file: file, line: line)
            }
            return error
        } catch {
            XCTFail("\(what): not a TraceError: \(error)", file: file, line: line)
        }
        return nil
    }
}

enum Sample {
    static func header(formatVersion: Int = TraceFormat.version, createdAt: Double = 1_790_000_000.25,
                       program: String = "/usr/bin/cat") -> TraceHeader {
        TraceHeader(
            formatVersion: formatVersion, swrrVersion: TraceFormat.swrrVersion, createdAt: createdAt,
            program: program, argv: [program, "-n", "/etc/hostname", "naïve ✓"],
            environment: ["PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8", "EMPTY="],
            workingDirectory: "/root/work dir", tickSource: "none",
            cpu: CPUDescription(vendor: "AuthenticAMD", brand: "AMD EPYC 7B13 64-Core Processor",
                                family: 25, model: 1, stepping: 0,
                                cpuid: [CPUIDLeaf(leaf: 0, subleaf: 0, eax: 16, ebx: 0x6874_7541, ecx: 0x444d_4163, edx: 0x6974_6e65),
                                        CPUIDLeaf(leaf: 7, subleaf: 0, eax: 0, ebx: 0x219c_97a9, ecx: 0x0040_068c, edx: 0x10)]),
            kernel: KernelDescription(sysname: "Linux", release: "6.8.0-1015-gcp", version: "#17 SMP", machine: "x86_64"),
            stackLimit: [8 << 20, UInt64.max])
    }

    static func registers(_ seed: UInt64) -> Registers {
        var values = (0..<UInt64(Registers.count)).map { 0x7fff_f7d8_0000 &+ $0 &* 0x1_0000 &+ seed }
        values[17] = 0x33        // cs
        values[18] = 0x246       // eflags
        values[23] = 0           // ds
        values[0] = UInt64.max   // r15: the widest varint
        return Registers(values: values)
    }

    static func syscall(_ n: Int, writes: [MemoryWrite] = [], result: Int64 = 0) -> Event {
        .syscall(SyscallEvent(tid: 1000, number: 0, args: [3, 0x5555_5555_9000, UInt64(n), 0, 0, 0],
                              registers: registers(UInt64(n)), result: result, writes: writes))
    }

    /// One event of every kind, with realistic contents: an initial stack, a 64 KiB read,
    /// an empty write, a mapped file, path strings, a write larger than several data chunks,
    /// negative results, extreme integers, signals at each delivery point with and without a
    /// siginfo, a blocked syscall's entry and a preemption.
    static func everyKind() -> [Event] {
        var random = TestRandom(seed: 42)
        let stack = MemoryWrite(address: 0x7fff_ffff_d000, bytes: random.bytes(4096))
        let exec = ExecEvent(
            tid: 4242, originalPath: "/usr/bin/cat",
            executable: MappedFile(traceName: "files/0-cat", originalPath: "/usr/bin/cat"),
            registers: registers(1), stack: stack,
            mappings: [
                Mapping(start: 0x5555_5555_4000, end: 0x5555_5555_6000, offset: 0, permissions: "r--p", name: "/usr/bin/cat"),
                Mapping(start: 0x5555_5555_6000, end: 0x5555_5555_b000, offset: 0x2000, permissions: "r-xp", name: "/usr/bin/cat"),
                Mapping(start: 0x7fff_f7fc_5000, end: 0x7fff_f7fc_9000, offset: 0, permissions: "r--p", name: "[vvar]"),
                Mapping(start: 0x7fff_f7fc_9000, end: 0x7fff_f7fc_b000, offset: 0, permissions: "rw-p", name: ""),
                Mapping(start: 0x7fff_fffd_e000, end: 0x7fff_ffff_f000, offset: 0, permissions: "rw-p", name: "[stack]"),
            ])
        let read = SyscallEvent(tid: 4242, number: 0, args: [3, 0x5555_5555_9000, 65536, 0, 0, 0],
                                registers: registers(2), result: 65536,
                                writes: [MemoryWrite(address: 0x5555_5555_9000, bytes: random.bytes(65536))])
        let openat = SyscallEvent(tid: 4242, number: 257, args: [UInt64(bitPattern: -100), 0x7fff_ffff_e123, 0x80000, 0, 0, 0],
                                  registers: registers(3), result: -2,
                                  strings: ["", "/etc/ld.so.cache", "", "", "", ""])
        let emptyWrite = SyscallEvent(tid: 4243, number: 7, args: [0x7fff_ffff_e000, 0, 0, 0, 0, 0],
                                      registers: registers(4), result: 0,
                                      writes: [MemoryWrite(address: 0x7fff_ffff_e000, bytes: [])])
        let mmap = SyscallEvent(tid: 4242, number: 9, args: [0, 0x1d_5000, 5, 0x802, 3, 0],
                                registers: registers(5), result: 0x7fff_f7d8_0000,
                                mappedFile: MappedFile(traceName: "files/1-libc.so.6",
                                                       originalPath: "/lib/x86_64-linux-gnu/libc.so.6"))
        let write = SyscallEvent(tid: 4242, number: 1, args: [1, 0x5555_5555_a000, 12, 0, 0, 0],
                                 registers: registers(6), result: 12, echoFd: 1,
                                 strings: ["", "héllo ✓ wörld\n", "", "", "", ""])
        var big = random.bytes(3 << 20)
        big.append(contentsOf: [UInt8](repeating: 0, count: 123))  // 3 MiB + 123: spans data chunks
        let largeRead = SyscallEvent(tid: 4242, number: 0, args: [4, 0x7fff_e000_0000, UInt64(big.count), 0, 0, 0],
                                     registers: registers(7), result: Int64(big.count),
                                     writes: [MemoryWrite(address: 0x7fff_e000_0000, bytes: big),
                                              MemoryWrite(address: 0x7fff_d000_0000, bytes: [0xAB]),
                                              MemoryWrite(address: 0, bytes: [])])
        let extremes = SyscallEvent(tid: Int32.max, number: Int32.min, args: [UInt64.max, 0, 1, 2, 3, UInt64.max],
                                    registers: registers(UInt64.max - 100), result: Int64.min,
                                    writes: [MemoryWrite(address: UInt64.max - 7, bytes: [1, 2, 3, 4, 5, 6, 7, 8])],
                                    echoFd: 255, strings: [], spawned: SpawnedTask(tid: Int32.min, ownId: Int32.max),
                                    seccomp: .killProcess, memFileWrite: MemFileWrite(tid: Int32.min, address: UInt64.max))
        // A clone whose child is the init of a new pid namespace (1 for itself, 4250 for swrr)
        // made by a parent inside another one (which sees it as 2).
        let clone = SyscallEvent(tid: 4242, number: 56, args: [0x2000_0011, 0, 0, 0, 0, 0], registers: registers(15),
                                 result: 2, spawned: SpawnedTask(tid: 4250, ownId: 1))
        // gdb's breakpoint: one int3 written through /proc/4243/mem into task 4243.
        let breakpoint = SyscallEvent(tid: 4242, number: 18, args: [7, 0x7fff_ffff_e010, 1, 0x5555_5555_6139, 0, 0],
                                      registers: registers(16), result: 1,
                                      memFileWrite: MemFileWrite(tid: 4243, address: 0x5555_5555_6139))
        let filtered = SyscallEvent(tid: 4244, number: 121, args: [0, 0, 0, 0, 0, 0], registers: registers(12),
                                    result: 121, seccomp: .trap)
        return [
            .syscall(clone),
            .exec(exec), .syscall(read), .syscall(openat), .syscall(emptyWrite), .syscall(mmap), .syscall(write),
            .rdtsc(RdtscEvent(tid: 4242, registers: registers(8), value: 0x1234_5678_9abc_def0, aux: 3, isRdtscp: true)),
            .rdtsc(RdtscEvent(tid: 4242, registers: registers(9), value: 17, aux: UInt32.max, isRdtscp: false)),
            .syscall(largeRead), .syscall(filtered), .syscall(breakpoint),
            .signal(SignalEvent(tid: 4243, signal: 11, code: -6, registers: registers(10))),
            .signal(SignalEvent(tid: 4243, signal: 11, code: 1, registers: registers(11),
                                siginfo: siginfo(signal: 11, code: 1, random: &random), point: .synchronous)),
            .syscallEntry(SyscallEntryEvent(tid: 4244, number: 0, registers: registers(12))),
            .signal(SignalEvent(tid: 4242, signal: 14, code: 0x80, registers: registers(13),
                                siginfo: siginfo(signal: 14, code: 0x80, random: &random), point: .syscallBoundary)),
            .preempt(PreemptEvent(tid: 4244, registers: registers(14))),
            .signal(SignalEvent(tid: Int32.min, signal: Int32.max, code: Int32.min, registers: registers(UInt64.max),
                                siginfo: [UInt8](repeating: 0xFF, count: 128), point: .arbitrary)),
            .syscallEntry(SyscallEntryEvent(tid: Int32.max, number: Int32.min, registers: registers(UInt64.max - 1))),
            .preempt(PreemptEvent(tid: Int32.min, registers: registers(0))),
            .syscall(extremes),
            .exit(ExitEvent(tid: 4243, waitStatus: 0x8b)),
            .exit(ExitEvent(tid: 4242, waitStatus: Int32.min)),
        ]
    }
}

extension Sample {
    /// A 128-byte siginfo_t: si_signo, si_errno, si_code, then the union (random here).
    static func siginfo(signal: Int32, code: Int32, random: inout TestRandom) -> [UInt8] {
        var bytes: [UInt8] = []
        for v in [signal, 0, code] { bytes += withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        return bytes + random.bytes(128 - bytes.count)
    }
}

/// Everything a reader yields, and how it ended (or the error it stopped with).
struct ReadResult {
    var events: [Event] = []
    var end: TraceEnd?
    var error: Error?
}

enum TraceFiles {
    static func readAll(_ directory: String) -> ReadResult {
        var result = ReadResult()
        do {
            let reader = try TraceReader(directory: directory)
            while let event = try reader.next() { result.events.append(event) }
            result.end = reader.end
        } catch {
            result.error = error
        }
        return result
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }

    /// Copies the three files of a trace to a new directory, changing one of them.
    static func copy(_ source: String, to destination: String, replacing name: String? = nil,
                     with contents: [UInt8] = []) throws {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        for file in ["header", "events", "data"] {
            let bytes = file == name ? contents : try self.bytes(source + "/" + file)
            try write(bytes, to: destination + "/" + file)
        }
    }
}
