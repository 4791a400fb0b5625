// The conditions gdb sent with a Z0 as the debugger core's BreakpointCondition: evaluated by the
// core at each hit of the address (SwrrDebugger's continueToTrueHit), so a hit where none holds
// is passed over in the server and gdb never hears of it.
import SwrrDebugger

struct AgentCondition: BreakpointCondition {
    let conditions: BreakpointConditions

    /// nil when the breakpoint stops at every hit: gdb sent no condition (an unconditional
    /// breakpoint at the address, or a condition it evaluates itself: "host evals"), or one this
    /// server cannot use (gdbserver's way: the breakpoint then stays unconditional).
    init?(_ conditions: BreakpointConditions) {
        guard !conditions.expressions.isEmpty, conditions.problem == nil else { return nil }
        self.conditions = conditions
    }

    var text: String {
        "agent expression" + (conditions.expressions.count == 1 ? "" : "s") + " of " +
            conditions.expressions.map { "\($0.bytes.count)" }.joined(separator: ", ") + " bytes"
    }

    /// Whether one of the conditions holds. It never throws: a condition that cannot be
    /// evaluated (unreadable memory, `*(int*)0 == 1`) stops, and gdb, which evaluates it again
    /// at the stop, reports the error and decides.
    func holds(in context: ConditionContext) throws -> Bool {
        guard let registers = try? context.registers() else { return true }
        return conditions.stop(TaskAgentMachine(registers: registers, memory: context.readMemory))
    }
}
