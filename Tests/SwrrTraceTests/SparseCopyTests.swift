// FileCopy keeps holes (issue 14): a sparse file's copy has the same bytes at every offset and
// occupies only its data's blocks; blocks of written zeros are not written either. (A copy that
// cannot fit in the free space: SwrrTests/SparseMapTests.swift, through a recording.)
import Foundation
import Glibc
@testable import SwrrTrace
import XCTest

final class SparseCopyTests: XCTestCase {
    func allocated(_ path: String) throws -> Int64 {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0, path)
        return Int64(st.st_blocks) * 512
    }

    func testSparseFileIsCopiedWithItsHoles() throws {
        let dir = try temporaryDirectory("sparse-copy")
        let source = dir + "/sparse", copy = dir + "/copy"
        let fd = open(source, O_CREAT | O_RDWR | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let size: off_t = 1 << 30
        XCTAssertEqual(ftruncate(fd, size), 0)
        // Random data at three places (one straddling a 1 MiB boundary), written zeros at a fourth.
        var written: [(off_t, [UInt8])] = []
        var random = TestRandom(seed: UInt64.random(in: 1...UInt64.max))
        for at in [off_t(0), (64 << 20) - 100, size - 4096] {
            let bytes = random.bytes(4096).map { $0 | 1 }
            XCTAssertEqual(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, at) }, 4096)
            written.append((at, bytes))
        }
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        XCTAssertEqual(zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 512 << 20) }, 1 << 20)
        XCTAssertEqual(fsync(fd), 0)
        close(fd)

        try FileCopy.copy(from: source, to: copy, mode: 0o600, durable: false)
        var st = stat()
        XCTAssertEqual(stat(copy, &st), 0)
        XCTAssertEqual(st.st_size, size)
        // Three data extents of a page or two each: far below the 1 MiB of written zeros.
        XCTAssertLessThan(try allocated(copy), 256 << 10, "the copy filled its holes")
        let back = open(copy, O_RDONLY)
        defer { close(back) }
        for (at, bytes) in written {
            var got = [UInt8](repeating: 0, count: 4096)
            XCTAssertEqual(got.withUnsafeMutableBytes { pread(back, $0.baseAddress, 4096, at) }, 4096)
            XCTAssertEqual(got, bytes, "the bytes at \(at)")
        }
        for at in [off_t(4096), 512 << 20, (512 << 20) + 4095, size / 2] {
            var got = [UInt8](repeating: 0xff, count: 1)
            XCTAssertEqual(got.withUnsafeMutableBytes { pread(back, $0.baseAddress, 1, at) }, 1)
            XCTAssertEqual(got, [0], "the hole at \(at)")
        }
    }

    /// The CRC of a run of zeros computed from its length equals the CRC of the zeros read.
    func testZerosCRCMatchesReadZeros() {
        let zeros = [UInt8](repeating: 0, count: (3 << 20) + 5)
        for count in [0, 1, 4095, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 2 << 20, (3 << 20) + 5] {
            for start: UInt32 in [0, 0xDEADBEEF] {
                let read = zeros.withUnsafeBytes { CRC32.update(start, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                XCTAssertEqual(CRC32.updateZeros(start, count: UInt64(count)), read, "\(count) zeros after \(start)")
            }
        }
    }

    /// A sparse file's checksum (holes computed, not read) equals that of its bytes read in full.
    func testSparseFileChecksumEqualsTheReadBytes() throws {
        let dir = try temporaryDirectory("sparse-sum")
        let path = dir + "/sparse"
        let fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let size: off_t = (40 << 20) + 123
        XCTAssertEqual(ftruncate(fd, size), 0)
        var random = TestRandom(seed: UInt64.random(in: 1...UInt64.max))
        for at in [off_t(100), (17 << 20) - 7, size - 50] {
            let bytes = random.bytes(50).map { $0 | 1 }
            XCTAssertEqual(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, at) }, 50)
        }
        var whole = [UInt8](repeating: 0, count: Int(size))
        XCTAssertEqual(whole.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }, Int(size))
        let sum = try FileChecksum.of(fd, path: path)
        XCTAssertEqual(sum.size, UInt64(size))
        XCTAssertEqual(sum.crc32, CRC32.checksum(whole))
    }
}
