#!/usr/bin/env node
// Entry of the installed package: the compiled CLI (npm run build writes dist/).
const { runCli } = await import('../dist/cli/main.js');
process.exitCode = await runCli(process.argv.slice(2));
