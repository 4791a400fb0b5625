// Runs an unpacked swrr extension (its folder is argv[2]) against the stand-in `vscode` module
// (NODE_PATH names this directory) as VS Code would: activate, then ask what VS Code asks before
// and while starting a debug session. Prints one JSON object; the Swift tests check it.
'use strict';

const path = require('path');
const vscode = require('vscode');

async function main() {
    const extensionPath = path.resolve(process.argv[2]);
    const pkg = require(path.join(extensionPath, 'package.json'));
    const extension = require(path.join(extensionPath, pkg.main));
    const context = { extensionPath, subscriptions: [] };
    await extension.activate(context);
    const state = vscode._standIn;
    const out = {
        registered: state.registered.map(({ kind, type, trigger }) => (trigger === undefined ? { kind, type } : { kind, type, trigger })),
        subscriptions: context.subscriptions.length,
    };
    const factory = state.registered.find((r) => r.kind === 'factory' && r.type === 'swrr');
    const initial = state.registered.find((r) => r.kind === 'provider' && r.type === 'swrr' && r.trigger === 1);
    const dynamic = state.registered.find((r) => r.kind === 'provider' && r.type === 'swrr' && r.trigger === 2);

    // Before the session: resolving an empty configuration (F5 without launch.json), then a launch.json one.
    const session = { type: 'swrr', name: 'Record and debug', configuration: {} };
    out.initialConfigurations = await initial.object.provideDebugConfigurations(undefined);
    const empty = await initial.object.resolveDebugConfiguration(undefined, {});
    out.resolvedEmpty = empty === undefined ? 'undefined' : empty;
    const given = { type: 'swrr', request: 'launch', name: 'given', program: '/opt/app/bin/prog' };
    const resolved = await initial.object.resolveDebugConfiguration(undefined, given);
    out.resolvedGiven = resolved === undefined ? 'undefined' : resolved;
    out.substituted = await initial.object.resolveDebugConfigurationWithSubstitutedVariables(undefined,
        { type: 'swrr', request: 'launch', name: 'substituted', program: '/opt/app/bin/prog' });
    out.substitutedWithCwd = await initial.object.resolveDebugConfigurationWithSubstitutedVariables(undefined,
        { type: 'swrr', request: 'launch', name: 'substituted', program: '/opt/app/bin/prog', cwd: '/srv' });
    out.dynamicConfigurations = await dynamic.object.provideDebugConfigurations(undefined);
    const errorsBefore = state.errors.length;

    // Starting the session: the command VS Code would run.
    try {
        const d = await factory.object.createDebugAdapterDescriptor(session, undefined);
        out.descriptor = { command: d.command, args: d.args, isExecutable: d instanceof vscode.DebugAdapterExecutable };
    } catch (e) {
        out.descriptor = { thrown: String(e && e.message) };
    }
    out.errors = state.errors.map((e) => e.message);
    out.errorItems = state.errors.map((e) => e.items);
    out.errorsBeforeSession = errorsBefore;
    process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
    process.stderr.write('drive-extension: ' + (e && e.stack || e) + '\n');
    process.exit(1);
});
