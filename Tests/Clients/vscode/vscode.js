// A stand-in for the `vscode` module that VS Code gives its extensions, for running
// adapter-manifest/extension.js under plain node (no VS Code runs on the test machines). It serves
// exactly what extension.js uses, and records what the extension does with it: what it registers,
// the error messages it shows, the commands it runs. Settings come from $STANDIN_SETTINGS (a JSON
// object keyed "section.key"); the active editor's file from $STANDIN_ACTIVE_FILE.
'use strict';

const state = {
    registered: [],
    errors: [],
    commands: [],
    settings: JSON.parse(process.env.STANDIN_SETTINGS || '{}'),
    activeFile: process.env.STANDIN_ACTIVE_FILE || undefined,
};

const disposable = () => ({ dispose() {} });

class DebugAdapterExecutable {
    constructor(command, args, options) {
        this.command = command;
        this.args = args || [];
        this.options = options;
    }
}

module.exports = {
    DebugAdapterExecutable,
    // VS Code's values (vscode.d.ts).
    DebugConfigurationProviderTriggerKind: { Initial: 1, Dynamic: 2 },
    workspace: {
        getConfiguration(section) {
            return {
                get(key, defaultValue) {
                    const value = state.settings[section + '.' + key];
                    return value === undefined ? defaultValue : value;
                },
            };
        },
    },
    window: {
        showErrorMessage(message, ...items) {
            state.errors.push({ message, items });
            return Promise.resolve(undefined);
        },
        get activeTextEditor() {
            if (!state.activeFile) return undefined;
            return { document: { uri: { scheme: 'file', fsPath: state.activeFile } } };
        },
    },
    commands: {
        executeCommand(...args) {
            state.commands.push(args);
            return Promise.resolve(undefined);
        },
    },
    debug: {
        registerDebugAdapterDescriptorFactory(type, factory) {
            state.registered.push({ kind: 'factory', type, object: factory });
            return disposable();
        },
        registerDebugConfigurationProvider(type, provider, trigger) {
            state.registered.push({ kind: 'provider', type, trigger: trigger === undefined ? 1 : trigger, object: provider });
            return disposable();
        },
    },
    _standIn: state,
};
