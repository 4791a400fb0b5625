// Mapped files on replay: mmap, shmat and shmdt map the same thing at the recorded address, files
// from the trace's copies (FileMapper), opened in the tracee through a path written to swrr's
// scratch page. A process keeps every trace file it opened to map from open for its later mmaps
// of the same file (ld.so maps a library in 4 or 5 mmaps of one file; a make -j2 of 16 files
// maps 534 files in 2,068 mmaps).
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
    /// The trace files each replayed process (by its real pid) opened to map from, all still open
    /// in it (`map`). They are never closed (but at EMFILE): a close is two more ptrace stops per
    /// library, and the program never sees these descriptors, since every call of its own that
    /// takes a descriptor is emulated (none that replay runs for real takes one).
    private var sources: [pid_t: [MappingSource]] = [:]

    init(session: ReplaySession) {
        self.session = session
    }

    private var files: FileMapper { session.files }
    private func diverge(_ what: String) -> ReplayError { session.diverge(what) }

    /// Forgets the files process `pid` kept open: it exec'd (they were opened close-on-exec), or
    /// the pid is used again by a new process.
    func forget(process pid: pid_t) {
        sources[pid] = nil
    }

    /// A process made by fork or vfork without CLONE_FILES has a copy of its parent's descriptor
    /// table, so the parent's kept files are open in it at the same numbers.
    func inherit(process child: pid_t, from parent: pid_t) {
        sources[child] = sources[parent]
    }

    /// mmap from a real syscall entry stop (PTRACE_SYSCALL, no debugger): the kernel runs the call
    /// with its arguments changed there (the recorded address with MAP_FIXED, the kept trace copy's
    /// descriptor). A file the process does not keep open yet is opened by that same entry turned
    /// into the openat (its exit the only stop), and then mapped by an injected mmap: 3 stops after
    /// the entry where an injected close, openat and mmap from a PTRACE_SYSEMU stop took 7.
    func replayMmapAtEntry(_ ev: SyscallEvent, task t: ReplayTask, regs: Registers) throws {
        let task = t.task
        let address = UInt64(bitPattern: ev.result)
        let mapped: Int64
        if let (flags, fd) = try keptMapping(ev.mappedFile, flags: ev.args[3], tgid: task.tgid) {
            var r = regs
            r.syscallArgs = [address, ev.args[1], ev.args[2], flags, UInt64(bitPattern: fd),
                             ev.mappedFile == nil ? 0 : ev.args[5]]
            try task.setRegisters(r)
            mapped = try session.syscalls.runToSyscallExit(t)
        } else {
            let file = ev.mappedFile!   // keptMapping answers every anonymous mapping
            let (flags, _) = try mappingArguments(file, flags: ev.args[3])
            let (path, _) = try files.source(for: file)
            let shared = flags & MmapFlags.typeMask == MmapFlags.shared
            let open = try openArguments(path, shared: shared, task: task)
            var r = regs
            r.origRax = UInt64(Syscall.openat.number)
            r.syscallArgs = open + [0, 0]
            try task.setRegisters(r)
            var fd = try session.syscalls.runToSyscallExit(t)
            if fd == -Int64(EMFILE) {
                try closeKept(task: task, regs: regs)
                fd = try task.injectSyscall(Syscall.openat.number, open, syscallInstruction: regs.rip - 2, base: regs)
            }
            try keep(path, shared: shared, fd: fd, tgid: task.tgid)
            mapped = try task.injectSyscall(Syscall.mmap.number,
                                            [address, ev.args[1], ev.args[2], flags, UInt64(bitPattern: fd), ev.args[5]],
                                            syscallInstruction: regs.rip - 2, base: regs)
        }
        if mapped != ev.result {
            throw diverge("mmap at 0x\(String(address, radix: 16)) returned \(mapped) on replay")
        }
    }

    /// openat's arguments for a trace copy, its path written to the task's scratch page: read-only,
    /// or read-write for a MAP_SHARED mapping; close-on-exec.
    private func openArguments(_ path: String, shared: Bool, task: Task) throws -> [UInt64] {
        let bytes = Array(path.utf8) + [0]
        guard UInt64(bytes.count) <= ScratchPage.size else {
            throw ReplayError.tracee("the trace path \(path) is too long")
        }
        try task.writeMemory(ScratchPage.address, bytes)
        return [UInt64(bitPattern: -100 /* AT_FDCWD */), ScratchPage.address,
                (shared ? 2 /* O_RDWR */ : 0) | 0o2000000 /* O_CLOEXEC */, 0]
    }

    /// Notes a trace copy the process opened (`fd`, the openat's result) for its later mmaps.
    private func keep(_ path: String, shared: Bool, fd: Int64, tgid: pid_t) throws {
        guard fd >= 0 else {
            throw ReplayError.tracee("the replayed program cannot open the trace's copy \(path) (error \(-fd))")
        }
        sources[tgid, default: []].append(MappingSource(path: path, writable: shared, fd: fd))
    }

    /// Closes every trace copy the process keeps open (its descriptors ran out: the program
    /// lowered RLIMIT_NOFILE, which replay runs for real).
    private func closeKept(task: Task, regs: Registers) throws {
        for kept in sources[task.tgid] ?? [] {
            _ = try task.injectSyscall(Syscall.close.number, [UInt64(bitPattern: kept.fd)],
                                       syscallInstruction: regs.rip - 2, base: regs)
        }
        sources[task.tgid] = nil
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
            let (path, _) = try files.source(for: file)
            let shared = flags & MmapFlags.typeMask == MmapFlags.shared
            if let kept = try keptMapping(file, flags: recorded, tgid: task.tgid) {
                fd = kept.fd
            } else {
                let open = try openArguments(path, shared: shared, task: task)
                fd = try task.injectSyscall(Syscall.openat.number, open, syscallInstruction: insn, base: regs)
                if fd == -Int64(EMFILE) {
                    try closeKept(task: task, regs: regs)
                    fd = try task.injectSyscall(Syscall.openat.number, open, syscallInstruction: insn, base: regs)
                }
                try keep(path, shared: shared, fd: fd, tgid: task.tgid)
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

    /// The mapping's flags and descriptor when it needs no open: anonymous memory, or a file the
    /// process keeps open from an earlier mmap (opened the same way). nil otherwise.
    func keptMapping(_ file: MappedFile?, flags recorded: UInt64, tgid: pid_t) throws -> (flags: UInt64, fd: Int64)? {
        let (flags, fd) = try mappingArguments(file, flags: recorded)
        guard let file = file else { return (flags, fd) }
        let path = try files.source(for: file).path
        let writable = flags & MmapFlags.typeMask == MmapFlags.shared
        guard let kept = sources[tgid]?.first(where: { $0.path == path && $0.writable == writable }) else { return nil }
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
