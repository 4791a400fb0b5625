// The VS Code side of swrr: finds swrr-dap and gives VS Code its launch configurations. No npm
// dependencies: `vscode` is provided by the editor, the rest is Node's own.
//
// Why code at all: VS Code resolves a debugger contribution's relative `program` against the
// extension's own folder, never PATH, so a manifest alone cannot start an adapter installed
// elsewhere; and the default recording ($SWRR_TRACE_DIR/latest-trace) depends on the environment.
'use strict';

const vscode = require('vscode');
const fs = require('fs');
const os = require('os');
const path = require('path');

const TYPE = 'swrr';
const ADAPTER = 'swrr-dap';
const SETTING = 'adapterPath';

/** `~` and `~/…` name the home directory (a setting is typed by hand). */
function expandHome(file) {
    if (file === '~') return os.homedir();
    if (file.startsWith('~/')) return path.join(os.homedir(), file.slice(2));
    return file;
}

/** A regular file this process may execute (a directory or a broken link is not). */
function isExecutableFile(file) {
    try {
        if (!fs.statSync(file).isFile()) return false;
        fs.accessSync(file, fs.constants.X_OK);
        return true;
    } catch (_) {
        return false;
    }
}

/**
 * Where swrr-dap is, in this order: the setting `swrr.adapterPath` (a path, or a name looked up in
 * PATH), then PATH, then `bin/swrr-dap` inside this extension (`make vsix WITH_ADAPTER=1`).
 * Returns {command, source} or {error, tried}. A setting that names nothing executable is an
 * error, not a reason to run another swrr-dap than the one the user chose.
 */
function findAdapter(setting, searchPath, extensionPath) {
    const tried = [];
    const inPath = (name) => {
        for (const dir of (searchPath || '').split(path.delimiter)) {
            if (!dir) continue;
            const file = path.join(dir, name);
            if (isExecutableFile(file)) return file;
        }
        return undefined;
    };
    const chosen = typeof setting === 'string' ? setting.trim() : '';
    if (chosen) {
        const file = expandHome(chosen);
        const found = file.includes('/') ? (isExecutableFile(file) ? path.resolve(file) : undefined) : inPath(file);
        if (found) return { command: found, source: 'setting' };
        const what = file.includes('/') ? file : `${file} (looked up in PATH)`;
        return {
            error: `swrr: the setting swrr.adapterPath names ${what}, which is not an executable file. `
                + 'Point it at swrr-dap (make build puts it in .build/release/swrr-dap) or clear it to use PATH.',
            tried: [`swrr.adapterPath: ${what}`],
        };
    }
    tried.push('the setting swrr.adapterPath (not set)');
    const fromPath = inPath(ADAPTER);
    if (fromPath) return { command: fromPath, source: 'PATH' };
    tried.push(`PATH (${searchPath || 'empty'})`);
    const bundled = path.join(extensionPath, 'bin', ADAPTER);
    if (isExecutableFile(bundled)) return { command: bundled, source: 'bundled' };
    tried.push(`${bundled} (inside the extension)`);
    return {
        error: `swrr: cannot find ${ADAPTER}. Tried ${tried.join('; ')}. `
            + 'Set swrr.adapterPath to swrr-dap (make build puts it in .build/release/swrr-dap), put it on PATH, '
            + 'or install a package built with make vsix WITH_ADAPTER=1.',
        tried,
    };
}

/** The directory swrr record writes to: $SWRR_TRACE_DIR if set and non-empty, else ~/.local/share/swrr (TraceStore.root). */
function traceRoot(env) {
    const dir = env.SWRR_TRACE_DIR;
    if (dir) return path.resolve(dir);
    return path.join(env.HOME || os.homedir(), '.local', 'share', 'swrr');
}

/** What "Add Configuration" writes into a new launch.json. */
function initialConfigurations(env) {
    return [
        {
            type: TYPE,
            request: 'launch',
            name: 'Record and debug',
            // The C/C++ extension's convention: the active file's executable, built beside it.
            program: '${fileDirname}/${fileBasenameNoExtension}',
            args: [],
            cwd: '${fileDirname}',
            stopOnEntry: false,
        },
        {
            type: TYPE,
            request: 'launch',
            name: 'Debug a recording',
            trace: path.join(traceRoot(env), 'latest-trace'),
        },
    ];
}

/**
 * F5 without a launch.json (an empty configuration): record and debug the active file's
 * executable when it has one (foo.c beside foo), else debug the latest recording when there is
 * one; else null, which makes VS Code open launch.json with the initial configurations.
 */
function configurationWithoutLaunchJson(activeFile, env) {
    if (activeFile) {
        const program = path.join(path.dirname(activeFile), path.parse(activeFile).name);
        if (program !== activeFile && isExecutableFile(program)) {
            return { type: TYPE, request: 'launch', name: 'Record and debug', program,
                     args: [], cwd: path.dirname(program), stopOnEntry: false };
        }
    }
    const latest = path.join(traceRoot(env), 'latest-trace');
    if (fs.existsSync(latest)) {
        return { type: TYPE, request: 'launch', name: 'Debug the latest recording', trace: latest };
    }
    return null;
}

function activate(context) {
    const locate = () => findAdapter(vscode.workspace.getConfiguration('swrr').get(SETTING),
                                     process.env.PATH, context.extensionPath);
    // One notification, with a way to the setting, when swrr-dap cannot be found.
    const complain = (error) => {
        vscode.window.showErrorMessage(error, 'Open Settings').then((choice) => {
            if (choice === 'Open Settings') {
                vscode.commands.executeCommand('workbench.action.openSettings', 'swrr.adapterPath');
            }
        }, () => {});
    };

    const factory = {
        createDebugAdapterDescriptor(_session, _executable) {
            const found = locate();
            if (found.command) return new vscode.DebugAdapterExecutable(found.command, []);
            // resolveDebugConfiguration has already complained and stopped the launch; reaching
            // here means another extension started a swrr session: say it too.
            complain(found.error);
            throw new Error(found.error);
        },
    };

    const provider = {
        provideDebugConfigurations(_folder) {
            return initialConfigurations(process.env);
        },
        resolveDebugConfiguration(_folder, config) {
            if (!config.type && !config.request && !config.name) {
                const editor = vscode.window.activeTextEditor;
                const file = editor && editor.document && editor.document.uri && editor.document.uri.scheme === 'file'
                    ? editor.document.uri.fsPath : undefined;
                config = configurationWithoutLaunchJson(file, process.env);
                if (config === null) return null;
            }
            // Before VS Code starts anything: without swrr-dap the session cannot start, and
            // undefined ends the launch with this one message.
            const found = locate();
            if (!found.command) {
                complain(found.error);
                return undefined;
            }
            return config;
        },
        resolveDebugConfigurationWithSubstitutedVariables(_folder, config) {
            // The program's directory is the working directory a program expects (swrr-dap's
            // own would be the editor's); `~` is expanded as a shell would.
            if (typeof config.program === 'string') config.program = expandHome(config.program);
            if (typeof config.trace === 'string') config.trace = expandHome(config.trace);
            if (typeof config.program === 'string' && config.program.includes('/') && config.cwd === undefined) {
                config.cwd = path.dirname(path.resolve(config.program));
            }
            return config;
        },
    };

    // The dropdown of Run and Debug offers the latest recording when there is one.
    const dynamic = {
        provideDebugConfigurations(_folder) {
            const latest = path.join(traceRoot(process.env), 'latest-trace');
            return fs.existsSync(latest)
                ? [{ type: TYPE, request: 'launch', name: 'swrr: debug the latest recording', trace: latest }]
                : [];
        },
    };

    context.subscriptions.push(
        vscode.debug.registerDebugAdapterDescriptorFactory(TYPE, factory),
        vscode.debug.registerDebugConfigurationProvider(TYPE, provider,
                                                         vscode.DebugConfigurationProviderTriggerKind.Initial),
        vscode.debug.registerDebugConfigurationProvider(TYPE, dynamic,
                                                         vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    );
}

function deactivate() {}

module.exports = { activate, deactivate, findAdapter, initialConfigurations, traceRoot };
