// The machine code of a register-matching trap (RegisterMatchTrap.swift): a stub on a page of its
// own that the instruction at P jumps to. It compares every general register and the flags with
// the wanted values and executes int3 only on a full match; otherwise it runs a copy of the
// instruction that was at P and jumps back after it. Like gdb's fast tracepoints, the tracee
// then runs at native speed until the match instead of stopping for the tracer at every pass.
//
// The stub never writes the program's memory: it saves rsp in its own page and pushes the flags
// on a small stack there. (Pushing below the program's red zone would work too, but would leave
// a flags word in dead stack memory that the recording did not have.) A countdown in the page
// bounds the search: at zero the stub executes its second int3.
//
//   entry:    mov [savedRsp], rsp ; lea rsp, [stackTop] ; pushfq
//             sub qword [budget], 1 ; jz exhausted
//             cmp rax, [want.rax] ; jne miss   … the same for rcx … r15
//             push rax ; mov rax, [savedRsp] ; cmp rax, [want.rsp] ; jne missPop
//             mov rax, [rsp+8] ; and rax, [flagMask] ; cmp rax, [want.flags] ; jne missPop
//             mov rax, [word.address] ; mov rax, [rax] ; cmp rax, [word.value] ; jne missPop
//                                                     … for each progress word (none by default)
//             pop rax ; int3                          ← match
//   exhausted: int3                                   ← budget used up
//   missPop:  pop rax
//   miss:     popfq ; mov rsp, [savedRsp]
//             <the instruction from P, its rip-relative displacement adjusted>
//             jmp P + length
//   (data at +2048: savedRsp, wanted registers, flag mask, budget, progress words; the stack
//   ends the page)
//
// The progress words (StateSignature.swift, docs/POSITIONS.md) are compared after the registers:
// in a loop whose progress is in memory the registers match at every pass and the words decide.
// With words the stub starts with a pre-filter that touches no flag (lea, jrcxz; rcx and rdx
// saved in the page): the budget countdown, then the first word; only a pass where it holds its
// value goes on to the pushfq and the full comparison (the countdown then is the pre-filter's):
//   entry:    mov [savedRcx], rcx ; mov rcx, [budget] ; lea rcx, [rcx-1] ; mov [budget], rcx
//             jrcxz +5 ; jmp +5 ; jmp exhausted
//             mov [savedRdx], rdx ; mov rcx, [word0.address] ; mov rcx, [rcx]
//             mov rdx, [-word0.value] ; lea rcx, [rcx+rdx] ; jrcxz +5 ; jmp quickMiss
//             mov rcx, [savedRcx] ; mov rdx, [savedRdx] ; <the full stub above, without its sub/jz>
//   quickMiss: mov rcx, [savedRcx] ; mov rdx, [savedRdx] ; <the instruction from P> ; jmp P + length
// Their addresses are in writable mappings of the program, which cannot go away while the task
// runs towards the point (it makes no syscall before it), so the loads cannot fault.
import SwrrKernel

struct RegisterMatchStub {
    static let pageSize: UInt64 = 4096
    /// Flags the comparison ignores: resume and trap flag, which breakpoints and single steps
    /// leave behind in recorded registers (HardwareBreakpoint.sameState ignores them as well).
    static let flagMask: UInt64 = ~(HardwareBreakpoint.resumeFlag | HardwareBreakpoint.trapFlag)

    /// General registers compared by the stub, with their x86 register numbers (rsp apart).
    static let compared: [(name: String, number: UInt8)] = [
        ("rax", 0), ("rcx", 1), ("rdx", 2), ("rbx", 3), ("rbp", 5), ("rsi", 6), ("rdi", 7),
        ("r8", 8), ("r9", 9), ("r10", 10), ("r11", 11), ("r12", 12), ("r13", 13), ("r14", 14), ("r15", 15),
    ]

    /// The most progress words the stub compares.
    public static let maxWords = 4

    /// The page image.
    let bytes: [UInt8]
    /// Where rip stands (just past the int3) when the stub trapped on a match / on its budget.
    let matchTrap: UInt64
    let exhaustedTrap: UInt64
    /// Where to resume a task stopped at `matchTrap` whose other registers did not match.
    let miss: UInt64
    /// The address of the saved rsp, and of the countdown.
    let savedRsp: UInt64
    let budget: UInt64

    /// Data offsets within the page.
    private enum Data {
        static let savedRsp: UInt64 = 2048
        static let want: UInt64 = 2056                       // 15 registers
        static let wantRsp: UInt64 = want + 15 * 8
        static let wantFlags: UInt64 = wantRsp + 8
        static let flagMask: UInt64 = wantFlags + 8
        static let budget: UInt64 = flagMask + 8
        static let words: UInt64 = budget + 8                // maxWords × (address, value)
        static let savedRcx: UInt64 = words + UInt64(maxWords) * 16   // the pre-filter's
        static let savedRdx: UInt64 = savedRcx + 8
        static let minusWant: UInt64 = savedRdx + 8                // -word0.value
        static let end: UInt64 = minusWant + 8
    }

    /// The stub at `page` for `target` (target.rip is P), moving `instruction` (the decoded
    /// bytes at P). nil when a jump or a rip-relative operand would be out of reach, or more than
    /// `maxWords` words are given. `words`: memory words that must hold their values too (none:
    /// the code is the registers-only stub, byte for byte).
    init?(page: UInt64, target: Registers, instruction: X86Instruction, bytes original: [UInt8], budget: UInt64,
          words: [ProgressWord] = []) {
        guard words.count <= Self.maxWords else { return nil }
        var code = MachineCode(base: page)
        let d = { (offset: UInt64) in page + offset }
        if !words.isEmpty {
            // The flag-free pre-filter: the budget and the first word with lea and jrcxz, which
            // leave the flags alone, so a pass whose first word differs costs no pushfq/popfq.
            code.ripRelative([0x48, 0x89], reg: 1, to: d(Data.savedRcx))      // mov [savedRcx], rcx
            code.ripRelative([0x48, 0x8B], reg: 1, to: d(Data.budget))        // mov rcx, [budget]
            code.emit([0x48, 0x8D, 0x49, 0xFF])                               // lea rcx, [rcx-1]
            code.ripRelative([0x48, 0x89], reg: 1, to: d(Data.budget))        // mov [budget], rcx
            code.emit([0xE3, 0x05, 0xE9, 0x05, 0, 0, 0])                      // jrcxz +5 ; jmp +5
            code.jump([0xE9], to: .exhausted)                                 // jmp exhausted
            code.ripRelative([0x48, 0x89], reg: 2, to: d(Data.savedRdx))      // mov [savedRdx], rdx
            code.ripRelative([0x48, 0x8B], reg: 1, to: d(Data.words))         // mov rcx, [word0.address]
            code.emit([0x48, 0x8B, 0x09])                                     // mov rcx, [rcx]
            code.ripRelative([0x48, 0x8B], reg: 2, to: d(Data.minusWant))     // mov rdx, [-word0.value]
            code.emit([0x48, 0x8D, 0x0C, 0x11])                               // lea rcx, [rcx+rdx]
            code.emit([0xE3, 0x05])                                           // jrcxz +5 (equal)
            code.jump([0xE9], to: .quickMiss)                                 // jmp quickMiss
            code.ripRelative([0x48, 0x8B], reg: 1, to: d(Data.savedRcx))      // mov rcx, [savedRcx]
            code.ripRelative([0x48, 0x8B], reg: 2, to: d(Data.savedRdx))      // mov rdx, [savedRdx]
        }
        code.ripRelative([0x48, 0x89], reg: 4, to: d(Data.savedRsp))          // mov [savedRsp], rsp
        code.ripRelative([0x48, 0x8D], reg: 4, to: page + Self.pageSize)      // lea rsp, [stackTop]
        code.emit([0x9C])                                                     // pushfq
        if words.isEmpty {
            code.ripRelative([0x48, 0x83], reg: 5, to: d(Data.budget), trailing: [1])  // sub qword [budget], 1
            code.jump([0x0F, 0x84], to: .exhausted)                           // jz exhausted
        }
        for (k, r) in Self.compared.enumerated() {
            code.ripRelative([0x48 | (r.number >= 8 ? 0x04 : 0), 0x3B], reg: r.number,
                             to: d(Data.want + UInt64(k) * 8))                // cmp r, [want.r]
            code.jump([0x0F, 0x85], to: .miss)                                // jne miss
        }
        code.emit([0x50])                                                     // push rax
        code.ripRelative([0x48, 0x8B], reg: 0, to: d(Data.savedRsp))          // mov rax, [savedRsp]
        code.ripRelative([0x48, 0x3B], reg: 0, to: d(Data.wantRsp))           // cmp rax, [want.rsp]
        code.jump([0x0F, 0x85], to: .missPop)
        code.emit([0x48, 0x8B, 0x44, 0x24, 0x08])                             // mov rax, [rsp+8]
        code.ripRelative([0x48, 0x23], reg: 0, to: d(Data.flagMask))          // and rax, [flagMask]
        code.ripRelative([0x48, 0x3B], reg: 0, to: d(Data.wantFlags))         // cmp rax, [want.flags]
        code.jump([0x0F, 0x85], to: .missPop)
        for k in words.indices {
            let slot = d(Data.words + UInt64(k) * 16)
            code.ripRelative([0x48, 0x8B], reg: 0, to: slot)                  // mov rax, [word.address]
            code.emit([0x48, 0x8B, 0x00])                                     // mov rax, [rax]
            code.ripRelative([0x48, 0x3B], reg: 0, to: slot + 8)              // cmp rax, [word.value]
            code.jump([0x0F, 0x85], to: .missPop)
        }
        code.emit([0x58, 0xCC])                                               // pop rax; int3
        matchTrap = code.address
        code.label(.exhausted)
        code.emit([0xCC])                                                     // int3
        exhaustedTrap = code.address
        code.label(.missPop)
        code.emit([0x58])                                                     // pop rax
        code.label(.miss)
        miss = code.address
        code.emit([0x9D])                                                     // popfq
        code.ripRelative([0x48, 0x8B], reg: 4, to: d(Data.savedRsp))          // mov rsp, [savedRsp]
        guard let moved = instruction.relocated(original, from: target.rip, to: code.address) else { return nil }
        code.emit(moved)
        guard code.jump([0xE9], toAddress: target.rip + UInt64(instruction.length)) else { return nil }
        if !words.isEmpty {
            code.label(.quickMiss)
            code.ripRelative([0x48, 0x8B], reg: 1, to: d(Data.savedRcx))      // mov rcx, [savedRcx]
            code.ripRelative([0x48, 0x8B], reg: 2, to: d(Data.savedRdx))      // mov rdx, [savedRdx]
            guard let again = instruction.relocated(original, from: target.rip, to: code.address) else { return nil }
            code.emit(again)
            guard code.jump([0xE9], toAddress: target.rip + UInt64(instruction.length)) else { return nil }
        }
        guard let image = code.resolved(), UInt64(image.count) <= Data.savedRsp else { return nil }

        var page = image + [UInt8](repeating: 0xCC, count: Int(Data.savedRsp) - image.count)
        func put(_ v: UInt64) { page += (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        put(0)
        for r in Self.compared { put(target.values[Registers.names.firstIndex(of: r.name)!]) }
        put(target.rsp)
        put(target.eflags & Self.flagMask)
        put(Self.flagMask)
        put(budget)
        for k in 0..<Self.maxWords {
            put(k < words.count ? words[k].address : 0)
            put(k < words.count ? words[k].value : 0)
        }
        put(0)
        put(0)
        put(0 &- (words.first?.value ?? 0))
        precondition(UInt64(page.count) == Data.end)
        bytes = page
        savedRsp = d(Data.savedRsp)
        self.budget = d(Data.budget)
    }
}

/// A few x86-64 encodings with rel32 and rip-relative operands, for the stub above.
struct MachineCode {
    enum Label { case miss, missPop, exhausted, quickMiss }

    let base: UInt64
    private(set) var bytes: [UInt8] = []
    private var labels: [Label: Int] = [:]
    private var fixups: [(at: Int, label: Label)] = []
    private var outOfReach = false

    init(base: UInt64) { self.base = base }

    var address: UInt64 { base + UInt64(bytes.count) }

    mutating func emit(_ b: [UInt8]) { bytes += b }

    mutating func label(_ l: Label) { labels[l] = bytes.count }

    /// `opcode` (with its prefixes) + ModRM(reg, [rip+disp32]) + disp32 + `trailing` (an
    /// immediate): the displacement counts from the end of the whole instruction.
    mutating func ripRelative(_ opcode: [UInt8], reg: UInt8, to target: UInt64, trailing: [UInt8] = []) {
        let end = address + UInt64(opcode.count + 1 + 4 + trailing.count)
        emit(opcode + [(reg & 7) << 3 | 5])
        emitRel32(Int64(bitPattern: target &- end))
        emit(trailing)
    }

    /// A jump with a rel32 to a label of this code.
    mutating func jump(_ opcode: [UInt8], to l: Label) {
        emit(opcode)
        fixups.append((bytes.count, l))
        emit([0, 0, 0, 0])
    }

    /// A jump with a rel32 to an absolute address; false when it is out of reach.
    mutating func jump(_ opcode: [UInt8], toAddress target: UInt64) -> Bool {
        let end = address + UInt64(opcode.count + 4)
        emit(opcode)
        emitRel32(Int64(bitPattern: target &- end))
        return !outOfReach
    }

    private mutating func emitRel32(_ v: Int64) {
        guard let d = Int32(exactly: v) else {
            outOfReach = true
            emit([0, 0, 0, 0])
            return
        }
        emit(MachineCode.le32(d))
    }

    /// The code with every label jump filled in; nil if some displacement did not fit.
    func resolved() -> [UInt8]? {
        if outOfReach { return nil }
        var out = bytes
        for f in fixups {
            guard let at = labels[f.label] else { return nil }
            out.replaceSubrange(f.at..<f.at + 4, with: MachineCode.le32(Int32(at - (f.at + 4))))
        }
        return out
    }

    static func le32(_ v: Int32) -> [UInt8] {
        let u = UInt32(bitPattern: v)
        return (0..<4).map { UInt8(truncatingIfNeeded: u >> (8 * UInt32($0))) }
    }
}
