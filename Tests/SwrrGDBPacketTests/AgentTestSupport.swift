// Support for the agent-expression tests: an assembler for `maint agent`'s notation ("const8 5;
// add; end", operands in decimal, written big-endian in the opcode's immediate size, names read
// from the opcode table) and a stopped task made of real `Registers` and a memory buffer, seen
// through the server's own TaskAgentMachine.
@testable import SwrrGDB
import SwrrTracee
import XCTest

enum AgentAssembler {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func assemble(_ text: String) throws -> [UInt8] {
        var out: [UInt8] = []
        for statement in text.split(separator: ";") {
            let words = statement.split(separator: " ")
            guard let name = words.first, let op = AgentOpcode.named(String(name)) else {
                throw Failure(description: "unknown instruction \(statement)")
            }
            out.append(op.code)
            guard op.immediate > 0 else { continue }
            guard words.count == 2, let v = UInt64(words[1]) else { throw Failure(description: "\(name) needs one operand") }
            for i in (0..<op.immediate).reversed() { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
        }
        return out
    }
}

/// A task stopped with `registers` (by name) and `memory` mapped at `base`.
struct StoppedTask {
    var registers: [String: UInt64] = [:]
    var base: UInt64 = 0x7ffe_0000_0000
    var memory: [UInt8] = []

    /// Writes `value`'s low `size` bytes, little-endian, at `address`.
    mutating func store(_ value: UInt64, at address: UInt64, size: Int) {
        let o = Int(address - base)
        if memory.count < o + size { memory += [UInt8](repeating: 0, count: o + size - memory.count) }
        for i in 0..<size { memory[o + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    var machine: TaskAgentMachine {
        let values = Registers.names.map { registers[$0] ?? 0 }
        let (base, bytes) = (self.base, memory)
        return TaskAgentMachine(registers: Registers(values: values)) { address, count in
            guard address >= base, address - base <= UInt64(bytes.count), count <= bytes.count - Int(address - base) else {
                throw AgentAssembler.Failure(description: "unmapped")
            }
            let o = Int(address - base)
            return Array(bytes[o..<(o + count)])
        }
    }
}

extension XCTestCase {
    /// The value of the assembled program on `task`.
    func run(_ program: String, on task: StoppedTask = StoppedTask(), limits: AgentExpression.Limits = .standard) throws -> UInt64 {
        try AgentExpression(AgentAssembler.assemble(program)).evaluate(task.machine, limits: limits)
    }

    /// The error the assembled bytes give when decoded or run.
    func failure(_ bytes: [UInt8], on task: StoppedTask = StoppedTask(), limits: AgentExpression.Limits = .standard) -> AgentExpressionError? {
        do {
            _ = try AgentExpression(bytes).evaluate(task.machine, limits: limits)
            return nil
        } catch {
            return error as? AgentExpressionError
        }
    }
}
