// `launch`: records the program (its output streamed as `output` events while it runs, inside a
// collapsed output group) or opens an existing trace, then starts the replay at the program's
// first instruction and announces `initialized`.
//
// A recording reports progress (seconds: the recorder counts events on its own thread, with no
// reader) and can be cancelled, by the launch's seq or the progressId: the program is killed, the
// trace finished where it was (ProgramRecorder.swift, RecordingCancel), and the session debugs
// that partial recording, saying so in an output event.
import SwrrDebugger
import SwrrRecord

public struct LaunchHandler: TypedRequestHandler {
    public let command = "launch"
    public var validStates: Set<SessionState> { [.initialized] }

    public func handle(_ arguments: LaunchRequestArguments, adapter: Adapter) throws -> NoBody? {
        let config = try LaunchConfiguration(arguments)
        // A child session of a process tree (ProcessTree.swift): `__swrrParent` is not a user
        // attribute (the parent writes it into the startDebugging configuration).
        if let parent = adapter.currentRequest?.arguments["__swrrParent"] as? String {
            if let tree = adapter.tree {
                try join(tree, config: config, adapter: adapter)
            } else if let request = adapter.currentRequest {
                adapter.forward(to: parent, launch: request)
            }
            return nil
        }
        let traceDirectory: String
        switch config.mode {
        case .trace(let dir):
            traceDirectory = dir
        case .record(let program, let args, let cwd, let env):
            traceDirectory = try record(program: program, arguments: args, cwd: cwd, env: env, adapter: adapter)
        }
        let target: DebuggerTarget
        do {
            target = try DebuggerTarget.open(traceDirectory, process: config.process, adapter: adapter)
        } catch let e as RequestError {
            throw e
        } catch let e as SessionError {
            throw RequestError("launch: " + e.message)
        } catch {
            throw RequestError("launch: cannot debug the recording \(traceDirectory): \(error)")
        }
        adapter.session.target = target
        adapter.session.configuration = config
        try adapter.session.move(to: .launched)
        adapter.afterResponse(ProcessEventBody(name: target.programPath, systemProcessId: target.processID,
                                               isLocalProcess: true, startMethod: "launch"))
        for t in target.threads() {
            adapter.afterResponse(ThreadEventBody(reason: "started", threadId: t.id))
        }
        adapter.session.knownThreads = Set(target.threads().map(\.id))
        target.core.placeBreakpoints()
        adapter.afterResponse("initialized")
        return nil
    }

    /// A child session served on the parent's connection: a view of the parent's replay for
    /// its process, its breakpoints joined to the replay's, scoped to that process.
    private func join(_ tree: ProcessTree, config: LaunchConfiguration, adapter: Adapter) throws {
        guard let pid = config.process, tree.processes.contains(Int32(truncatingIfNeeded: pid)) else {
            throw RequestError("launch: a child session needs the 'process' of the recording it shows (its processes: " +
                               tree.processes.map(String.init).joined(separator: ", ") + ")")
        }
        let target = DebuggerTarget(view: tree.target, process: pid)
        tree.target.core.breakpoints.join(adapter.session.breakpoints, process: pid)
        adapter.joinedProcess = pid
        adapter.session.target = target
        adapter.session.configuration = config
        try adapter.session.move(to: .launched)
        adapter.afterResponse(ProcessEventBody(name: target.programPath, systemProcessId: pid,
                                               isLocalProcess: true, startMethod: "attachForSuspendedLaunch"))
        for t in target.threads() {
            adapter.afterResponse(ThreadEventBody(reason: "started", threadId: t.id))
        }
        adapter.session.knownThreads = Set(target.threads().map(\.id))
        adapter.afterResponse("initialized")
    }

    /// Records, streaming the output; returns the trace directory.
    private func record(program: String, arguments: [String], cwd: String, env: [String],
                        adapter: Adapter) throws -> String {
        adapter.console("swrr-dap: recording \(([program] + arguments).joined(separator: " "))",
                        group: "startCollapsed")
        let forwarder = OutputForwarder { category, text in
            adapter.sendEvent(OutputEventBody(category: category, output: text))
        }
        let cancel = RecordingCancel()
        let name = program.split(separator: "/").last.map(String.init) ?? program
        let operation = LongRun(requestSeq: adapter.currentRequest?.seq ?? 0, command: command,
                                title: "Recording \(name)", state: { (String(format: "%.1f s", $0), nil) },
                                stop: { cancel.cancel() })
        do {
            let outcome = try adapter.servingCancel(operation) {
                try ProgramRecorder.record(
                    program: program, arguments: arguments, workingDirectory: cwd, environment: env,
                    output: { fd, bytes in forwarder.write(fd: fd, bytes) },
                    status: { adapter.console("swrr-dap: \($0)") }, cancel: cancel)
            }
            forwarder.flush()
            guard let status = outcome.exitStatus, let events = outcome.eventCount else {
                // Outside the collapsed group: the user asked for it and must see what they debug.
                adapter.console("", group: "end")
                adapter.console("swrr-dap: the recording was cancelled: the program was killed and the recording ends " +
                                "there. Debugging that partial recording \(outcome.traceDirectory).", category: "important")
                return outcome.traceDirectory
            }
            adapter.console("swrr-dap: recorded \(events) events; the program exited with status " +
                            "\(status). Debugging the recording \(outcome.traceDirectory).")
            adapter.console("", group: "end")
            return outcome.traceDirectory
        } catch {
            forwarder.flush()
            adapter.console("", group: "end")
            if let e = error as? RequestError { throw e }
            throw RequestError("launch: \(error)")
        }
    }
}
