// The data extents of a file, holes skipped (SEEK_DATA/SEEK_HOLE): what copying a file into a
// trace and checksumming a kept file both read, so that a sparse file costs its data, not its
// size (measured: a mapped 100 GB sparse file wrote 13 GB of trace before it was stopped; a
// 10 GiB one with 12 KiB of data took 4 s to checksum by reading its holes as zeros).
import Glibc

enum FileExtents {
    // <unistd.h> defines these only with _GNU_SOURCE, which Swift's Glibc module does not set.
    static let SEEK_DATA: Int32 = 3
    static let SEEK_HOLE: Int32 = 4

    /// The next extent of data of `fd` at or after `position`, before `end`, as [start, end);
    /// nil when only a hole is left. A filesystem without SEEK_DATA (EINVAL, EOPNOTSUPP) has one
    /// extent: the whole rest of the file. Returns the errno of any other failure.
    static func nextData(_ fd: Int32, from position: off_t, end: off_t) -> Result<(off_t, off_t)?, Errno> {
        guard position < end else { return .success(nil) }
        let start = lseek(fd, position, SEEK_DATA)
        if start < 0 {
            if errno == ENXIO { return .success(nil) }
            guard errno == EINVAL || errno == EOPNOTSUPP else { return .failure(Errno(errno)) }
            return .success((position, end))
        }
        guard start < end else { return .success(nil) }
        let hole = lseek(fd, start, SEEK_HOLE)
        return .success((start, hole > start ? min(hole, end) : end))
    }
}
