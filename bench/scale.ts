/**
 * Scale benchmark: N agent sessions against `toolscript serve --http` replicas (child processes,
 * as deployed), one replica directly or several behind HAProxy with deploy/haproxy.cfg. Each
 * agent: initialize, `search_tools`, one `execute_code` of 10 `echo` calls to server-everything
 * (one per replica, over stdio), then DELETE of its session. Closed model by default (every agent
 * starts at once); `--rate R` starts R agents per second instead (open model, so stalls show).
 *
 *   npm run bench:scale -- [--sessions 1000] [--replicas 1|2] [--store] [--rate R] [--compare]
 *                          [--modern] [--eras]
 *
 * `--modern` runs 2026-07-28 agents instead (the v2 SDK client pinned to that revision): no
 * session, so no initialize and no DELETE; the client's `server/discover` probe, `search_tools`
 * and the same `execute_code`, each request balanced on its own (HAProxy round robin). `--eras`
 * runs both eras on two replicas behind HAProxy with Redis, one after the other, and prints both.
 *
 * `--store` starts a redis-server (Debian's package) and gives the replicas `store`, so sessions
 * live in Redis. `--compare` runs two replicas behind HAProxy with Redis, then one replica without
 * a store, and prints the throughput ratio. Reports wall time, sessions/s, p50/p99 per step,
 * errors, peak RSS per replica and Redis commands per agent and per tool call; writes
 * bench/results/scale-<replicas>[-redis].json.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createClient } from '@redis/client';
import { startRedis } from '../test/support/redis.js';
import { startReplicas } from '../test/support/replicas.js';
import { percentile } from './support/stats.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000' },
    replicas: { type: 'string', default: '1' },
    rate: { type: 'string' },
    store: { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    modern: { type: 'boolean', default: false },
    eras: { type: 'boolean', default: false },
  },
});
const sessions = Number(values.sessions);
const rate = values.rate === undefined ? undefined : Number(values.rate);
const ROOT = resolve(import.meta.dirname, '..');
const everything = resolve(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist/index.js',
);

/** Resident memory of a process in MiB (Linux /proc), 0 when it is gone. */
function rssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Total commands Redis has processed (INFO stats). */
async function redisCommands(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  const info = await client.info('stats');
  await client.close();
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}

/** One run of the benchmark: `replicaCount` replicas, with Redis when `store`, agents of 2026-07-28 when `modern`. */
async function run(replicaCount: number, store: boolean, modern = false) {
  const dir = mkdtempSync(join(tmpdir(), 'toolscript-scale-'));
  const children: ChildProcess[] = [];
  const config = join(dir, 'toolscript.config.json');
  const redis = store ? await startRedis(children) : undefined;
  const threadsPerReplica = Math.max(1, Math.floor(availableParallelism() / replicaCount));
  writeFileSync(
    config,
    JSON.stringify({
      ...(redis ? { store: redis.url } : {}),
      // Replicas sharing a machine share its cores: each gets its share of script threads.
      sandbox: { threads: threadsPerReplica },
      mcpServers: { everything: { command: process.execPath, args: [everything, 'stdio'] } },
    }),
  );
  // A paused approval's seal must open on every replica (none pauses here, but it is the deployment).
  const { url, replicas } = await startReplicas(replicaCount, config, dir, children, {
    TOOLSCRIPT_STATE_KEY: 'ab'.repeat(32),
  });
  const commandsBefore = redis ? await redisCommands(redis.url) : 0;

  const script = `import * as e from './servers/everything';
  let n = 0;
  for (let i = 0; i < 10; i++) { const r = await e.echo({ message: 'ping ' + i }); n += JSON.stringify(r).length > 0 ? 1 : 0; }
  export default n;`;
  const steps: Record<'initialize' | 'search' | 'execute' | 'delete', number[]> = {
    initialize: [],
    search: [],
    execute: [],
    delete: [],
  };
  let errors = 0;
  const firstErrors: string[] = [];
  const peakRss = replicas.map(() => 0);
  const sampler = setInterval(() => {
    for (const [i, { child }] of replicas.entries()) peakRss[i] = Math.max(peakRss[i] ?? 0, rssMb(child.pid));
  }, 200);

  async function agent(): Promise<void> {
    const timed = async <T>(step: keyof typeof steps, run: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const value = await run();
      steps[step].push(performance.now() - t);
      return value;
    };
    const transport = new StreamableHTTPClientTransport(new URL(url));
    const client = new Client(
      { name: 'bench-scale', version: '1' },
      modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
    );
    try {
      // 2026-07-28: the connect is the server/discover probe, not an initialize handshake.
      await timed('initialize', () => client.connect(transport));
      await timed('search', () => client.callTool({ name: 'search_tools', arguments: { query: 'echo' } }));
      const result = await timed('execute', () =>
        client.callTool(
          { name: 'execute_code', arguments: { code: script } },
          {
            timeout: 600_000,
          },
        ),
      );
      const text = (result.content as { text: string }[])[0]?.text ?? '';
      if (result.isError || !text.includes('10')) throw new Error(text.slice(0, 200));
      if (!modern) await timed('delete', () => transport.terminateSession());
    } catch (error) {
      errors++;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = `${(error as Error).message ?? error}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
      if (firstErrors.length < 3) firstErrors.push(reason.slice(0, 200));
    } finally {
      await client.close().catch(() => {});
    }
  }

  process.stderr.write(
    `toolscript scale benchmark: ${sessions} ${modern ? '2026-07-28 ' : '2025-era '}agents, ${replicaCount} replica(s)${replicaCount > 1 ? ' behind HAProxy' : ''}${redis ? ' with Redis' : ', no store'}, ${rate ? `${rate} arrivals/s (open)` : 'all at once (closed)'}\n`,
  );
  const started = performance.now();
  const agents: Promise<void>[] = [];
  for (let i = 0; i < sessions; i++) {
    if (rate)
      await new Promise((r) => setTimeout(r, Math.max(0, started + (i * 1000) / rate - performance.now())));
    agents.push(agent());
  }
  await Promise.all(agents);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const commands = redis ? (await redisCommands(redis.url)) - commandsBefore - 1 : 0;
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  const round = (n: number) => Math.round(n);
  const summary = {
    era: modern ? '2026-07-28' : '2025-11-25',
    sessions,
    replicas: replicaCount,
    model: rate ? `open, ${rate}/s` : 'closed',
    seconds: Number(seconds.toFixed(1)),
    sessionsPerSecond: Number((sessions / seconds).toFixed(1)),
    errors,
    firstErrors,
    steps: Object.fromEntries(
      Object.entries(steps)
        .filter(([, ms]) => ms.length > 0)
        .map(([step, ms]) => [step, { p50Ms: round(percentile(ms, 50)), p99Ms: round(percentile(ms, 99)) }]),
    ),
    peakRssMbPerReplica: peakRss.map(round),
    scriptThreadsPerReplica: threadsPerReplica,
    ...(redis
      ? {
          redisCommandsPerAgent: Number((commands / sessions).toFixed(1)),
          // Two tool calls per agent: search_tools and execute_code.
          redisCommandsPerToolCall: Number((commands / sessions / 2).toFixed(1)),
        }
      : {}),
  };
  console.log(JSON.stringify(summary, null, 2));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(
    join(ROOT, `bench/results/scale-${replicaCount}${redis ? '-redis' : ''}${modern ? '-modern' : ''}.json`),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
  return summary;
}

if (values.eras) {
  const legacy = await run(2, true, false);
  const modern = await run(2, true, true);
  console.log(
    `${sessions} agents on 2 replicas behind HAProxy with Redis: 2025-era ${legacy.seconds} s (${legacy.sessionsPerSecond}/s, ${legacy.errors} errors), 2026-07-28 ${modern.seconds} s (${modern.sessionsPerSecond}/s, ${modern.errors} errors)`,
  );
} else if (values.compare) {
  const withStore = await run(2, true);
  const alone = await run(1, false);
  const ratio = withStore.sessionsPerSecond / alone.sessionsPerSecond;
  console.log(
    `throughput, 2 replicas with Redis / 1 replica without a store: ${withStore.sessionsPerSecond} / ${alone.sessionsPerSecond} sessions/s = ${(ratio * 100).toFixed(0)}% (target at least 80%)`,
  );
} else {
  await run(Number(values.replicas), values.store, values.modern);
}
