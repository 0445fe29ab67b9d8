import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { freePort } from './servers.js';

/** Polls `url` until it answers 2xx. @throws after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * `count` replicas of `toolscript serve --http` (from the checkout's sources) on free ports, each
 * with its own data folder under `dir`, ready (`/readyz`) when this resolves; then, with more than
 * one, HAProxy in front with deploy/haproxy.cfg (addresses replaced, one `server` line per
 * replica). Every process started is pushed to `children`; `env` is added to each replica's
 * environment.
 * @returns the MCP URL clients use, and each replica's port and process.
 */
export async function startReplicas(
  count: number,
  config: string,
  dir: string,
  children: ChildProcess[],
  env: Record<string, string> = {},
): Promise<{ url: string; replicas: { port: number; child: ChildProcess }[] }> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const replicas = ports.map((port, i) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli/main.ts'),
        'serve',
        '--http',
        '--port',
        String(port),
        '--config',
        config,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TOOLSCRIPT_DATA_DIR: join(dir, `data-${i}`), ...env },
        stdio: 'ignore',
      },
    );
    children.push(child);
    return { port, child };
  });
  for (const { port } of replicas) await waitForOk(`http://127.0.0.1:${port}/readyz`);
  if (count === 1) return { url: `http://127.0.0.1:${ports[0]}/mcp`, replicas };
  const front = await freePort();
  const servers = ports.map((port, i) => `  server r${i + 1} 127.0.0.1:${port} check inter 2s fall 3 rise 1`);
  const cfg = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8')
    .replaceAll('127.0.0.1:8765', `127.0.0.1:${front}`)
    .replace(/^ {2}server r1 .*\n {2}server r2 .*$/m, servers.join('\n'))
    .replace('defaults\n', 'defaults\n  maxconn 20000\n');
  writeFileSync(join(dir, 'haproxy.cfg'), cfg);
  children.push(spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' }));
  const url = `http://127.0.0.1:${front}/mcp`;
  await waitForOk(url.replace('/mcp', '/healthz'));
  return { url, replicas };
}

/**
 * True when the HAProxy suites run: the `haproxy` binary is installed (Debian's package; CI
 * installs it), or `TOOLSCRIPT_REQUIRE_HAPROXY=1` is set, in which case a missing HAProxy fails
 * them instead of skipping them.
 */
export const HAPROXY_AVAILABLE = (() => {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return process.env.TOOLSCRIPT_REQUIRE_HAPROXY === '1';
  }
})();

/** Executions a replica ran, all outcomes (its `/stats`). */
export async function executionsOn(port: number): Promise<number> {
  const stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as {
    executions: Record<string, number>;
  };
  return Object.values(stats.executions).reduce((sum, n) => sum + n, 0);
}

/** The text parts of a tool result, joined by newlines. */
export function resultText(result: object): string {
  return (((result as { content?: unknown }).content ?? []) as { text?: string }[])
    .map((part) => part.text ?? '')
    .join('\n');
}
