#!/usr/bin/env node
// Entry of the installed package: the compiled CLI (npm run build writes dist/).
// On Node 22.1 and later, V8's compiled code is cached on disk between runs (faster start-up).
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
// `exec` runs one script, then the process exits: QuickJS's WebAssembly stays on V8's baseline
// compiler (Liftoff). By default V8 also compiles it with its optimizing compiler on background
// threads, which share the cores with the script, and the exit waits for those jobs: a trivial
// exec took 0.2 s longer, and a script of 3 s of CPU 5.5 s instead of 3.0 s (one machine,
// medians). Optimized code runs QuickJS about 1.5x faster once it is ready, so `serve` and the
// library, which live long, keep V8's default. Set here, where the process is known to exit.
if (process.argv[2] === 'exec') (await import('node:v8')).setFlagsFromString('--liftoff-only');
const { runCli } = await import('../dist/cli/main.js');
const code = await runCli(process.argv.slice(2));
// Exit at once: every command has closed what it opened by now, and waiting for the event loop to
// drain only adds the WebAssembly runtime's teardown (about 0.1 s). Writes to pipes, files and
// terminals are synchronous on POSIX, so no output is lost.
process.exit(code);
