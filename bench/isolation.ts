/**
 * Isolation benchmark: what one hostile session costs the others. Run with
 * `npm run bench:isolation`. Writes bench/results/isolation.json.
 *
 * 1. Hostile text: one session's script returns text that is slow to tokenize or to scan for
 *    personal data (the red-team inputs: a run of no-break spaces, 100k CJK characters, 150k
 *    control characters, 120 KB of `%a`), with PII on and a 2 s timeout; or sends such text as a
 *    script comment or a `search_tools` query. Meanwhile a second
 *    session runs `return 1` every 10 ms. Reported: the hostile execution's time, the second
 *    session's slowest answer, and the longest event-loop gap (a 5 ms ticker).
 * 2. Spinning scripts: every core but one runs a session's endless loop on its script thread;
 *    another session runs `return 1` 200 times. Reported: its p50/p99/max and the longest
 *    event-loop gap.
 * 3. Rejected initializes: 20,000 (`-- --requests N`) initialize requests refused with 406 (bad `Accept`) against
 *    `serveHttp`; reported: heap and RSS growth after a full GC.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { serveHttp } from '../src/server/http.js';
import { GatewaySession } from '../src/session/gateway-session.js';
import { watchEventLoop } from '../test/support/loop-gap.js';
import { percentile } from './support/stats.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:isolation does)');

const gateway = await createGateway(
  parseConfig({
    mcpServers: {},
    dataDir: resolve('.toolscript/bench-isolation'),
    sandbox: { timeoutMs: 2_000 },
    pii: { enabled: true },
  }),
);

const attacker = new GatewaySession(gateway);
const returning = (expression: string) => async () =>
  !(await attacker.executeCode(`return ${expression};`)).isError;
const nbsp = '\u00a0'.repeat(50_000);
const hostile: Record<string, () => Promise<boolean>> = {
  'result: no-break spaces (50k)': returning(`'x' + '\\u00a0'.repeat(50000)`),
  'result: CJK (100k)': returning(`'漢字仮名交じり文'.repeat(12500)`),
  'result: control characters (150k)': returning(`'\\u0001'.repeat(150000)`),
  "result: '%a' (120 KB)": returning(`'%a'.repeat(60000)`),
  'script comment: no-break spaces (50k)': async () =>
    !(await attacker.executeCode(`// x${nbsp}\nreturn 1;`)).isError,
  'search_tools query: no-break spaces (50k)': async () =>
    !(await attacker.searchTools({ query: `x${nbsp}` })).isError,
};

const bystander = new GatewaySession(gateway);
await attacker.executeCode('return 0'); // loads the sandbox and the tokenizer
await bystander.executeCode('return 0');

const stalls = [];
for (const [name, attack] of Object.entries(hostile)) {
  const loop = watchEventLoop();
  let slowest = 0;
  let running = true;
  const probe = (async () => {
    while (running) {
      const started = performance.now();
      await bystander.executeCode('return 1');
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const started = performance.now();
  const ok = await attack();
  const hostileMs = performance.now() - started;
  running = false;
  await probe;
  const longestGap = await loop.stop();
  stalls.push({
    input: name,
    ok,
    hostileMs: Math.round(hostileMs),
    otherSessionSlowestMs: Math.round(slowest),
    longestEventLoopGapMs: Math.round(longestGap),
  });
}

// 3. Spinning scripts: every core but one runs a session's `while (true) {}` (20 s limit) on its
// script thread; meanwhile another session runs `return 1` 200 times in a row.
const spinners = Math.max(1, availableParallelism() - 1);
const spinning = Array.from({ length: spinners }, (_, i) =>
  gateway.execute('while (true) {}', { session: `spinner-${i}`, timeoutMs: 20_000 }),
);
await new Promise((r) => setTimeout(r, 500));
const spinLoop = watchEventLoop();
const trivial: number[] = [];
for (let i = 0; i < 200; i++) {
  const started = performance.now();
  await gateway.execute('return 1', { session: 'trivial' });
  trivial.push(performance.now() - started);
}
const spinGap = await spinLoop.stop();
const spinnersStillRunning = await Promise.race([
  Promise.all(spinning).then(() => false),
  new Promise<boolean>((r) => setTimeout(() => r(true), 0)),
]);
const spin = {
  spinningScripts: spinners,
  spinnersStillRunning,
  trivialP50Ms: Number(percentile(trivial, 50).toFixed(1)),
  trivialP99Ms: Number(percentile(trivial, 99).toFixed(1)),
  trivialMaxMs: Number(Math.max(...trivial).toFixed(1)),
  longestEventLoopGapMs: Math.round(spinGap),
};
await Promise.all(spinning);

const http = await serveHttp(gateway, { port: 0 });
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
});
const memory = () => {
  gc();
  return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
};
const REJECTED = Number(
  parseArgs({ options: { requests: { type: 'string', default: '20000' } } }).values.requests,
);
const before = memory();
const statuses = new Map<number, number>();
for (let i = 0; i < REJECTED; i += 100) {
  const batch = Array.from({ length: 100 }, () =>
    fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/plain' },
      body: initialize,
    }).then(async (r) => {
      await r.arrayBuffer();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }),
  );
  await Promise.all(batch);
}
await new Promise((r) => setTimeout(r, 200));
const after = memory();
await http.close();
await gateway.close();

const MiB = 1024 * 1024;
const summary = {
  hostileOutput: stalls,
  spinningScripts: spin,
  rejectedInitializes: {
    requests: REJECTED,
    statuses: Object.fromEntries(statuses),
    heapGrowthMiB: Number(((after.heap - before.heap) / MiB).toFixed(1)),
    rssGrowthMiB: Number(((after.rss - before.rss) / MiB).toFixed(1)),
  },
};
console.log(
  `\n| hostile text | ok | its time ms | other session's slowest ms | longest loop gap ms |\n|---|---|---:|---:|---:|\n${stalls
    .map(
      (s) =>
        `| ${s.input} | ${s.ok} | ${s.hostileMs} | ${s.otherSessionSlowestMs} | ${s.longestEventLoopGapMs} |`,
    )
    .join('\n')}`,
);
console.log(
  `\n${spin.spinningScripts} spinning script(s) on their threads${spin.spinnersStillRunning ? ' (still running throughout)' : ''}: 200 trivial executions of another session p50 ${spin.trivialP50Ms} ms, p99 ${spin.trivialP99Ms} ms, max ${spin.trivialMaxMs} ms; longest event-loop gap ${spin.longestEventLoopGapMs} ms`,
);
const r = summary.rejectedInitializes;
console.log(
  `\n${REJECTED} rejected initializes (${JSON.stringify(r.statuses)}): heap +${r.heapGrowthMiB} MiB, RSS +${r.rssGrowthMiB} MiB after GC`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/isolation.json', `${JSON.stringify(summary, null, 2)}\n`);
