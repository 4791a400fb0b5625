// Mapped files on replay: mmap, shmat and shmdt map the same thing at the recorded address, files
// from the trace's copies (FileMapper), opened in the tracee through a path written to swrr's
// scratch page. A process keeps the trace file it last opened to map from open for its next mmap
// of the same file (ld.so maps a library in 4 or 5 mmaps of one file).
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// A trace file a replayed process keeps open to map from (MappingReplay.sources).
struct MappingSource {
    var path: String
    var writable: Bool
    var fd: Int64 = -1
}

final class MappingReplay {
    unowned let session: ReplaySession
    /// The trace file each replayed process (by its real pid) last opened to map from, still
    /// open in it (`map`).
    private var sources: [pid_t: MappingSource] = [:]

    init(session: ReplaySession) {
        self.session = session
    }

    private var files: FileMapper { session.files }
    private func diverge(_ what: String) -> ReplayError { session.diverge(what) }

    /// Forgets the file process `pid` kept open: it exec'd (the file was opened close-on-exec), or
    /// the pid is used again by a new process.
    func forget(process pid: pid_t) {
        sources[pid] = nil
    }


    /// mmap: map the same thing at the recorded address. Files come from the trace's copies
    /// (FileMapper), opened in the tracee through a path written to swrr's scratch page.
    func replayMmap(_ ev: SyscallEvent, task: Task, regs: Registers) throws {
        guard ev.result >= 0 else { return }   // failed when recorded: nothing to map
        let address = UInt64(bitPattern: ev.result)
        let r = try map(ev.mappedFile, at: address, length: ev.args[1], prot: ev.args[2], flags: ev.args[3],
                        offset: ev.args[5], task: task, regs: regs)
        if r != ev.result {
            throw diverge("mmap at 0x\(String(address, radix: 16)) returned \(r) on replay")
        }
    }

    /// Maps the trace's copy of `file` (nil: anonymous memory) at `address` (MAP_FIXED), shared
    /// when the recorded flags were and the copy allows it. Returns what the injected mmap did.
    private func map(_ file: MappedFile?, at address: UInt64, length: UInt64, prot: UInt64, flags recorded: UInt64,
                     offset: UInt64, task: Task, regs: Registers) throws -> Int64 {
        let insn = regs.rip - 2
        var (flags, fd) = try mappingArguments(file, flags: recorded)
        if let file = file {
            // The descriptor stays open in the process for its next mmap of the same file (ld.so
            // maps each library in 4 or 5): an open and a close are 6 of the 9 ptrace stops of a
            // file mapping. The replayed program never sees it: its own descriptor calls are
            // emulated.
            let (path, _) = try files.source(for: file)
            let shared = flags & MmapFlags.typeMask == MmapFlags.shared
            if let kept = try keptMapping(file, flags: recorded, tgid: task.tgid) {
                fd = kept.fd
            } else {
                if let kept = sources[task.tgid] {
                    sources[task.tgid] = nil
                    _ = try task.injectSyscall(Syscall.close.number, [UInt64(bitPattern: kept.fd)],
                                               syscallInstruction: insn, base: regs)
                }
                let bytes = Array(path.utf8) + [0]
                guard UInt64(bytes.count) <= ScratchPage.size else {
                    throw ReplayError.tracee("the trace path \(path) is too long")
                }
                try task.writeMemory(ScratchPage.address, bytes)
                let oflags: UInt64 = (shared ? 2 /* O_RDWR */ : 0) | 0o2000000 /* O_CLOEXEC */
                fd = try task.injectSyscall(Syscall.openat.number,
                                            [UInt64(bitPattern: -100 /* AT_FDCWD */), ScratchPage.address, oflags, 0],
                                            syscallInstruction: insn, base: regs)
                guard fd >= 0 else {
                    throw ReplayError.tracee("the replayed program cannot open the trace's copy \(path) (error \(-fd))")
                }
                sources[task.tgid] = MappingSource(path: path, writable: shared, fd: fd)
            }
        }
        return try task.injectSyscall(Syscall.mmap.number,
                                      [address, length, prot, flags, UInt64(bitPattern: fd), file == nil ? 0 : offset],
                                      syscallInstruction: insn, base: regs)
    }

    /// The flags replay maps a recorded mapping with (MAP_FIXED at the recorded address; shared
    /// when the recorded flags were and the trace's copy allows it), and -1 for the descriptor
    /// (anonymous memory: MAP_ANONYMOUS).
    private func mappingArguments(_ file: MappedFile?, flags recorded: UInt64) throws -> (flags: UInt64, fd: Int64) {
        let typeMask = MmapFlags.typeMask
        let flags = (recorded & ~MmapFlags.fixedNoReplace) | MmapFlags.fixed
        guard let file = file else { return (flags | MmapFlags.anonymous, -1) }
        let shared = try recorded & typeMask != MmapFlags.private && files.source(for: file).shareable
        return ((flags & ~typeMask) | (shared ? MmapFlags.shared : MmapFlags.private), -1)
    }

    /// The mapping's flags and descriptor when it needs no open: anonymous memory, or the file the
    /// process keeps open from its previous mmap (opened the same way). nil otherwise.
    func keptMapping(_ file: MappedFile?, flags recorded: UInt64, tgid: pid_t) throws -> (flags: UInt64, fd: Int64)? {
        let (flags, fd) = try mappingArguments(file, flags: recorded)
        guard let file = file else { return (flags, fd) }
        let path = try files.source(for: file).path
        guard let kept = sources[tgid], kept.path == path,
              kept.writable == (flags & MmapFlags.typeMask == MmapFlags.shared) else { return nil }
        return (flags, kept.fd)
    }

    /// shmat: the segment's copy (one scratch file for all its attachments) mapped MAP_SHARED at
    /// the recorded address, readable, writable unless SHM_RDONLY, executable with SHM_EXEC.
    func replayShmAttach(_ ev: SyscallEvent, task: Task, regs: Registers) throws {
        guard ev.result >= 0 else { return }
        guard let file = ev.mappedFile else {
            throw ReplayError.trace("the shmat of event \(session.eventNumber) has no copy of its segment")
        }
        let address = UInt64(bitPattern: ev.result)
        let (path, _) = try files.source(for: file)
        var st = stat()
        guard stat(path, &st) == 0 else { throw ReplayError.trace("cannot read the trace's copy \(path)") }
        let page: UInt64 = 4096
        let length = (UInt64(st.st_size) + page - 1) & ~(page - 1)
        let shmReadOnly: UInt64 = 0o10000, shmExec: UInt64 = 0o100000
        var prot: UInt64 = 1 /* PROT_READ */
        if ev.args[2] & shmReadOnly == 0 { prot |= 2 /* PROT_WRITE */ }
        if ev.args[2] & shmExec != 0 { prot |= 4 /* PROT_EXEC */ }
        let r = try map(file, at: address, length: length, prot: prot, flags: MmapFlags.shared, offset: 0, task: task, regs: regs)
        if r != ev.result {
            throw diverge("shmat at 0x\(String(address, radix: 16)) returned \(r) on replay")
        }
    }

    /// shmdt: unmaps the mapping shmat's replay made at that address (its extent read from the
    /// task's maps: the replay keeps no table that a checkpoint would have to carry).
    func replayShmDetach(_ ev: SyscallEvent, task: Task, regs: Registers) throws {
        guard ev.result == 0 else { return }   // failed when recorded: nothing was detached
        let address = ev.args[0]
        guard let m = try task.mappings().first(where: { $0.start == address }) else {
            throw diverge("shmdt of 0x\(String(address, radix: 16)), where the replay attached no segment")
        }
        let r = try task.injectSyscall(Syscall.munmap.number, [address, m.end - m.start],
                                       syscallInstruction: regs.rip - 2, base: regs)
        if r != 0 {
            throw diverge("shmdt of 0x\(String(address, radix: 16)): munmap returned \(r) on replay")
        }
    }
}
