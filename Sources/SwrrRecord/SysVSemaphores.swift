// The semaphore count of a SysV set, which semctl(GETALL) needs to tell how many bytes it wrote
// (one unsigned short per semaphore) but does not carry. /proc/sysvipc/sem lists every set of
// the recorder's IPC namespace (the program's, unless it made one of its own: then the set is
// not found there, or another one is, and GETALL is refused or misread):
//        key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime
// Read after the call, so a set the call itself could not find was never written to.
import SwrrTracee

enum SysVSemaphores {
    static func count(of semid: Int32) -> Int? {
        guard let text = readTextFile("/proc/sysvipc/sem") else { return nil }
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 4, let id = Int32(f[1]), id == semid, let n = Int(f[3]) else { continue }
            return n
        }
        return nil
    }
}
