// `stackTrace`: the call stack of a thread (CFI unwinding, inlined calls as frames of their
// own), paged with startFrame/levels. Each frame has its source, line, column, function name,
// module and instructionPointerReference; frame ids stay valid until the replay resumes. At the
// end of the recording the program is held before its exit: its threads' stacks are shown there
// (an empty stack made clients keep a stale frame, "stopped at unavailable location"); only a
// program that is gone (every task ended) has an empty one.

public struct StackTraceHandler: RequestHandler {
    public let command = "stackTrace"
    public var validStates: Set<SessionState> { [.stopped] }

    public func handle(_ request: Request, _ arguments: Arguments, adapter: Adapter) throws -> JSONObject? {
        let id = try arguments.threadID()
        let start = try arguments.integer("startFrame", in: Arguments.Range.count) ?? 0
        let levels = try arguments.integer("levels", in: Arguments.Range.count) ?? 0
        _ = try arguments.object("format")
        guard let t = adapter.session.target as? DebuggerTarget else { throw RequestError("nothing is being debugged") }
        let tid = try t.liveThread(id)
        if t.atEnd && !t.isLive(tid) { return ["stackFrames": [JSONObject](), "totalFrames": 0] }
        let stack = try t.callStack(tid)
        let end = levels > 0 ? min(stack.frames.count, start + levels) : stack.frames.count
        var frames: [JSONObject] = []
        if start < end {
            for f in stack.frames[start..<end] {
                var o: JSONObject = ["id": t.inspection.frameID(tid: tid, index: f.index),
                                     "name": f.function ?? hex(f.pc),
                                     "line": f.location?.line ?? 0, "column": 0,
                                     "instructionPointerReference": hex(f.pc)]
                if let loc = f.location {
                    o["source"] = Sources.dapSource(loc.file)
                    o["column"] = max(loc.column, 1)
                } else {
                    o["presentationHint"] = "subtle"
                }
                if let m = f.module { o["moduleId"] = m }
                if f.isInlined { o["name"] = (f.function ?? "??") + " [inlined]" }
                frames.append(o)
            }
        }
        return ["stackFrames": frames, "totalFrames": stack.frames.count]
    }
}
