// The engine side of ReplayDebugger: runs on the engine thread, owns the ReplaySession, and is
// its debug hook (ReplayDebugHook).
//
// How a stop in the middle of an event works. ReplaySession.resume asks the hook how to resume
// the task (PTRACE_SYSEMU, or PTRACE_SYSEMU_SINGLESTEP to step one instruction) and shows it
// every stop first. A SIGTRAP that is the debugger's (an int3 it inserted, a debug register it
// programmed, a step it asked for) is reported to the client right there, with the engine's call
// stack inside the event; the engine thread then serves the client's requests (registers,
// memory, breakpoints) until a continue or step comes, and returns true to ReplaySession, which
// resumes the task as if nothing had happened. A breakpoint hit is first taken back (rip rewound
// onto the int3) and carried over on the next resume by lifting the int3 for one
// PTRACE_SYSEMU_SINGLESTEP; if that instruction is the syscall itself, the step ends in the
// syscall stop ReplaySession was waiting for. Stops at event boundaries (a signal, a task
// event, the end) are reported after ReplaySession.step returns.
import Glibc
import SwrrKernel
import SwrrTrace
import SwrrTracee

/// What a debugger sees of ReplaySession.resume (the only place the program's code runs).
protocol ReplayDebugHook: AnyObject {
    /// How to resume `task` now: .sysemu normally, .sysemuSingleStep to run one instruction.
    func resumeMode(for task: ReplayTask) throws -> ResumeMode
    /// A stop of `task` in resume(), shown to the debugger first. True when it was the
    /// debugger's own (a breakpoint, a watchpoint, a step): the replay ignores it and resumes.
    func handleStop(of task: ReplayTask, _ stop: Stop) throws -> Bool
}

/// Thrown through the engine when the client kills the replay during a stop.
struct DebuggerKilled: Error {}

final class ReplayDebugEngine: ReplayDebugHook {
    private let traceDirectory: String
    private let echo: ((UInt8, [UInt8]) -> Void)?
    private let mailbox: DebugMailbox
    private(set) var session: ReplaySession!
    private let breakpoints = SoftwareBreakpoints()
    private let debugRegisters = DebugRegisters()
    private(set) var outcome: ReplayOutcome?
    private(set) var currentTid: Int32 = 0
    private var mainTid: Int32 = 0

    /// What the client asked for last.
    private var mode: ResumeRequest = .continue(stopAtTaskEvents: true)
    private enum StepState: Equatable {
        case off
        /// The next resume of this task (recorded tid; nil: any task) single-steps.
        case armed(Int32?)
        /// This task (by replay tid) is single-stepping.
        case stepping(Int32)
        /// The step ran into an event (a syscall): it is over once that event is replayed.
        case consumed(Int32)
    }
    private var stepState: StepState = .off
    /// A stop point to carry a task over on its next resume (by replay tid).
    private enum StepOver { case software(UInt64), hardware(slot: Int) }
    private var stepOver: [Int32: StepOver] = [:]

    init(traceDirectory: String, echo: ((UInt8, [UInt8]) -> Void)?, mailbox: DebugMailbox) {
        self.traceDirectory = traceDirectory
        self.echo = echo
        self.mailbox = mailbox
    }

    var eventNumber: Int { session?.eventNumber ?? 0 }

    // MARK: the engine thread

    func main(started: (Error?) -> Void) {
        do {
            session = try ReplaySession(traceDirectory: traceDirectory, echo: echo)
            session.debugHook = self
            mainTid = session.tasks.first(where: { $0.value.task === session.task })?.key ?? 0
            currentTid = mainTid
        } catch {
            started(error)
            return
        }
        started(nil)
        while true {
            switch mailbox.next() {
            case .call(let body):
                body()
            case .resume(.kill):
                finish()
                mailbox.report(.success(DebugStop(reason: .end(outcome ?? .endedEarly(event: eventNumber, reason: "killed")),
                                                  tid: mainTid, event: eventNumber)))
                return
            case .resume(let r):
                do {
                    mailbox.report(.success(try runForward(r)))
                } catch is DebuggerKilled {
                    finish()
                    mailbox.report(.success(DebugStop(reason: .end(.endedEarly(event: eventNumber, reason: "killed")),
                                                      tid: mainTid, event: eventNumber)))
                    return
                } catch let e as ReplayError {
                    outcome = outcome ?? .endedEarly(event: eventNumber, reason: e.description)
                    mailbox.report(.failure(DebuggerError.replay(e.description)))
                } catch {
                    outcome = outcome ?? .endedEarly(event: eventNumber, reason: "\(error)")
                    mailbox.report(.failure(error))
                }
            }
        }
    }

    private func finish() {
        session?.debugHook = nil
        session?.kill()
        session = nil
    }

    /// Serves client requests during a stop until it resumes; returns the resume request.
    private func serveStopped() -> ResumeRequest {
        while true {
            switch mailbox.next() {
            case .call(let body): body()
            case .resume(let r): return r
            }
        }
    }

    private func accept(_ r: ResumeRequest) {
        mode = r
        if case .step(let tid) = r { stepState = .armed(tid) } else { stepState = .off }
    }

    /// Replays events until something stops the replay.
    private func runForward(_ r: ResumeRequest) throws -> DebugStop {
        if let o = outcome { return DebugStop(reason: .end(o), tid: mainTid, event: eventNumber) }
        accept(r)
        while true {
            let before = Set(session.tasks.keys)
            if let o = try session.step() {
                outcome = o
                return DebugStop(reason: .end(o), tid: mainTid, event: eventNumber)
            }
            if case .consumed(let replayTid) = stepState {
                stepState = .off
                currentTid = recordedTid(ofReplayTid: replayTid) ?? currentTid
                return DebugStop(reason: .step, tid: currentTid, event: eventNumber)
            }
            if let stop = try eventStop(before: before) { return stop }
        }
    }

    /// A stop at the event just replayed, if it is one the client wants.
    private func eventStop(before: Set<Int32>) throws -> DebugStop? {
        guard let event = session.lastEvent else { return nil }
        let stopAtTaskEvents: Bool
        if case .continue(let s) = mode { stopAtTaskEvents = s } else { stopAtTaskEvents = false }
        switch event {
        case .signal(let ev):
            currentTid = ev.tid
            return DebugStop(reason: .signal(ev.signal), tid: ev.tid, event: eventNumber)
        case .exec(let ev):
            if let t = session.tasks[ev.tid] {
                breakpoints.execed(t.task)
                debugRegisters.forget(tid: t.task.tid)
            }
            guard stopAtTaskEvents else { return nil }
            currentTid = ev.tid
            return DebugStop(reason: .exec, tid: ev.tid, event: eventNumber)
        case .exit(let ev):
            guard stopAtTaskEvents else { return nil }
            return DebugStop(reason: .taskExited(ev.tid, waitStatus: ev.waitStatus), tid: ev.tid, event: eventNumber)
        case .syscall(let ev):
            let created = Set(session.tasks.keys).subtracting(before)
            guard let child = created.first, let c = session.tasks[child], let parent = session.tasks[ev.tid] else { return nil }
            if c.task.tgid != parent.task.tgid { breakpoints.forked(parent: parent.task.tgid, child: c.task.tgid) }
            guard stopAtTaskEvents else { return nil }
            currentTid = ev.tid
            return DebugStop(reason: .taskCreated(child), tid: ev.tid, event: eventNumber)
        default:
            return nil
        }
    }

    // MARK: the hook

    func resumeMode(for t: ReplayTask) throws -> ResumeMode {
        var step = false
        var skipSlot: Int?
        switch stepOver[t.task.tid] {
        case .software(let address)?:
            breakpoints.lift(address, in: t.task)
            step = true
        case .hardware(let slot)?:
            skipSlot = slot
            step = true
        case nil:
            break
        }
        if !debugRegisters.isEmpty || skipSlot != nil {
            try debugRegisters.prepare(t.task, disabling: skipSlot)
        }
        if case .armed(let which) = stepState, which == nil || session.tasks[which!] === t {
            stepState = .stepping(t.task.tid)
            step = true
        }
        return step ? .sysemuSingleStep : .sysemu
    }

    func handleStop(of t: ReplayTask, _ stop: Stop) throws -> Bool {
        let tid = t.task.tid
        var steppedOver = false
        if let over = stepOver.removeValue(forKey: tid) {
            steppedOver = true
            if case .software(let address) = over { breakpoints.reinsert(address, in: t.task) }
        }
        let stepping = stepState == .stepping(tid)
        guard case .signal(SIGTRAP) = stop else {
            // The step ran into an event (a syscall entry, a signal): it ends with that event.
            if stepping { stepState = .consumed(tid) }
            return false
        }
        let info = try? t.task.siginfo()
        var regs = try t.task.registers()
        let siKernel: Int32 = 0x80
        if info?.code == siKernel, breakpoints.contains(regs.rip &- 1) {
            // An int3 of ours: take the hit back so the instruction runs on resume.
            regs.rip -= 1
            try t.task.setRegisters(regs)
            stepOver[tid] = .software(regs.rip)
            return try stopHere(t, .breakpoint(regs.rip))
        }
        let (slot, singleStep) = debugRegisters.status(t.task)
        if let slot = slot, let w = debugRegisters.slots[slot] {
            if w.kind == .execute {
                stepOver[tid] = .hardware(slot: slot)
                return try stopHere(t, .hardwareBreakpoint(w.address))
            }
            return try stopHere(t, .watchpoint(address: w.address, kind: w.kind))
        }
        let trapTrace: Int32 = 2
        if (stepping || steppedOver) && (singleStep || info?.code == trapTrace || info?.code == 0) {
            if stepping { return try stopHere(t, .step) }
            return true   // only carried over a breakpoint: keep going
        }
        return false      // not the debugger's: ReplaySession decides
    }

    /// Reports a stop to the client and serves it until it resumes.
    private func stopHere(_ t: ReplayTask, _ reason: StopReason) throws -> Bool {
        stepState = .off
        currentTid = recordedTid(ofReplayTid: t.task.tid) ?? currentTid
        mailbox.report(.success(DebugStop(reason: reason, tid: currentTid, event: eventNumber)))
        let next = serveStopped()
        if next == .kill { throw DebuggerKilled() }
        accept(next)
        return true
    }

    // MARK: requests (on the engine thread)

    private func recordedTid(ofReplayTid tid: Int32) -> Int32? {
        session?.tasks.first(where: { $0.value.task.tid == tid })?.key
    }

    /// One task of each live process.
    private var addressSpaces: [Task] {
        var seen = Set<Int32>()
        var out: [Task] = []
        for (_, t) in (session?.tasks ?? [:]).sorted(by: { $0.key < $1.key }) where t.ended == nil && !t.newborn {
            if seen.insert(t.task.tgid).inserted { out.append(t.task) }
        }
        return out
    }

    func liveTask(_ tid: Int32?) throws -> Task {
        guard let session = session, outcome == nil else { throw DebuggerError.ended }
        let id = tid ?? currentTid
        guard let t = session.tasks[id] ?? (tid == nil ? session.tasks[mainTid] : nil), t.ended == nil else {
            throw DebuggerError.noSuchTask(id)
        }
        return t.task
    }

    func setBreakpoint(_ address: UInt64) throws {
        guard outcome == nil else { throw DebuggerError.ended }
        do {
            try breakpoints.add(address, in: addressSpaces)
        } catch {
            throw DebuggerError.refused("cannot insert a breakpoint at 0x\(String(address, radix: 16)): \(error)")
        }
    }

    func removeBreakpoint(_ address: UInt64) {
        // A task stopped on it no longer needs carrying over it (the byte is restored).
        breakpoints.remove(address, in: addressSpaces)
    }

    func setWatchpoint(_ w: Watchpoint) throws {
        _ = try debugRegisters.add(w)
    }

    func removeWatchpoint(_ w: Watchpoint) throws {
        // A task stopped at a hardware breakpoint being removed resumes normally.
        if let slot = debugRegisters.slots.firstIndex(where: { $0 == w }) {
            for (tid, over) in stepOver {
                if case .hardware(let s) = over, s == slot { stepOver[tid] = nil }
            }
        }
        guard debugRegisters.remove(w) else {
            throw DebuggerError.refused("there is no hardware watchpoint at 0x\(String(w.address, radix: 16))")
        }
    }

    func readMemory(_ address: UInt64, count: Int, tid: Int32?) throws -> [UInt8] {
        let task = try liveTask(tid)
        var bytes = try task.readMemory(address, count: count)
        breakpoints.hide(in: &bytes, at: address, tgid: task.tgid)
        return bytes
    }

    func taskList() -> [DebugTask] {
        guard let session = session else { return [] }
        return session.tasks.sorted(by: { $0.key < $1.key }).map { (tid, t) in
            let state: DebugTask.State
            if t.ended != nil { state = .ended }
            else if t.newborn { state = .notStarted }
            else if t.parkedAt != nil { state = .inSyscall }
            else { state = .stopped }
            let pid = session.tasks.first(where: { $0.value.task.tid == t.task.tgid })?.key ?? tid
            return DebugTask(tid: tid, pid: pid, replayTid: t.task.tid, state: state)
        }
    }

    func executablePath() -> String {
        if let t = try? liveTask(nil) {
            var buf = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/\(t.tgid)/exe", &buf, 4095)
            if n > 0 { return String(cString: buf) }
        }
        return session?.header.argv.first ?? ""
    }

    func auxv(_ tid: Int32?) throws -> [UInt8] {
        let t = try liveTask(tid)
        guard let text = readBinaryFile("/proc/\(t.tgid)/auxv") else {
            throw DebuggerError.other("cannot read /proc/\(t.tgid)/auxv")
        }
        return text
    }

    private func readBinaryFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }
}
