/**
 * Upstream faults with real server processes: killed mid-call, hung (SIGSTOP), garbage on stdout,
 * a 50 MB result, a server that never starts, and an HTTP server that goes away and comes back.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { MAX_RESTARTS } from '../src/upstream/connection.js';
import { childPids } from './support/processes.js';
import {
  EVERYTHING,
  FILESYSTEM,
  isAlive,
  MEMORY,
  packageFile,
  startHttpServer,
  stdioServer,
} from './support/servers.js';

const CALL_TIMEOUT_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of the server-memory child whose MEMORY_FILE_PATH is `file` (read from /proc). */
function memoryPid(file: string): number {
  const pids = childPids('server-memory').filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`MEMORY_FILE_PATH=${file}`);
    } catch {
      return false;
    }
  });
  expect(pids).toHaveLength(1);
  return pids[0] as number;
}

/** The pid of the one child process whose command line contains `match`. */
function pidOf(match: string): number {
  const pids = childPids(match);
  expect(pids).toHaveLength(1);
  return pids[0] as number;
}

describe('upstream faults (real servers)', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-faults-'));
    await writeFile(join(dir, 'big.txt'), 'x'.repeat(50 * 1024 * 1024));
    await writeFile(join(dir, 'small.txt'), 'hello');
    const memory = stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') });
    // The real memory server, with a second writer on its stdout printing lines that are not JSON-RPC.
    const noisy = {
      command: '/bin/sh',
      args: [
        '-c',
        'for i in 1 2 3 4 5; do sleep 0.2; echo "garbage $i {{{"; echo "[not, json"; done & exec "$0" "$@"',
        process.execPath,
        packageFile(...MEMORY),
      ],
      env: { MEMORY_FILE_PATH: join(dir, 'noisy.jsonl') },
    };
    gateway = await createGateway(
      parseConfig({
        mcpServers: {
          everything: stdioServer(...EVERYTHING, ['stdio']),
          memory,
          noisy,
          files: { ...stdioServer(...FILESYSTEM, [dir]), timeoutMs: 30_000 },
          broken: stdioServer(...FILESYSTEM, [join(dir, 'does-not-exist')]),
        },
        dataDir: join(dir, 'data'),
        callTimeoutMs: CALL_TIMEOUT_MS,
        maxResultBytes: 16 * 1024 * 1024,
        sandbox: { timeoutMs: 20_000 },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('retries an idempotent call once on a restarted server when the server is killed mid-call', async () => {
    const filesPid = pidOf('server-filesystem');
    const everythingPid = pidOf('server-everything');
    const execution = gateway.execute(`
      import * as everything from './servers/everything';
      import * as files from './servers/files';
      const slow = everything.triggerLongRunningOperation({ duration: 1, steps: 1 });
      const text = await files.readTextFile({ path: ${JSON.stringify(join(dir, 'small.txt'))} });
      export default { slow: JSON.stringify(await slow).length > 0, text };`);
    await sleep(400);
    process.kill(everythingPid, 'SIGKILL');
    const result = await execution;
    expect(result.error).toBeNull();
    expect(result.result).toMatchObject({ slow: true });
    expect(isAlive(everythingPid)).toBe(false);
    expect(pidOf('server-everything')).not.toBe(everythingPid);
    expect(gateway.listServers().find((s) => s.name === 'everything')?.restarts).toBe(1);
    // The other servers were not touched.
    expect(pidOf('server-filesystem')).toBe(filesPid);
  });

  it('does not retry a non-idempotent call on a hung server, says so, and restarts the server', async () => {
    const target = memoryPid(join(dir, 'memory.jsonl'));
    const noisyPid = memoryPid(join(dir, 'noisy.jsonl'));
    process.kill(target, 'SIGSTOP');
    try {
      const started = Date.now();
      const hung = await gateway.execute(`
        import * as memory from './servers/memory';
        import * as noisy from './servers/noisy';
        let error;
        try {
          await memory.createEntities({ entities: [{ name: 'x', entityType: 't', observations: [] }] });
        } catch (e) { error = { name: e.name, code: e.code, message: e.message }; }
        export default { error, other: typeof (await noisy.readGraph({})) };`);
      expect(Date.now() - started).toBeLessThan(CALL_TIMEOUT_MS + 3_000);
      const { error, other } = hung.result as { error: { code: string; message: string }; other: string };
      expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(error.message).toContain(`no answer within ${CALL_TIMEOUT_MS} ms`);
      expect(error.message).toContain('not retried');
      expect(error.message).toContain('may or may not have taken effect');
      // The other server answered meanwhile.
      expect(other).toBe('object');
      // The ping after the missed deadline fails, so the hung process is killed and replaced.
      for (let waited = 0; isAlive(target) && waited < 5_000; waited += 100) await sleep(100);
      expect(isAlive(target)).toBe(false);
    } finally {
      if (isAlive(target)) process.kill(target, 'SIGKILL');
    }
    const after = await gateway.execute(`
      import * as memory from './servers/memory';
      export default typeof (await memory.readGraph({}));`);
    expect(after.result).toBe('object');
    expect(memoryPid(join(dir, 'memory.jsonl'))).not.toBe(target);
    expect(memoryPid(join(dir, 'noisy.jsonl'))).toBe(noisyPid);
  });

  it('keeps working when a server writes garbage to stdout', async () => {
    const results = [];
    for (let i = 0; i < 8; i++) {
      const run = await gateway.execute(`
        import * as noisy from './servers/noisy';
        await noisy.createEntities({ entities: [{ name: 'n${i}', entityType: 't', observations: [] }] });
        export default ((await noisy.readGraph({})) as { entities: unknown[] }).entities.length;`);
      results.push(run.error?.code ?? run.result);
      await sleep(150);
    }
    // Lines that are not JSON-RPC are skipped by the MCP client; every call still answers.
    expect(results.every((r) => typeof r === 'number')).toBe(true);
  });

  it('refuses a 50 MB result with RESULT_TOO_LARGE, and the next call works', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    // The 50 MB take 13-18 s to arrive here (the server's own reading and writing, and the
    // transport until it refuses them); the script waits for the call's own 30 s, not its 20 s.
    const run = await gateway.execute(
      `
      import * as files from './servers/files';
      export default (await files.readTextFile({ path: ${JSON.stringify(join(dir, 'big.txt'))} }) as string).length;`,
      { timeoutMs: 45_000 },
    );
    expect(run.error?.code).toBe('RESULT_TOO_LARGE');
    expect(run.error?.message).toMatch(
      /files\.read_text_file returned more than 16\.0 MiB, over the 16\.0 MiB limit/,
    );
    const next = await gateway.execute(`
      import * as files from './servers/files';
      export default await files.readTextFile({ path: ${JSON.stringify(join(dir, 'small.txt'))} });`);
    expect(JSON.stringify(next.result)).toContain('hello');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('restarts a failing server with growing backoff, then leaves it down', async () => {
    const times: number[] = [];
    const messages: string[] = [];
    for (let i = 0; i < MAX_RESTARTS + 1; i++) {
      const started = Date.now();
      const run = await gateway.execute(`
        import { callTool } from './client';
        export default await callTool('broken', 'list_allowed_directories', {});`);
      times.push(Date.now() - started);
      messages.push(run.error?.message ?? '');
      expect(run.error?.code).toMatch(/^(UPSTREAM_UNAVAILABLE|UNKNOWN_TOOL)$/);
    }
    // Waits before each new start double (250, 500, 1000, 2000 ms): each attempt takes at least
    // its wait (start-up time on a loaded machine only adds to it)…
    expect(times.slice(0, 4).map((ms, i) => ms >= 250 * 2 ** i - 50)).toEqual([true, true, true, true]);
    // …and the last attempt fails fast: the server is left down, and the message says what to do.
    expect(messages.at(-1)).toMatch(/left down|failed \d+ times/);
    expect(times.at(-1)).toBeLessThan(1_000);
    // The other servers still work.
    const ok = await gateway.execute(
      `import * as e from './servers/everything'; export default await e.getSum({ a: 2, b: 3 });`,
    );
    expect(JSON.stringify(ok.result)).toContain('5');
  });
});

describe('an HTTP upstream that goes away and comes back', () => {
  it('is reconnected on the next call after it is back', async () => {
    const script = packageFile(
      '@modelcontextprotocol/server-everything',
      'dist/transports/streamableHttp.js',
    );
    let server = await startHttpServer(script);
    const gateway = await createGateway(
      parseConfig({
        mcpServers: { remote: { type: 'http', url: `http://127.0.0.1:${server.port}/mcp` } },
        callTimeoutMs: CALL_TIMEOUT_MS,
      }),
    );
    const sum = `import * as r from './servers/remote'; export default await r.getSum({ a: 20, b: 22 });`;
    try {
      expect(JSON.stringify((await gateway.execute(sum)).result)).toContain('42');
      await server.stop();
      const down = await gateway.execute(sum);
      expect(down.error?.code).toBe('UPSTREAM_UNAVAILABLE');
      server = await startHttpServer(script, server.port);
      let back: Awaited<ReturnType<Gateway['execute']>> | undefined;
      for (let i = 0; i < 10; i++) {
        back = await gateway.execute(sum);
        if (back.ok) break;
        await sleep(500);
      }
      expect(JSON.stringify(back?.result)).toContain('42');
    } finally {
      await gateway.close();
      await server.stop();
    }
  });
});
