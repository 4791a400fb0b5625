// The syscall buffer shared with the preload library (libswrrpreload.so), as data: the stub page,
// swrr's own call numbers, and the byte layout of the buffer and its records. The C side is
// Sources/SwrrPreload/include/swrr_syscallbuf.h, which explains the protocol;
// SyscallBufferLayoutTests compiles that header and checks these numbers against it.

public enum SyscallBufferLayout {
    /// The read+execute page mapped after every exec: the untraced syscall stub, and the mode word.
    public static let stubPage: UInt64 = 0x7000_1000
    /// Where the stub's syscall instruction ends: the one instruction pointer the recorder's
    /// seccomp filter lets through without a stop.
    public static let untracedSyscallEnd: UInt64 = stubPage + 2
    /// A u32 in the stub page: 0 while recording, 1 while replaying.
    public static let modeOffset: UInt64 = 0x800
    /// A bitmap in the stub page (recording only) of the files whose writes must stay recorded
    /// syscalls, because they are mapped in the recording (SWRR_STUB_MAPPED_FILES).
    public static let mappedFilesOffset: UInt64 = 0xC00
    public static let mappedFilesBits = 8192

    /// The bitmap's bit for a file (swrr_mapped_file_bit): the top 13 bits of a multiplicative hash.
    public static func mappedFileBit(device: UInt64, inode: UInt64) -> Int {
        Int(((inode ^ (device << 32)) &* 0x9E37_79B9_7F4A_7C15) >> 51)
    }

    /// Where the stub's second, traced, syscall instruction ends (`syscall; ret` at stub + 0x10):
    /// swrr's own calls (registerBufferCall...) count as such only from there, so a program's
    /// syscall(1000) is an ordinary call of a number no kernel has.
    public static let swrrCallEnd: UInt64 = stubPage + 0x12
    /// What follows the `syscall` instruction of the library's own recorded calls (its buffer's
    /// mmap, the desched event's setup, libc patching, swrr's calls): `ret` and SWRR_OWN_MARKER,
    /// never executed. The recorder reads it at a stop of the program's seccomp filter: the
    /// filter must not act on calls the program never makes natively (ProgramSeccompFilter.swift).
    public static let ownSyscallSignature: [UInt8] = [0xC3] + Array("swrr-own".utf8)
    /// In rbx during the library's own untraced calls at the stub (the fstat, getpid and kcmp
    /// that classify a descriptor, the desched event's ioctls): the recorder tells them from the
    /// program's buffered calls, which also pass the stub, at a stop of the program's filter.
    public static let ownUntracedTag: UInt64 = 0x7377_7272_6f77_6e31   // "swrrown1"

    /// The stub page's first bytes: `syscall; xor ecx,ecx; xor r11d,r11d; ret` when recording.
    /// Replay has `xor eax,eax` instead of the syscall (the library never calls it then). Then,
    /// at 0x10, `syscall; ret` and the own-call marker for swrr's own calls, in both modes (replay
    /// reaches them as events).
    public static func stubCode(replaying: Bool) -> [UInt8] {
        let untraced: [UInt8] = (replaying ? [0x31, 0xC0] : [0x0F, 0x05]) + [0x31, 0xC9, 0x45, 0x31, 0xDB, 0xC3]
        // swrr's own calls are the library's, not the program's: the marker keeps the program's
        // seccomp filters from acting on them (ownSyscallSignature).
        return untraced + [UInt8](repeating: 0xCC, count: 0x10 - untraced.count) + [0x0F, 0x05] + ownSyscallSignature
    }

    /// Whether a syscall of `number` whose instruction ended at `rip` is one of swrr's own calls:
    /// one of its numbers, made through the stub (SWRR_STUB_CALL).
    public static func isOwnCall(_ number: Int, rip: UInt64) -> Bool {
        callNames[number] != nil && rip == swrrCallEnd
    }

    public static let bufferSize: UInt32 = 1 << 20
    public static let headerSize = 64

    /// The buffers at `addresses` (every one registered so far in the recording), for a state
    /// signature's memory digest to leave out (docs/POSITIONS.md): their contents differ between
    /// recording and replay (the recorder empties a buffer at each flush, replay refills it
    /// ahead of the calls), and the records are in the trace anyway. Recorder and replayer pass
    /// the same addresses: those of the swrr_register_buffer calls before the position. An
    /// address whose buffer would pass the top of user space is cut there.
    public static func bufferRanges<S: Sequence>(_ addresses: S) -> [Range<UInt64>] where S.Element == UInt64 {
        let top: UInt64 = 0x8000_0000_0000
        return addresses.filter { $0 < top }.sorted().map { $0..<min(top, $0 + UInt64(bufferSize)) }
    }
    /// Header fields (u32 each).
    public static let usedOffset = 0, limitOffset = 4, lockedOffset = 8, armedOffset = 12
    /// Nonzero while the library's remembered descriptor classes may be used; swrr clears it at
    /// every flush with records (recording) and every refill (replay).
    public static let classesOffset = 16
    /// Recording only: nonzero while a vfork child runs on its parent's buffer; the library then
    /// marks the descriptors it classifies as may-block with SWRR_FD_SHARED (never buffered: the
    /// desched event in the shared TLS is the parent's).
    public static let sharedOffset = 20
    /// Bytes available for records after the header.
    public static var recordSpace: UInt32 { bufferSize - UInt32(headerSize) }

    /// A record: u32 number, u32 size (a multiple of 8, header included), i64 result, three u64
    /// arguments, then the output bytes.
    public static let recordHeaderSize = 40

    /// swrr's own call numbers.
    public static let registerBufferCall = 1000
    /// swrr_register_buffer's answer when the library should also patch libc's syscalls.
    public static let patchAnswer: Int64 = 1
    public static let bufferMismatchCall = 1001
    /// A record-only pseudo call: the library's classification of a descriptor (its fstat).
    public static let fdClassCall = 1002
    /// Likewise for a path before an open.
    public static let pathClassCall = 1003
    /// The library announces its thread's desched event (a perf event's descriptor).
    public static let registerDeschedCall = 1004
    /// The signal the desched event sends (SIGPWR, as rr).
    public static let deschedSignal: Int32 = 30
    /// What the recorder makes a buffered call return when a signal interrupted it: the library
    /// then makes it as an ordinary syscall.
    public static let interrupted: Int64 = -4096

    /// A result a syscall has when a signal interrupted it (the kernel's internal restart codes, as
    /// a tracer sees them, and EINTR).
    public static func wasInterrupted(_ result: Int64) -> Bool {
        result == -4 || result == -512 || result == -513 || result == -514 || result == -516
    }

    public static let callNames: [Int: String] = [
        registerBufferCall: "swrr_register_buffer",
        bufferMismatchCall: "swrr_buffer_mismatch",
        fdClassCall: "swrr_fd_class",
        pathClassCall: "swrr_path_class",
        registerDeschedCall: "swrr_register_desched",
    ]
}

/// One record of a flushed buffer.
public struct BufferedSyscall: Equatable, Sendable {
    public var number: Int
    public var result: Int64
    /// The first three arguments.
    public var args: [UInt64]
    /// Bytes after the record's header: what the kernel wrote, in the order of the call's output
    /// rules, padded to 8.
    public var outputLength: Int

    /// Walks back-to-back records without decoding them: `body(number, offset)` for each (the
    /// record's header starts at `offset`). false if they do not parse (sizes out of bounds).
    /// The recorder's flush goes through every buffered call this way, without an allocation.
    public static func scan(_ bytes: [UInt8], _ body: (_ number: Int, _ offset: Int) -> Void) -> Bool {
        bytes.withUnsafeBytes { raw in
            var p = 0
            while p < raw.count {
                guard p + SyscallBufferLayout.recordHeaderSize <= raw.count else { return false }
                let size = Int(raw.loadUnaligned(fromByteOffset: p + 4, as: UInt32.self).littleEndian)
                guard size >= SyscallBufferLayout.recordHeaderSize, size % 8 == 0, p + size <= raw.count else {
                    return false
                }
                body(Int(raw.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian), p)
                p += size
            }
            return true
        }
    }

    /// Parses back-to-back records; nil if they do not parse (sizes out of bounds).
    public static func parse(_ bytes: [UInt8]) -> [BufferedSyscall]? {
        var out: [BufferedSyscall] = []
        let parsed = scan(bytes) { number, p in
            out.append(BufferedSyscall(
                number: number, result: Int64(bitPattern: bytes.loadU64(at: p + 8)),
                args: [bytes.loadU64(at: p + 16), bytes.loadU64(at: p + 24), bytes.loadU64(at: p + 32)],
                outputLength: Int(bytes.loadU32(at: p + 4)) - SyscallBufferLayout.recordHeaderSize))
        }
        return parsed ? out : nil
    }
}
