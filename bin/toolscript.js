#!/usr/bin/env node
// Entry of the installed package: the compiled CLI (npm run build writes dist/).
// On Node 22.1 and later, V8's compiled code is cached on disk between runs (faster start-up).
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { runCli } = await import('../dist/cli/main.js');
const code = await runCli(process.argv.slice(2));
// Exit at once: every command has closed what it opened by now, and waiting for the event loop to
// drain only adds the WebAssembly runtime's teardown (about 0.1 s). Writes to pipes, files and
// terminals are synchronous on POSIX, so no output is lost.
process.exit(code);
