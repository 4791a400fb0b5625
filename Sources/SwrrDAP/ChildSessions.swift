// Whole process trees: every other process of a multi-process recording becomes a debug session
// of its own through DAP's `startDebugging` reverse request, for a client that announced
// `supportsStartDebuggingRequest` (VS Code, which its JavaScript debugger uses for workers).
//
// How clients start a child session: VS Code runs a new debug session with the configuration,
// which starts a new adapter from the same descriptor (another swrr-dap process for this stdio
// adapter); ProcessTreeTests starts the adapters the same way (no VS Code, and no nvim-dap with
// startDebugging, runs on these machines). dap-mode 0.7, Debian's elpa-dap-mode, has no
// `startDebugging`: EmacsDapModeTests drives a child process through the `process` attribute
// instead. The child configuration is a
// `launch` of the same recording (`trace`, an absolute path: the new adapter's working
// directory is the client's choice) with `process` set to the child's recorded pid, and
// `__swrrParent`: the socket of this swrr-dap, which the child's swrr-dap forwards its session
// to, so that every session shows the one replay (ProcessTree.swift).
//
// Which sessions start children: the one launched without `process` (it debugs the program's own
// process, the first one, so children are the processes after it). A session launched with
// `process` (a child, or a user's pick) debugs that process alone and starts none, so children
// never start grandchildren (every process of the tree is already a child of the first).
import Foundation
import SwrrDebugger

enum ChildSessions {
    /// Starts the tree's socket and queues one `startDebugging` per other process of the
    /// recording, after the current response (configurationDone's: the parent's breakpoints are
    /// set, and scoped to its process before its first run starts).
    static func request(_ adapter: Adapter) {
        let session = adapter.session
        guard session.startsDebugging, let config = session.configuration, config.process == nil,
              let target = session.target else { return }
        let processes: [Int32]
        do {
            processes = try RecordedProcesses.list(target.traceDirectory)
        } catch {
            adapter.console("swrr-dap: the recording's processes cannot be listed, so no child session is started: \(error)")
            return
        }
        guard processes.count > 1 else { return }
        let tree: ProcessTree
        do {
            tree = try ProcessTree(owner: adapter, target: target, processes: processes)
        } catch {
            adapter.console("swrr-dap: no child session is started: \(error)")
            return
        }
        adapter.tree = tree
        // The parent's breakpoints stop in its own process from now on (the children run the
        // same code: each child session has breakpoints of its own).
        session.breakpoints.scope(to: target.processID)
        for pid in processes where Int(pid) != target.processID {
            var a = arguments(target: target, configuration: config, pid: pid)
            if var c = a["configuration"] as? JSONObject {
                c["__swrrParent"] = tree.socketPath
                a["configuration"] = c
            }
            adapter.requestAfterResponse("startDebugging", a)
        }
    }

    /// The child's `startDebugging` arguments: a `launch` of the same recording for process `pid`.
    static func arguments(target: DebuggerTarget, configuration: LaunchConfiguration, pid: Int32) -> JSONObject {
        let program = String(target.programPath.split(separator: "/").last ?? "program")
        var trace = target.traceDirectory
        if !trace.hasPrefix("/") { trace = FileManager.default.currentDirectoryPath + "/" + trace }
        // `name` is how VS Code titles the session (a client attribute launch ignores); DAP
        // forbids client-specific ones such as `type` here.
        let launch: JSONObject = ["name": "\(program) (pid \(pid))", "trace": trace, "process": Int(pid),
                                  "stopOnEntry": configuration.stopOnEntry,
                                  "exitedAtEnd": configuration.exitedAtEnd]
        return ["request": "launch", "configuration": launch]
    }
}
