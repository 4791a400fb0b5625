// The names threads are shown with: each replayed thread's own name, as the kernel keeps it in
// /proc/TID/comm of the replaying task. Replay runs prctl(PR_SET_NAME) as recorded (it is how
// pthread_setname_np names the calling thread; SyscallTable), so that name is the one the
// program gave the thread. A thread that was never named has the name exec gave it, which under
// replay is the name of the trace's copy of the executable ("files/<N>-<basename>", cut to 15
// bytes as the kernel cuts comm): that one is shown as the program's own basename instead.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwrrTracee

enum ThreadNames {
    /// The comm length limit (TASK_COMM_LEN 16, with the NUL).
    static let commLength = 15

    /// The name of the replaying task `replayTid`, or nil when /proc no longer has it.
    static func name(replayTid: Int32) -> String? {
        guard let comm = readTextFile("/proc/\(replayTid)/comm") else { return nil }
        let name = comm.hasSuffix("\n") ? String(comm.dropLast()) : comm
        guard let copy = executableCopy(replayTid: replayTid) else { return name }
        // exec's name for the copy: "0-loop" for files/0-loop, cut as comm is.
        if name == String(decoding: Array(copy.utf8).prefix(commLength), as: UTF8.self) {
            return recordedBasename(ofCopy: copy)
        }
        return name
    }

    /// The basename of the file a replaying task executes (a trace copy).
    static func executableCopy(replayTid: Int32) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/\(replayTid)/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(cString: buf).split(separator: "/").last.map(String.init)
    }

    /// "loop" for the copy "0-loop" (TraceFormat: files/<N>-<basename>); the copy's own name
    /// when it is not of that form.
    static func recordedBasename(ofCopy copy: String) -> String {
        guard let dash = copy.firstIndex(of: "-"), copy[..<dash].allSatisfy(\.isNumber), !copy[..<dash].isEmpty,
              copy.index(after: dash) < copy.endIndex else { return copy }
        return String(copy[copy.index(after: dash)...])
    }
}
