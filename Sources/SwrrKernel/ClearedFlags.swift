// Bits of a flags argument that the kernel must not see from a program under swrr, recording or
// replaying (clone's CLONE_UNTRACED: CloneFlags.hiddenFromKernel says why). The recorder clears
// them in the argument's register at the call's entry and puts the program's value back at the
// exit, in the caller and in a task the call created (which starts with the caller's registers),
// so the program never sees the change; the event keeps the program's arguments, and replay
// clears the same bits before it runs the call. rr does the same with clone's flags.

public struct ClearedFlags: Sendable, Equatable {
    /// The argument holding the flags.
    public let arg: Int
    /// The bits cleared in it.
    public let bits: UInt64

    public init(arg: Int, bits: UInt64) {
        self.arg = arg
        self.bits = bits
    }

    /// The argument as the kernel is to see it, when it has any of the bits (nil: run as it is).
    public func kernelValue(of args: [UInt64]) -> UInt64? {
        guard arg >= 0 && arg < args.count, args[arg] & bits != 0 else { return nil }
        return args[arg] & ~bits
    }
}
