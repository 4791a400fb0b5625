// The Z and z packets as a typed value: `Z TYPE,ADDR,KIND[;X LEN,BYTES…][;cmds:PERSIST,…]`
// (gdb manual, "Packets", Z0), the options only to a stub that advertises
// ConditionalBreakpoints+ in its qSupported reply.
//
// Measured with gdb 13.1 against a swrr replay (the vectors in AgentExpressionTests): gdb sends
// the conditions of all the breakpoints at one address in one Z0, one after the other with no
// `;` between them (`;X12,…X40,…`); it sends none when one of those breakpoints is unconditional
// or a condition cannot be compiled (`arr[2] == 'x'` on a local array: "host evals"); and it
// removes and inserts the breakpoint again at every stop, so each Z0 replaces what the previous
// one said.
struct BreakpointPacket: Equatable {
    var insert: Bool
    /// 0 software breakpoint, 1 hardware breakpoint, 2 write, 3 read, 4 access watchpoint.
    var type: Int
    var address: UInt64
    var kind: Int
    var conditions: BreakpointConditions
    /// gdb sent `cmds:` (commands for the stub to run at a hit). They are ignored: gdb sends them
    /// only to a stub that advertises BreakpointCommands+, and runs a breakpoint's commands
    /// itself when it stops.
    var hasCommands: Bool

    /// nil when TYPE, ADDR or KIND is not a number in range (the reply is then E01); the options
    /// never make the packet fail (gdbserver's way too: a condition it cannot use leaves the
    /// breakpoint unconditional).
    init?(_ text: String) {
        guard let letter = text.first, letter == "Z" || letter == "z" else { return nil }
        insert = letter == "Z"
        let body = text.dropFirst()
        let semicolon = body.firstIndex(of: ";")
        let parts = body[..<(semicolon ?? body.endIndex)].split(separator: ",")
        guard parts.count >= 3, let type = PacketField.hexInt(parts[0]),
              let address = PacketField.hexUInt64(parts[1]),
              let kind = PacketField.hexInt(parts[2], maximum: Int(Int32.max)) else { return nil }
        self.type = type
        self.address = address
        self.kind = kind
        conditions = BreakpointConditions(expressions: [], problem: nil)
        hasCommands = false
        guard let s = semicolon else { return }
        var rest = body[body.index(after: s)...]
        while let c = rest.first {
            if c == ";" {
                rest = rest.dropFirst()
            } else if rest.hasPrefix("cmds:") {
                // The commands' own `X` items run to the end of the packet.
                hasCommands = true
                return
            } else if c == "X" {
                rest = rest.dropFirst()
                switch Self.expression(&rest) {
                case .success(let e): conditions.expressions.append(e)
                case .failure(let problem):
                    conditions.problem = conditions.problem ?? problem
                    if case .malformed = problem { return }   // where the next item starts is unknown
                }
            } else {
                // An option this server does not know: skipped to the next `;`.
                rest = rest.drop { $0 != ";" }
            }
        }
    }

    /// `LEN,BYTES` after an `X`: LEN hex, then exactly 2 × LEN hex digits.
    private static func expression(_ rest: inout Substring) -> Result<AgentExpression, BreakpointConditions.Problem> {
        guard let comma = rest.firstIndex(of: ",") else { return .failure(.malformed("an X without a comma")) }
        guard let length = PacketField.hexInt(rest[..<comma], maximum: AgentExpression.maximumLength) else {
            return .failure(.malformed("an X length that is not a hex number up to \(AgentExpression.maximumLength)"))
        }
        rest = rest[rest.index(after: comma)...]
        let digits = rest.prefix(2 * length)
        guard let code = bytes(fromHex: digits), code.count == length else {
            return .failure(.malformed("an X of length \(length) without \(2 * length) hex digits"))
        }
        rest = rest.dropFirst(2 * length)
        do {
            return .success(try AgentExpression(code))
        } catch let e as AgentExpressionError {
            return .failure(.expression(e))
        } catch {
            return .failure(.malformed("\(error)"))
        }
    }
}

/// The conditions gdb sent with a breakpoint. It stops when any of them holds (gdb ORs the
/// conditions of the breakpoints at one address), and at every hit when there are none or one
/// cannot be used: gdb evaluates the conditions again itself at every stop it is told of
/// (measured: a stub that stopped at every hit of `break … if i == 7` showed gdb only the hit
/// with i == 7, and gdbserver answers true for a condition it cannot evaluate for that reason),
/// so a stop too many costs a round trip, never a wrong answer.
struct BreakpointConditions: Equatable {
    enum Problem: Error, Equatable {
        case malformed(String)
        case expression(AgentExpressionError)
    }

    var expressions: [AgentExpression]
    /// The first condition that could not be used.
    var problem: Problem?

    /// Whether a hit stops: no usable conditions, or one of them holds or fails to evaluate.
    func stop(_ machine: AgentMachine, limits: AgentExpression.Limits = .standard) -> Bool {
        if expressions.isEmpty || problem != nil { return true }
        return expressions.contains { (try? $0.holds(machine, limits: limits)) ?? true }
    }
}
