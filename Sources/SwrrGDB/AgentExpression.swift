// One agent expression: the bytecode gdb compiles a breakpoint condition to and sends in a Z
// packet (`;X LEN,BYTES`), decoded once and then evaluated at each hit. Everything in it comes
// from the peer, so nothing may trap or hang: the decoder checks every opcode, immediate, jump
// target, extension width and register number before anything runs, and the interpreter bounds
// the stack depth and the number of steps (a backward goto is legal bytecode, and an endless
// loop in the server would hang the replay with it). Problems are AgentExpressionError values.
import SwrrTracee

/// What an agent expression reads: registers by gdb's x86-64 number (RegisterFile.layout) and
/// memory. Its errors end the evaluation as `.registerUnavailable` or `.memoryUnreadable`.
protocol AgentMachine {
    func register(_ number: Int) throws -> UInt64
    func readMemory(_ address: UInt64, count: Int) throws -> [UInt8]
}

/// A stopped task's registers and a memory reader: what a breakpoint condition sees at a hit.
struct TaskAgentMachine: AgentMachine {
    struct Unavailable: Error {}
    var registers: Registers
    var memory: (UInt64, Int) throws -> [UInt8]

    /// The general registers (0–23, 57–59). The x87 and SSE registers (80 and 128 bits) do not
    /// fit a stack item; a condition on them is a float or vector one, refused anyway.
    func register(_ number: Int) throws -> UInt64 {
        guard number >= 0 && number < RegisterFile.layout.count,
              let i = Registers.names.firstIndex(of: RegisterFile.layout[number].0) else { throw Unavailable() }
        let size = RegisterFile.layout[number].1
        let value = registers.values[i]
        return size >= 8 ? value : value & ((1 << UInt64(8 * size)) - 1)
    }

    func readMemory(_ address: UInt64, count: Int) throws -> [UInt8] { try memory(address, count) }
}

enum AgentExpressionError: Error, Equatable, CustomStringConvertible {
    case empty
    case tooLong(Int)
    case unknownOpcode(UInt8, offset: Int)
    case refused(String, offset: Int, reason: String)
    case truncated(String, offset: Int)
    case jumpOutOfRange(offset: Int, target: Int)
    case badWidth(Int, offset: Int)
    case registerOutOfRange(Int, offset: Int)
    case stackUnderflow(String, offset: Int)
    case stackOverflow(depth: Int, offset: Int)
    case stepLimit(Int)
    case divisionByZero(offset: Int)
    case registerUnavailable(Int, offset: Int)
    case memoryUnreadable(UInt64, count: Int, offset: Int)
    case ranOffTheEnd

    var description: String {
        switch self {
        case .empty: return "an empty agent expression"
        case .tooLong(let n): return "an agent expression of \(n) bytes (at most \(AgentExpression.maximumLength))"
        case .unknownOpcode(let b, let o): return "unknown opcode 0x\(hex(b, width: 2)) at byte \(o)"
        case .refused(let name, let o, let reason): return "\(name) at byte \(o) is not evaluated: \(reason)"
        case .truncated(let name, let o): return "\(name) at byte \(o): its operand runs past the end"
        case .jumpOutOfRange(let o, let t): return "the jump at byte \(o) goes to \(t), not to an instruction"
        case .badWidth(let n, let o): return "an extension to \(n) bits at byte \(o) (1–64 allowed)"
        case .registerOutOfRange(let n, let o): return "register \(n) at byte \(o) does not exist (0–\(RegisterFile.layout.count - 1))"
        case .stackUnderflow(let name, let o): return "\(name) at byte \(o) needs more stack items than there are"
        case .stackOverflow(let n, let o): return "the stack grows past \(n) items at byte \(o)"
        case .stepLimit(let n): return "no result after \(n) steps"
        case .divisionByZero(let o): return "division by zero at byte \(o)"
        case .registerUnavailable(let n, let o): return "register \(n) (byte \(o)) cannot be read"
        case .memoryUnreadable(let a, let n, let o): return "\(n) bytes at 0x\(hex(a)) (byte \(o)) cannot be read"
        case .ranOffTheEnd: return "the expression ends without an `end`"
        }
    }
}

struct AgentExpression: Equatable {
    /// gdb's conditions are tens of bytes (the longest measured below, `i > 3 && p != 0`, is
    /// 54); the packet itself is at most 4000 bytes (PacketSize), so 2000 bytes of hex.
    static let maximumLength = 2000

    struct Limits: Equatable {
        var stackDepth: Int
        var steps: Int
        /// gdbserver's stack holds 100 items; 1024 leaves room and bounds memory. gdb's
        /// conditions jump only forward (every one in GDBConditionVectorTests), one step per
        /// instruction at most; 100,000 steps of an endless loop take 0.05 s in a debug build
        /// (AgentExpressionTests), a bounded stall.
        static let standard = Limits(stackDepth: 1024, steps: 100_000)
    }

    /// One decoded instruction.
    struct Instruction: Equatable {
        var offset: Int
        var code: UInt8
        var operand: UInt64
        /// For jumps: the index of the target instruction.
        var target: Int

        var opcode: AgentOpcode { AgentOpcode.byCode[Int(code)]! }
    }

    let bytes: [UInt8]
    let instructions: [Instruction]

    /// Decodes and checks `bytes`; nothing in them is run.
    init(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw AgentExpressionError.empty }
        guard bytes.count <= Self.maximumLength else { throw AgentExpressionError.tooLong(bytes.count) }
        var list: [Instruction] = []
        var indexAt = [Int](repeating: -1, count: bytes.count)
        var o = 0
        while o < bytes.count {
            guard let op = AgentOpcode.byCode[Int(bytes[o])] else {
                throw AgentExpressionError.unknownOpcode(bytes[o], offset: o)
            }
            if let why = op.refusal { throw AgentExpressionError.refused(op.name, offset: o, reason: why) }
            guard bytes.count - o - 1 >= op.immediate else { throw AgentExpressionError.truncated(op.name, offset: o) }
            let operand = bytes[(o + 1)..<(o + 1 + op.immediate)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            switch op.name {
            case "ext", "zero_ext":
                guard operand >= 1 && operand <= 64 else { throw AgentExpressionError.badWidth(Int(operand), offset: o) }
            case "reg":
                guard operand < RegisterFile.layout.count else {
                    throw AgentExpressionError.registerOutOfRange(Int(operand), offset: o)
                }
            default: break
            }
            indexAt[o] = list.count
            list.append(Instruction(offset: o, code: op.code, operand: operand, target: -1))
            o += 1 + op.immediate
        }
        // Jumps go to the start of an instruction (the operand is a byte offset from the start).
        for i in list.indices {
            switch list[i].opcode.action {
            case .jump, .jumpIfNotZero:
                let t = Int(list[i].operand)   // 16 bits: fits
                guard t < bytes.count, indexAt[t] >= 0 else {
                    throw AgentExpressionError.jumpOutOfRange(offset: list[i].offset, target: t)
                }
                list[i].target = indexAt[t]
            default: break
            }
        }
        self.bytes = bytes
        instructions = list
    }

    /// The value on top of the stack at `end`.
    func evaluate(_ machine: AgentMachine, limits: Limits = .standard) throws -> UInt64 {
        var stack: [UInt64] = []
        var pc = 0
        var steps = 0
        while pc < instructions.count {
            steps += 1
            guard steps <= limits.steps else { throw AgentExpressionError.stepLimit(limits.steps) }
            let ins = instructions[pc]
            let op = ins.opcode
            let needs = op.action.isPick ? Int(ins.operand) + 1 : op.pops
            guard stack.count >= needs else { throw AgentExpressionError.stackUnderflow(op.name, offset: ins.offset) }
            guard stack.count - op.pops + op.pushes <= limits.stackDepth else {
                throw AgentExpressionError.stackOverflow(depth: limits.stackDepth, offset: ins.offset)
            }
            pc += 1
            switch op.action {
            case .binary(let f):
                let b = stack.removeLast(), a = stack.removeLast()
                guard let v = f(a, b) else { throw AgentExpressionError.divisionByZero(offset: ins.offset) }
                stack.append(v)
            case .unary(let f):
                stack.append(f(stack.removeLast(), ins.operand))
            case .shuffle(let f):
                let items = Array(stack.suffix(op.pops))
                stack.removeLast(op.pops)
                stack += f(items)
            case .load(let count):
                let address = stack.removeLast()
                guard let b = try? machine.readMemory(address, count: count), b.count == count else {
                    throw AgentExpressionError.memoryUnreadable(address, count: count, offset: ins.offset)
                }
                stack.append(b.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            case .constant:
                stack.append(ins.operand)
            case .register:
                guard let v = try? machine.register(Int(ins.operand)) else {
                    throw AgentExpressionError.registerUnavailable(Int(ins.operand), offset: ins.offset)
                }
                stack.append(v)
            case .pick:
                stack.append(stack[stack.count - 1 - Int(ins.operand)])
            case .jump:
                pc = ins.target
            case .jumpIfNotZero:
                if stack.removeLast() != 0 { pc = ins.target }
            case .end:
                return stack.removeLast()
            case .refused:
                // The decoder refuses these; kept as an error, not a trap, should the table change.
                throw AgentExpressionError.refused(op.name, offset: ins.offset, reason: op.refusal ?? "")
            }
        }
        throw AgentExpressionError.ranOffTheEnd
    }

    /// Whether the condition holds (a result other than 0, as in C).
    func holds(_ machine: AgentMachine, limits: Limits = .standard) throws -> Bool {
        try evaluate(machine, limits: limits) != 0
    }

    /// `maint agent`'s listing ("  0  reg 6"), for logs and test failures.
    var listing: String {
        instructions.map { i in
            let op = i.opcode
            return "\(i.offset)  \(op.name)" + (op.immediate > 0 ? " \(i.operand)" : "")
        }.joined(separator: "\n")
    }

    static func == (a: AgentExpression, b: AgentExpression) -> Bool { a.bytes == b.bytes }
}

extension AgentOpcode.Action {
    fileprivate var isPick: Bool {
        if case .pick = self { return true }
        return false
    }
}
