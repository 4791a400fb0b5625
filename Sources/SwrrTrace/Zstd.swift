// zstd through its simple one-shot API. Each chunk is one zstd frame that records its content
// size, so a reader knows how much to allocate before decompressing (and checks it against the
// chunk header and the cap first).
import CZstd

struct ZstdProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

enum Zstd {
    static let level: Int32 = 3

    /// Largest compressed size of `length` input bytes.
    static func bound(_ length: Int) -> Int {
        ZSTD_compressBound(length)
    }

    private static func errorName(_ code: Int) -> String {
        String(cString: ZSTD_getErrorName(code))
    }

    /// Compresses into one frame; the error is zstd's own name for what went wrong.
    static func compress(_ source: [UInt8]) -> Result<[UInt8], ZstdProblem> {
        let capacity = bound(source.count)
        var problem: String?
        let out = [UInt8](unsafeUninitializedCapacity: max(capacity, 1)) { dst, filled in
            let r = source.withUnsafeBytes { src in
                ZSTD_compress(dst.baseAddress, capacity, src.baseAddress, src.count, level)
            }
            if ZSTD_isError(r) != 0 {
                problem = errorName(r)
                filled = 0
            } else {
                filled = r
            }
        }
        if let problem { return .failure(ZstdProblem(problem)) }
        return .success(out)
    }

    /// Decompresses one frame that must hold exactly `length` bytes (already checked against
    /// the cap by the caller). The error says what is wrong with the frame.
    static func decompress<C: ContiguousCollection>(_ frame: C, length: Int) -> Result<[UInt8], ZstdProblem>
    where C.Element == UInt8 {
        frame.withUnsafeBytes { src -> Result<[UInt8], ZstdProblem> in
            let declared = ZSTD_getFrameContentSize(src.baseAddress, src.count)
            // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR (macros Swift cannot see).
            if declared == UInt64.max { return .failure(ZstdProblem("the zstd frame does not record its size")) }
            if declared == UInt64.max - 1 { return .failure(ZstdProblem("the bytes are not a zstd frame")) }
            guard declared == UInt64(length) else {
                return .failure(ZstdProblem("the zstd frame holds \(declared) bytes but the chunk header says \(length)"))
            }
            let frameSize = ZSTD_findFrameCompressedSize(src.baseAddress, src.count)
            guard ZSTD_isError(frameSize) == 0, frameSize == src.count else {
                return .failure(ZstdProblem("the zstd frame does not fill the chunk exactly"))
            }
            var problem: String?
            let out = [UInt8](unsafeUninitializedCapacity: max(length, 1)) { dst, filled in
                let r = ZSTD_decompress(dst.baseAddress, length, src.baseAddress, src.count)
                if ZSTD_isError(r) != 0 {
                    problem = "zstd decompression failed: \(errorName(r))"
                    filled = 0
                } else if r != length {
                    problem = "zstd decompressed \(r) bytes instead of \(length)"
                    filled = 0
                } else {
                    filled = r
                }
            }
            if let problem { return .failure(ZstdProblem(problem)) }
            return .success(out)
        }
    }
}
