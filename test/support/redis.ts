import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createClient } from '@redis/client';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './servers.js';

/**
 * True when the Redis suites run: `redis-server` is installed (Debian's package; CI installs it),
 * or `TOOLSCRIPT_REQUIRE_REDIS=1` is set, in which case a missing Redis fails them instead of
 * skipping them.
 */
export const REDIS_AVAILABLE = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return process.env.TOOLSCRIPT_REQUIRE_REDIS === '1';
  }
})();

/**
 * A fresh `redis-server` on a free loopback port (or port `at`), without persistence, answering
 * PING when this resolves; the process is pushed to `children`.
 */
export async function startRedis(
  children: ChildProcess[],
  at?: number,
): Promise<{ url: string; port: number }> {
  const port = at ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  children.push(child);
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      await client.close();
      return { url, port };
    } catch (error) {
      client.destroy();
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start: ${error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * A `redis-server` for the enclosing describe block: started in `beforeAll`, killed in `afterAll`.
 * `children` holds it (first), so a test can kill it; `url()` is its address once started.
 */
export function redisForSuite(): { children: ChildProcess[]; url: () => string } {
  const children: ChildProcess[] = [];
  let url = '';
  beforeAll(async () => {
    url = (await startRedis(children)).url;
  });
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  return { children, url: () => url };
}
