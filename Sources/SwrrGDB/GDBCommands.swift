// The packets this server answers, one small handler each, dispatched on the packet's first
// letters. Unknown packets get the empty reply, which tells gdb they are not supported.
import Glibc
import SwrrDebugger
import SwrrReplay
import SwrrTracee

extension GDBServer {
    func handle(_ packet: [UInt8], _ conn: PacketConnection) {
        let text = String(decoding: packet, as: UTF8.self)
        let reply: String?
        switch packet.first.map({ Character(UnicodeScalar($0)) }) {
        case "q": reply = query(text, conn)
        case "Q": reply = text == "QStartNoAckMode" ? "OK" : ""
        case "!": reply = "OK"
        case "?": reply = stopReply()
        case "H": reply = setThread(text)
        case "T": reply = threadAlive(text)
        case "g": reply = readRegisters()
        case "p": reply = readRegister(text)
        case "G", "P": reply = refuse(conn, "cannot change registers during a replay: the recorded execution cannot be changed")
        case "m": reply = readMemory(text)
        case "M", "X": reply = refuse(conn, "cannot write memory during a replay: the recorded execution cannot be changed")
        case "Z", "z": reply = breakpoint(text)
        case "c": reply = resume(step: false, conn)
        case "s": reply = resume(step: true, thread: resumeThread, conn)
        case "C": reply = resume(step: false, conn)
        case "S": reply = resume(step: true, thread: resumeThread, conn)
        case "v": reply = vPacket(text, conn)
        case "b": reply = reverse(text, conn)
        case "k":
            finished = true
            debugger.kill()
            reply = nil
        case "D":
            finished = true
            reply = "OK"
        default: reply = ""
        }
        if let r = reply { conn.send(r) }
        if text == "QStartNoAckMode" { conn.noAck = true }
    }

    /// An error. While gdb waits for a stop reply (bc/bs) the message goes first as console
    /// output (`O` packets), which gdb prints; other packets allow no console output, so the
    /// message goes to swrr's stderr and gdb reports the error its own way.
    private func refuse(_ conn: PacketConnection, _ message: String, console: Bool = false) -> String {
        if console {
            conn.send("O" + hexBytes(Array("swrr: \(message)\n".utf8)))
        } else {
            fputs("swrr: \(message)\n", stderr)
        }
        return "E01"
    }

    // MARK: queries

    private func query(_ text: String, _ conn: PacketConnection) -> String? {
        if text.hasPrefix("qSupported") {
            return "PacketSize=4000;QStartNoAckMode+;qXfer:features:read+;qXfer:auxv:read+;" +
                "qXfer:exec-file:read+;swbreak+;hwbreak+;ReverseStep+;ReverseContinue+;ConditionalBreakpoints+"
        }
        if text.hasPrefix("qXfer:") { return transfer(text, conn) }
        if text == "qAttached" || text.hasPrefix("qAttached:") { return "1" }
        if text == "qC" { return (try? debugger.currentTid()).map { "QC\(hex($0))" } ?? "E01" }
        if text == "qfThreadInfo" {
            let live = ((try? debugger.tasks()) ?? []).filter { $0.state != .ended }
            return live.isEmpty ? "l" : "m" + live.map { hex($0.tid) }.joined(separator: ",")
        }
        if text == "qsThreadInfo" { return "l" }
        if text.hasPrefix("qRcmd,") { return monitor(text, conn) }
        if text.hasPrefix("qSymbol") { return "OK" }
        if text.hasPrefix("qThreadExtraInfo,") {
            let tid = PacketField.threadID(text.dropFirst("qThreadExtraInfo,".count))
            let task = ((try? debugger.tasks()) ?? []).first { $0.tid == tid }
            return hexBytes(Array((task.map { "\($0.state.rawValue)" } ?? "").utf8))
        }
        return ""
    }

    /// qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH. The reply is binary (the auxv is): it is sent here
    /// as bytes, escaped by the connection, never through a String.
    private func transfer(_ text: String, _ conn: PacketConnection) -> String? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[2] == "read" else { return "" }
        let range = parts[4].split(separator: ",")
        guard range.count == 2, let offset = PacketField.hexInt(range[0]), let length = PacketField.hexInt(range[1]) else {
            return "E01"
        }
        let data: [UInt8]
        switch parts[1] {
        case "features":
            guard parts[3] == "target.xml" else { return "E00" }
            data = Array(TargetDescription.xml.utf8)
        case "auxv":
            guard let a = try? debugger.auxv(tid: generalThread) else { return "E01" }
            data = a
        case "exec-file":
            guard let p = try? debugger.executablePath() else { return "E01" }
            data = Array(p.utf8)
        default:
            return ""
        }
        if offset >= data.count { return "l" }
        let end = length < data.count - offset ? offset + length : data.count
        conn.send(Array((end == data.count ? "l" : "m").utf8) + data[offset..<end])
        return nil
    }

    /// `monitor CMD`: the command's output as console output, then OK.
    private func monitor(_ text: String, _ conn: PacketConnection) -> String {
        guard let raw = bytes(fromHex: text.dropFirst("qRcmd,".count)) else { return "E01" }
        let command = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: " \n")
        let output: String
        switch command {
        case "when":
            guard let n = try? debugger.eventNumber() else { return "E01" }
            output = "Current event: \(n)\n"
        case "tasks":
            output = ((try? debugger.tasks()) ?? []).map { "\($0.tid) (process \($0.pid)): \($0.state.rawValue)\n" }.joined()
        case "checkpoint":
            do {
                let cp = try debugger.takeCheckpoint()
                output = "Checkpoint \(cp.id) at event \(cp.position.event).\n"
            } catch {
                output = "swrr: \(error)\n"
            }
        case "checkpoints":
            let all = (try? debugger.checkpoints()) ?? []
            output = all.isEmpty ? "No checkpoints.\n" : all.map { "\($0)\n" }.joined()
        default:
            output = "swrr: unknown monitor command \"\(command)\"; known: when, tasks, checkpoint, checkpoints\n"
        }
        conn.send("O" + hexBytes(Array(output.utf8)))
        return "OK"
    }

    // MARK: threads

    private func setThread(_ text: String) -> String {
        guard text.count >= 2 else { return "E01" }
        let which = text[text.index(after: text.startIndex)]
        let id = String(text.dropFirst(2))
        if id == "0" || id == "-1" || id.isEmpty {
            if which == "g" { generalThread = nil }
            if which == "c" { resumeThread = nil }
            return "OK"
        }
        guard let tid = PacketField.threadID(id) else { return "E01" }
        if which == "g" { generalThread = tid }
        if which == "c" { resumeThread = tid }
        return "OK"
    }

    private func threadAlive(_ text: String) -> String {
        guard let tid = PacketField.threadID(text.dropFirst()) else { return "E01" }
        let alive = ((try? debugger.tasks()) ?? []).contains { $0.tid == tid && $0.state != .ended }
        return alive ? "OK" : "E01"
    }

    func stopReply() -> String {
        if let s = lastStop { return StopReplies.reply(s, held: programHeld) }
        let tid = (try? debugger.currentTid()) ?? 0
        return "T05thread:\(hex(tid));"
    }

    // MARK: registers and memory

    private func readRegisters() -> String {
        guard let regs = try? debugger.registers(tid: generalThread) else { return "E01" }
        return RegisterFile.all(regs, try? debugger.floatingPointRegisters(tid: generalThread))
    }

    private func readRegister(_ text: String) -> String {
        guard let n = PacketField.hexInt(text.dropFirst(), maximum: RegisterFile.layout.count) else { return "E01" }
        guard let regs = try? debugger.registers(tid: generalThread) else { return "E01" }
        let fp = n >= 24 && n < 57 ? try? debugger.floatingPointRegisters(tid: generalThread) : nil
        guard let v = RegisterFile.value(n, regs, fp) else { return "E01" }
        return hexBytes(v)
    }

    private func readMemory(_ text: String) -> String {
        guard let (address, length) = PacketField.memoryRange(text.dropFirst(), maximum: 0x2000) else {
            return "E01"
        }
        if length == 0 { return "" }
        if let b = try? debugger.readMemory(address, count: length, tid: generalThread) {
            return hexBytes(b)
        }
        // Partly readable: as much as the first pages allow (memoryRange keeps the last byte at
        // or below 2^64-1, so only the step past it wraps, and the loop ends there).
        var out: [UInt8] = []
        var a = address
        while out.count < length {
            let n = min(length - out.count, Int(4096 - (a & 4095)))
            guard let b = try? debugger.readMemory(a, count: n, tid: generalThread) else { break }
            out += b
            a &+= UInt64(n)
        }
        return out.isEmpty ? "E14" : hexBytes(out)
    }

    // MARK: breakpoints

    /// Z/z TYPE,ADDR,KIND: 0 software, 1 hardware execution, 2 write, 3 read, 4 access watchpoint.
    /// A software breakpoint is the core's instruction breakpoint with the conditions gdb sent
    /// (ConditionalBreakpoints+ is advertised): each Z0 replaces what the address had, z0 removes
    /// it. Watchpoints and hardware breakpoints go to the replay as they are: a condition gdb
    /// sends with a Z1 (`hbreak … if`) is not used, so every hit stops and gdb evaluates it.
    private func breakpoint(_ text: String) -> String {
        guard let packet = BreakpointPacket(text) else { return "E01" }
        let (insert, type, address, kind) = (packet.insert, packet.type, packet.address, packet.kind)
        do {
            switch type {
            case 0:
                if insert {
                    try core.setInstructionBreakpoint(address, condition: AgentCondition(packet.conditions))
                } else {
                    try core.removeInstructionBreakpoint(address)
                }
            case 1...4:
                let k: WatchKind = type == 1 ? .execute : type == 2 ? .write : .readWrite
                let length = type == 1 ? 1 : kind
                if insert {
                    try debugger.setWatchpoint(address: address, length: length, kind: k)
                } else {
                    try debugger.removeWatchpoint(address: address, length: length, kind: k)
                }
            default:
                return ""
            }
        } catch {
            if log { fputs("swrr: \(error)\n", stderr) }
            return "E01"
        }
        return "OK"
    }

    // MARK: running

    /// Continue (through the core: hits where no condition holds are passed over), or step
    /// `thread` (nil: the task that runs next).
    func resume(step: Bool, thread: Int32? = nil, _ conn: PacketConnection) -> String {
        do {
            var stop: DebugStop
            let watcher = InterruptWatcher(fd: conn.fd, interrupt: interrupter(step: step))
            defer { watcher.stop() }
            repeat {
                stop = step ? try debugger.stepInstruction(tid: thread)
                    : try core.continueToTrueHit(backward: false)
            } while isSilent(stop)
            lastStop = stop
            return report(stop, conn)
        } catch {
            lastStop = nil
            let message = "swrr: \(error)\n"
            fputs(message, stderr)
            return "X09"
        }
    }

    /// What a Ctrl-C calls: the core's pause for its continues (it also ends the passing over
    /// false hits between two engine operations), the replay's interrupt for a step.
    private func interrupter(step: Bool) -> () -> Void {
        step ? { [debugger] in debugger.interrupt() } : { [core] in core.pause() }
    }

    /// Whether the recorded program still exists (at the end: held before its exit).
    private var programHeld: Bool {
        ((try? debugger.tasks()) ?? []).contains { $0.state != .ended }
    }

    /// The stop reply for `stop`; at the end of the recording, first a console line that says
    /// how the program ended and that the replay can go backwards from there.
    private func report(_ stop: DebugStop, _ conn: PacketConnection) -> String {
        // gdb takes the stopped thread as the general thread (Hg) after a stop reply and reads
        // its registers without another Hg: the thread it chose before may not exist here.
        generalThread = stop.tid
        let held = programHeld
        if case .end(let outcome) = stop.reason {
            var line = "swrr: the end of the recording"
            if case .completed(let status) = outcome { line += ": the program \(WaitStatus.describe(status))" }
            if case .endedEarly(_, let reason?) = outcome { line += " (\(reason))" }
            if held { line += "; reverse-continue or reverse-step go back from here" }
            conn.send("O" + hexBytes(Array((line + "\n").utf8)))
        }
        return StopReplies.reply(stop, held: held)
    }

    /// Stops gdb is not told about (task events, which it has not asked for).
    private func isSilent(_ stop: DebugStop) -> Bool {
        switch stop.reason {
        case .taskCreated, .taskExited, .exec: return true
        default: return false
        }
    }

    private func vPacket(_ text: String, _ conn: PacketConnection) -> String? {
        if text == "vCont?" { return "vCont;c;C;s;S" }
        if text.hasPrefix("vCont;") {
            // A step of one thread wins over continues of the others (gdb steps a thread over a
            // breakpoint that way); the replay runs the other tasks in the recorded order anyway.
            // An action this server does not know (or a malformed one) runs nothing.
            let texts = text.dropFirst("vCont;".count).split(separator: ";", omittingEmptySubsequences: false)
            let actions = texts.compactMap(VContAction.init)
            guard !actions.isEmpty, actions.count == texts.count else { return "E01" }
            if let s = actions.first(where: { $0.kind == .step }) {
                return resume(step: true, thread: s.thread, conn)
            }
            if actions.contains(where: { $0.kind == .continue }) { return resume(step: false, conn) }
            // Only `t` (stop): in all-stop mode every thread is stopped already while gdb waits,
            // so nothing runs and the reply is a stop with no signal, as gdbserver gives for a
            // thread that `t` stopped.
            let tid = actions.first?.thread ?? ((try? debugger.currentTid()) ?? 0)
            return "T00thread:\(hex(tid));"
        }
        if text.hasPrefix("vKill") {
            finished = true
            debugger.kill()
            return "OK"
        }
        if text == "vMustReplyEmpty" { return "" }
        if text.hasPrefix("vRun") || text.hasPrefix("vAttach") {
            return refuse(conn, "this is a replay: the program is already running; it cannot be started or attached again")
        }
        return ""
    }

    /// bc (reverse-continue, through the core: hits where no condition holds are passed over)
    /// and bs (reverse-step one instruction of the Hc thread).
    private func reverse(_ text: String, _ conn: PacketConnection) -> String {
        do {
            var stop: DebugStop
            let watcher = InterruptWatcher(fd: conn.fd, interrupt: interrupter(step: !text.hasPrefix("bc")))
            defer { watcher.stop() }
            if text.hasPrefix("bc") {
                stop = try core.continueToTrueHit(backward: true)
            } else if text.hasPrefix("bs") {
                stop = try debugger.reverseStepInstruction(tid: resumeThread)
            } else {
                return ""
            }
            lastStop = stop
            return report(stop, conn)
        } catch {
            // The replay stays where it was: gdb gets the message and an error.
            return refuse(conn, "\(error)", console: true)
        }
    }
}

/// One action of a vCont packet: `c`, `Csig`, `s`, `Ssig` or `t`, for one thread
/// (`:TID`, `:pPID.TID`) or all of them (no thread, `:-1`, `:pPID`, `:pPID.-1`).
struct VContAction: Equatable {
    enum Kind { case `continue`, step, stop }
    var kind: Kind
    var thread: Int32?

    init?(_ text: Substring) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let verb = parts[0]
        let signal = verb.dropFirst()
        switch verb.first {
        case "c" where signal.isEmpty, "C" where PacketField.hexInt(signal, maximum: 255) != nil: kind = .continue
        case "s" where signal.isEmpty, "S" where PacketField.hexInt(signal, maximum: 255) != nil: kind = .step
        case "t" where signal.isEmpty: kind = .stop
        default: return nil
        }
        guard parts.count == 2 else { thread = nil; return }
        var id = parts[1]
        if id.hasPrefix("p") {
            guard let dot = id.firstIndex(of: ".") else { thread = nil; return }   // a whole process
            id = id[id.index(after: dot)...]
        }
        if id == "-1" || id == "0" { thread = nil; return }
        guard let tid = PacketField.threadID(id) else { return nil }
        thread = tid
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
