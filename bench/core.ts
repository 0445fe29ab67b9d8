/**
 * Core benchmark: start-up of the built CLI against `node -e 0`, sandbox cold start, one trivial execution end to end, per-call overhead of the
 * bridge against a direct MCP SDK client call to the same kind of upstream, and 1,000 sequential
 * calls with tracing on (see tracing.ts), memoized calls (see cache.ts), and Python against TypeScript (see python.ts). Prints medians (ms). Run with `npm run bench`.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { locatePyodide, PYTHON_INSTALL_HINT } from '../src/sandbox/python/index.js';
import { loadQuickJS, QuickJSSandbox } from '../src/sandbox/quickjs/index.js';
import { locateDeno } from '../src/sandbox/subprocess/locate.js';
import { benchCache } from './cache.js';
import { benchPython } from './python.js';
import { measureStartup } from './support/startup.js';
import { median } from './support/stats.js';
import { benchTracing } from './tracing.js';

const require = createRequire(import.meta.url);
const everything = resolve(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist/index.js',
);

async function timeEach(times: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await fn();
    out.push(performance.now() - started);
  }
  return out;
}

const rows: [string, string][] = [];
const report = (name: string, value: string) => {
  rows.push([name, value]);
  process.stderr.write(`  ${name}: ${value}\n`);
};

process.stderr.write('toolscript core benchmark (medians)\n');

const startup = measureStartup();
report('node -e 0', `${startup.nodeMs.toFixed(1)} ms`);
report('toolscript exec of a trivial script (built bin, default config)', `${startup.execMs.toFixed(1)} ms`);
report('toolscript exec --json of the same', `${startup.jsonMs.toFixed(1)} ms`);
report(
  'exec start-up / node -e 0, plain and --json (target at most 4x; the installed package: npm run test:package)',
  `${startup.ratio.toFixed(2)}x, ${startup.jsonRatio.toFixed(2)}x`,
);

let started = performance.now();
await loadQuickJS();
report('QuickJS WASM module load (once per process)', `${(performance.now() - started).toFixed(2)} ms`);

const sandbox = await QuickJSSandbox.create();
const empty = { modules: {}, hostFunctions: {}, limits: { timeoutMs: 5000, memoryMb: 64 } };
await timeEach(50, () => sandbox.run('export default 1', empty));
const cold = await timeEach(500, () => sandbox.run('export default 1', empty));
report('sandbox cold start (new runtime + context, run, dispose)', `${median(cold).toFixed(3)} ms`);

const gateway = await createGateway(
  parseConfig({ mcpServers: { everything: { command: process.execPath, args: [everything, 'stdio'] } } }),
);
await timeEach(20, () => gateway.execute('export default 1'));
const trivial = await timeEach(200, () => gateway.execute('export default 1'));
report('trivial execution end to end (transpile, sandbox, output)', `${median(trivial).toFixed(3)} ms`);

const direct = new Client({ name: 'bench', version: '1' });
await direct.connect(
  new StdioClientTransport({ command: process.execPath, args: [everything, 'stdio'], stderr: 'ignore' }),
);

// The same calls with scripts on the gateway's own thread (`sandbox.threads: 0`, as `toolscript
// exec` runs them): the difference to the default is the two thread hops each call makes.
const onMain = await createGateway(
  parseConfig({
    mcpServers: { everything: { command: process.execPath, args: [everything, 'stdio'] } },
    sandbox: { threads: 0 },
  }),
);

const CALLS = 1000;
const WARMUP_ROUNDS = 3;
const ROUNDS = 7;
const directRounds: number[] = [];
const bridgeRounds: number[] = [];
const mainRounds: number[] = [];
// Both paths JIT-compile over their first few thousand calls (the gateway's 1000-call round drops
// from ~1.2 s to ~0.5 s over three rounds), so the first rounds are discarded for both.
for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  const measured = round >= WARMUP_ROUNDS;
  started = performance.now();
  for (let i = 0; i < CALLS; i++) await direct.callTool({ name: 'echo', arguments: { message: `m${i}` } });
  if (measured) directRounds.push(performance.now() - started);

  const script = `import { echo } from './servers/everything'; for (let i = 0; i < ${CALLS}; i++) await echo({ message: 'm' + i }); export default ${CALLS};`;
  for (const [where, into] of [
    [gateway, bridgeRounds],
    [onMain, mainRounds],
  ] as const) {
    const execution = await where.execute(script, { timeoutMs: 120_000 });
    if (!execution.ok) throw new Error(`bench script failed: ${execution.error?.message}`);
    if (measured) into.push(execution.ms);
  }
}
const directPerCall = median(directRounds) / CALLS;
const bridgePerCall = median(bridgeRounds) / CALLS;
report(`${CALLS} sequential calls through the sandbox and bridge`, `${median(bridgeRounds).toFixed(1)} ms`);
report(`${CALLS} sequential calls, direct SDK client`, `${median(directRounds).toFixed(1)} ms`);
report('per call: bridge / direct', `${bridgePerCall.toFixed(4)} ms / ${directPerCall.toFixed(4)} ms`);
report(
  'per-call overhead over direct (ratio; target at most 0.15 ms)',
  `${(bridgePerCall - directPerCall).toFixed(4)} ms (${(bridgePerCall / directPerCall).toFixed(3)}x)`,
);
const mainPerCall = median(mainRounds) / CALLS;
report(
  'per-call overhead over direct, scripts on the gateway thread (sandbox.threads: 0)',
  `${(mainPerCall - directPerCall).toFixed(4)} ms (${(mainPerCall / directPerCall).toFixed(3)}x)`,
);

await direct.close();
await gateway.close();
await onMain.close();

await benchCache(report);

if (locateDeno() && locatePyodide()) await benchPython(report);
else report('Python', `skipped: ${PYTHON_INSTALL_HINT}`);

// Last: the SDK stays registered for the rest of the process, and would trace every row after it.
await benchTracing(report, everything);

console.log(JSON.stringify(Object.fromEntries(rows), null, 2));
