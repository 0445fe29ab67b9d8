/**
 * Load benchmark, on loopback: N concurrent MCP sessions over Streamable HTTP against one
 * `toolscript serve --http` gateway, each running scripts that make 50 calls to a real upstream
 * server (server-everything's `echo`, over stdio). For each concurrency level it reports
 * throughput (tool calls/s), execution latency p50/p99 as the client sees it, peak RSS of this
 * process (gateway and clients share it) and errors; then the knee: the first level whose p50 is
 * at least twice the p50 of one session. Run with `npm run bench:load [-- --levels 1,10,200]`.
 * Writes bench/results/load.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { serveHttp } from '../src/server/http.js';
import { percentile } from './support/stats.js';

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '1,2,5,10,25,50,100,200' },
    scripts: { type: 'string', default: '3' },
    calls: { type: 'string', default: '50' },
  },
});
const levels = values.levels.split(',').map(Number);
const scriptsPerSession = Number(values.scripts);
const callsPerScript = Number(values.calls);

const require = createRequire(import.meta.url);
const everything = resolve(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist/index.js',
);

const gateway = await createGateway(
  parseConfig({
    mcpServers: { everything: { command: process.execPath, args: [everything, 'stdio'] } },
    dataDir: resolve('.toolscript/bench-load'),
    sandbox: { timeoutMs: 120_000 },
    callTimeoutMs: 120_000,
  }),
);
const http = await serveHttp(gateway, { port: 0, maxSessions: 10_000 });
const script = `import * as e from './servers/everything';
let n = 0;
for (let i = 0; i < ${callsPerScript}; i++) {
  const r = await e.echo({ message: 'ping ' + i });
  n += JSON.stringify(r).length > 0 ? 1 : 0;
}
export default n;`;

interface LevelResult {
  sessions: number;
  executions: number;
  calls: number;
  seconds: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  errors: number;
}

async function runLevel(sessions: number): Promise<LevelResult> {
  const clients = await Promise.all(
    Array.from({ length: sessions }, async () => {
      const client = new Client({ name: 'bench-load', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
      return client;
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < scriptsPerSession; i++) {
        const t = performance.now();
        try {
          const result = await client.callTool(
            { name: 'execute_code', arguments: { code: script } },
            { timeout: 300_000 },
          );
          const text = (result.content as { text: string }[])[0]?.text ?? '';
          if (result.isError || !text.includes(String(callsPerScript))) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await Promise.all(clients.map((c) => c.close()));
  const executions = sessions * scriptsPerSession;
  return {
    sessions,
    executions,
    calls: executions * callsPerScript,
    seconds,
    callsPerSecond: (executions * callsPerScript) / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    peakRssMb: peakRss / 1024 / 1024,
    errors,
  };
}

process.stderr.write(
  `toolscript load benchmark: ${scriptsPerSession} scripts × ${callsPerScript} echo calls per session, levels ${levels.join(', ')}\n`,
);
// Warm-up: QuickJS instance, bindings, upstream connection.
await runLevel(1);
const results: LevelResult[] = [];
for (const sessions of levels) {
  const result = await runLevel(sessions);
  results.push(result);
  process.stderr.write(
    `  ${String(sessions).padStart(4)} sessions: ${result.callsPerSecond.toFixed(0).padStart(6)} calls/s, p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, peak RSS ${result.peakRssMb.toFixed(0)} MiB, errors ${result.errors}\n`,
  );
}
const base = results[0]?.p50Ms ?? Number.NaN;
const knee = results.find((r) => r.p50Ms >= 2 * base);
const summary = {
  date: new Date().toISOString(),
  node: process.version,
  scriptsPerSession,
  callsPerScript,
  results,
  knee: knee
    ? { sessions: knee.sessions, p50Ms: knee.p50Ms, baseP50Ms: base }
    : { sessions: null, note: 'p50 never doubled' },
};
process.stdout.write(
  `\n| sessions | calls/s | p50 ms | p99 ms | peak RSS MiB | errors |\n|---:|---:|---:|---:|---:|---:|\n${results
    .map(
      (r) =>
        `| ${r.sessions} | ${r.callsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(0)} | ${r.p99Ms.toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ${r.errors} |`,
    )
    .join('\n')}\n\nKnee (p50 ≥ 2 × p50 of one session): ${
    knee
      ? `${knee.sessions} sessions (p50 ${knee.p50Ms.toFixed(0)} ms vs ${base.toFixed(0)} ms)`
      : 'not reached'
  }\n`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/load.json', `${JSON.stringify(summary, null, 2)}\n`);
await http.close();
await gateway.close();
