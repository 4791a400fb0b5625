// `stackTrace`: the call stack of a thread (CFI unwinding, inlined calls as frames of their
// own), paged with startFrame/levels. Each frame has its source, line, column, function name,
// module and instructionPointerReference; frame ids stay valid until the replay resumes. At the
// end of the recording the program is held before its exit: its threads' stacks are shown there
// (an empty stack made clients keep a stale frame, "stopped at unavailable location"); only a
// program that is gone (every task ended) has an empty one.

public struct StackTraceHandler: TypedRequestHandler {
    public let command = "stackTrace"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ arguments: StackTraceArguments, adapter: Adapter) throws -> StackTraceResponseBody? {
        let start = arguments.startFrame ?? 0
        let levels = arguments.levels ?? 0
        guard let t = adapter.session.target else { throw RequestError("nothing is being debugged") }
        let tid = try t.liveThread(arguments.threadId)
        if t.atEnd && !t.isLive(tid) { return StackTraceResponseBody(stackFrames: [], totalFrames: 0) }
        let stack = try t.callStack(tid)
        let end = levels > 0 ? min(stack.frames.count, start + levels) : stack.frames.count
        var frames: [StackTraceResponseBody.StackFrame] = []
        if start < end {
            for f in stack.frames[start..<end] {
                var o = StackTraceResponseBody.StackFrame(
                    id: t.inspection.frameID(tid: tid, index: f.index), name: f.function ?? hex(f.pc),
                    line: f.location?.line ?? 0, column: 0, instructionPointerReference: hex(f.pc))
                if let loc = f.location {
                    o.source = Sources.source(loc.file)
                    o.column = max(loc.column, 1)
                } else {
                    o.presentationHint = "subtle"
                }
                o.moduleId = f.module
                if f.isInlined { o.name = (f.function ?? "??") + " [inlined]" }
                frames.append(o)
            }
        }
        return StackTraceResponseBody(stackFrames: frames, totalFrames: stack.frames.count)
    }
}
