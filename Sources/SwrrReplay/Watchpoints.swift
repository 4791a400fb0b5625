// Hardware watchpoints and execution breakpoints of a debugger over a replay: the four x86 debug
// registers DR0–DR3, programmed through ptrace into every replayed task (each thread has its own
// set). DR7 holds, per slot, the enable bit, the kind (execute, write, read/write) and the length
// (1, 2, 4 or 8 bytes, aligned); DR6 says which slot fired.
//
// The replay engine borrows DR0 for its own searches (ReplaySession.runTo, for preemptions and
// signals delivered at arbitrary points: PointSearch.swift), and the debugger fills slots from
// DR3 down. Under a debugger the search's breakpoint is programmed here, beside the debugger's
// slots (`searchBreakpoints`): DR7 enables both, so a watchpoint keeps trapping while the replay
// searches (the store history.c makes between setitimer's return and SIGALRM's mid-loop
// delivery, measured in ValueHistoryTests), and DR6 tells the two apart (bit 0: the search's
// hit, left to the search; a debugger slot's bit: the debugger's stop). When the debugger holds
// all four slots the search uses no debug register (PointSearch: the register-matching trap at
// once, or a clear refusal). The search clears DR7 when it ends; the debugger re-programs a task
// whose DR7 was cleared before resuming it.
import CSwrrShim
import SwrrTracee

public enum WatchKind: Hashable, Sendable {
    case execute
    case write
    /// Reads and writes (x86 cannot trap on reads alone; gdb's rwatch is served with this).
    case readWrite
}

public struct Watchpoint: Hashable, Sendable {
    public var address: UInt64
    public var length: Int
    public var kind: WatchKind

    public init(address: UInt64, length: Int, kind: WatchKind) {
        self.address = address
        self.length = length
        self.kind = kind
    }
}

final class DebugRegisters {
    static let slotCount = 4
    static let singleStepBit: UInt64 = 0x4000   // DR6.BS
    /// The slots (nil: free).
    private(set) var slots: [Watchpoint?] = Array(repeating: nil, count: slotCount)
    /// What DR7 was last programmed to in each task (by tid), for which version of the slots:
    /// the debugger's set is installed in a task when its DR7 reads back as this and the slots
    /// have not changed since.
    private var installed: [Int32: (dr7: UInt64, version: Int, search: UInt64?)] = [:]
    private var version = 0
    /// The slot a point search borrows for its execution breakpoint.
    static let searchSlot = 0
    /// The engine's point-search breakpoint in `searchSlot`, by tid, while a search runs the task.
    private var searchBreakpoints: [Int32: UInt64] = [:]

    var isEmpty: Bool { slots.allSatisfy { $0 == nil } }

    /// Whether `prepare` has anything to do for this task: slots are set, a search's breakpoint
    /// is, or the task still has some armed from before (the last watchpoint was removed since).
    func needsPrepare(_ tid: Int32) -> Bool {
        !isEmpty || searchBreakpoints[tid] != nil || (installed[tid].map { $0.dr7 != 0 } ?? false)
    }

    /// Adds a watchpoint; returns its slot.
    func add(_ w: Watchpoint) throws -> Int {
        guard [1, 2, 4, 8].contains(w.length) else {
            throw DebuggerError.refused("a hardware watchpoint covers 1, 2, 4 or 8 bytes, not \(w.length)")
        }
        guard w.address % UInt64(w.length) == 0 else {
            throw DebuggerError.refused("a \(w.length)-byte hardware watchpoint needs an address aligned to \(w.length) (0x\(String(w.address, radix: 16)) is not)")
        }
        if w.kind == .execute && w.length != 1 {
            throw DebuggerError.refused("a hardware execution breakpoint has length 1")
        }
        guard let slot = (0..<Self.slotCount).reversed().first(where: { slots[$0] == nil }) else {
            throw DebuggerError.refused("all four hardware debug registers (DR0–DR3) are in use; delete a watchpoint or hardware breakpoint first")
        }
        slots[slot] = w
        version += 1
        return slot
    }

    /// Removes the watchpoint equal to `w`; false when there is none.
    @discardableResult
    func remove(_ w: Watchpoint) -> Bool {
        guard let slot = slots.firstIndex(where: { $0 == w }) else { return false }
        slots[slot] = nil
        version += 1
        return true
    }

    /// Arms the point search's execution breakpoint at `address` in `task`, beside the debugger's
    /// slots (programmed at once: the search resumes the task next). False when the debugger
    /// holds the search's slot (all four are in use): nothing is programmed.
    func armSearch(at address: UInt64, in task: Task) throws -> Bool {
        guard slots[Self.searchSlot] == nil else { return false }
        searchBreakpoints[task.tid] = address
        try prepare(task)
        return true
    }

    /// The search's breakpoint is gone: DR7 is cleared at once (the debugger's slots too, until
    /// the next resume re-programs them: installing the register-matching trap runs an injected
    /// syscall at the point, which neither the search's breakpoint nor a debugger's execution
    /// breakpoint there may stop).
    func disarmSearch(in task: Task) {
        searchBreakpoints[task.tid] = nil
        _ = swrr_poke_debugreg(task.tid, 7, 0)
        _ = swrr_poke_debugreg(task.tid, 6, 0)
    }

    /// DR7 for the current slots, optionally with one slot disabled (stepping over it), and for
    /// `tid`'s point search when it has one.
    func control(for tid: Int32? = nil, disabling skip: Int? = nil) -> UInt64 {
        var dr7: UInt64 = 0
        if let tid, searchBreakpoints[tid] != nil {
            dr7 |= 1 << (2 * UInt64(Self.searchSlot))   // local enable, execute (RW 0), length 1 (LEN 0)
        }
        for (i, s) in slots.enumerated() {
            guard let w = s, i != skip else { continue }
            let rw: UInt64
            switch w.kind {
            case .execute: rw = 0
            case .write: rw = 1
            case .readWrite: rw = 3
            }
            let len: UInt64
            switch w.length {
            case 2: len = 1
            case 4: len = 3
            case 8: len = 2
            default: len = 0
            }
            dr7 |= 1 << (2 * UInt64(i))
            dr7 |= rw << (16 + 4 * UInt64(i))
            dr7 |= len << (18 + 4 * UInt64(i))
        }
        return dr7
    }

    private func peek(_ task: Task, _ index: Int32) -> UInt64? {
        var v: UInt64 = 0
        return swrr_peek_debugreg(task.tid, index, &v) == 0 ? v : nil
    }

    /// Before a resume: make sure `task` has the debugger's set (and its search's breakpoint),
    /// unless something else in the engine holds DR7 (anything not programmed here, other than 0).
    func prepare(_ task: Task, disabling skip: Int? = nil) throws {
        let want = control(for: task.tid, disabling: skip)
        let search = searchBreakpoints[task.tid]
        let current = peek(task, 7) ?? 0
        // A new thread reads back its parent's DR7 through ptrace, but the kernel armed nothing
        // in it (measured on 6.x: the clone's DR7 peeks as the parent's value, and a write to
        // the watched address in the new thread does not trap): a task this set was never
        // installed in is always programmed.
        if current == want, let i = installed[task.tid], i.dr7 == want, i.version == version, i.search == search { return }
        // A value this set never programmed is someone else's (a watchpoint removed since was
        // programmed by it: cleared like any other). Not while a search is armed here: its
        // breakpoint must be in place, and a thread cloned earlier peeks its parent's value.
        if search == nil && current != 0 && current != want && current != installed[task.tid]?.dr7 { return }
        // Disable first, then addresses, then enable (the kernel validates each write).
        _ = swrr_poke_debugreg(task.tid, 7, 0)
        for (i, s) in slots.enumerated() {
            if let w = s, swrr_poke_debugreg(task.tid, Int32(i), w.address) != 0 {
                throw DebuggerError.refused("the kernel refused a hardware watchpoint at 0x\(String(w.address, radix: 16))")
            }
        }
        if let search, swrr_poke_debugreg(task.tid, Int32(Self.searchSlot), search) != 0 {
            throw DebuggerError.refused("the kernel refused the point search's breakpoint at 0x\(String(search, radix: 16))")
        }
        if want != 0 && swrr_poke_debugreg(task.tid, 7, want) != 0 {
            throw DebuggerError.refused("the kernel refused the debug register settings 0x\(String(want, radix: 16))")
        }
        installed[task.tid] = (want, version, search)
    }

    /// After a SIGTRAP: the debugger's slot that fired in `task`, if any (DR6 is then cleared).
    /// Also reports whether DR6 shows a single step. The search's slot is never the debugger's
    /// (its hit goes to the search, which waits for that SIGTRAP).
    func status(_ task: Task) -> (slot: Int?, singleStep: Bool) {
        guard let dr6 = peek(task, 6) else { return (nil, false) }
        _ = swrr_poke_debugreg(task.tid, 6, 0)
        let mine = installed[task.tid] != nil && (peek(task, 7) ?? 0) == installed[task.tid]?.dr7
        var slot: Int?
        if mine {
            slot = (0..<Self.slotCount).first { dr6 & (1 << UInt64($0)) != 0 && slots[$0] != nil }
        }
        return (slot, dr6 & Self.singleStepBit != 0)
    }

    func forget(tid: Int32) {
        installed[tid] = nil
        searchBreakpoints[tid] = nil
    }

    /// A new replay of the same trace (reverse execution re-runs it): the slots stay, no task
    /// has them yet.
    func newReplay() {
        installed = [:]
        searchBreakpoints = [:]
    }
}
