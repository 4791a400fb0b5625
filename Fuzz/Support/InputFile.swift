// What the harnesses share: the fuzz input as a readable file descriptor, for the code under
// test that reads its input from a descriptor (DAP's FrameReader, gdb's PacketConnection).
import Glibc

public enum InputFile {
    /// An unlinked temporary file holding `bytes`, its offset at 0; the caller closes it. A
    /// regular file rather than a pipe: a pipe holds 64 KiB, and a write beyond that would
    /// block the single-threaded harness. Anything written to the descriptor after the input
    /// has been read goes past its end, so later reads see end of file.
    public static func descriptor(holding bytes: UnsafeRawBufferPointer) -> Int32 {
        var template = Array("/tmp/swrr-fuzz-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0, "mkstemp failed: errno \(errno)")
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var off = 0
        while off < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + off, bytes.count - off, off_t(off))
            precondition(n > 0, "pwrite failed: errno \(errno)")
            off += n
        }
        return fd
    }

    /// /dev/null for writing, opened once: where the code under test sends its replies.
    public static let null: Int32 = open("/dev/null", O_WRONLY | O_CLOEXEC)
}
