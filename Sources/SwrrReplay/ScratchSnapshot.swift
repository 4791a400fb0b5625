// The replay's scratch copies of trace files (FileMapper) as a checkpoint found them. A program
// writes to them through MAP_SHARED mappings, so a checkpoint must keep their bytes; each is
// copied into a directory of the checkpoint's own with its holes kept (SwrrTrace's FileCopy), so
// a snapshot costs the copies' data, not their sizes (measured: the sparse_map fixture's 10 GiB
// file with 12 KiB of data was read whole into the replayer's memory at every checkpoint).
import Glibc

final class ScratchSnapshot {
    /// Trace name → the snapshot's copy of that scratch file.
    let copies: [String: String]
    private var directory: String?

    init(copies: [String: String], directory: String?) {
        self.copies = copies
        self.directory = directory
    }

    deinit { remove() }

    /// What the copies occupy (their allocated blocks: on a tmpfs, memory).
    var allocatedBytes: Int {
        copies.values.reduce(0) { total, path in
            var st = stat()
            guard stat(path, &st) == 0, st.st_blocks > 0, st.st_blocks <= Int.max / 512 / 2 else { return total }
            return total + Int(st.st_blocks) * 512
        }
    }

    /// Deletes the copies (with the checkpoint).
    func remove() {
        guard let d = directory else { return }
        for f in copies.values { unlink(f) }
        rmdir(d)
        directory = nil
    }
}
