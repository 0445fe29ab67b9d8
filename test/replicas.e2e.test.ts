/**
 * Several replicas behind HAProxy with deploy/haproxy.cfg: a session stays on the replica that
 * initialized it, and when that replica dies the client gets an error (never a silent re-run) and
 * a new session works on the other one. Needs the `haproxy` binary (Debian's package; CI installs
 * it and sets TOOLSCRIPT_REQUIRE_HAPROXY=1, otherwise the suite is skipped when it is missing).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

const HAPROXY = (() => {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return process.env.TOOLSCRIPT_REQUIRE_HAPROXY === '1';
  }
})();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting');
}

const text = (result: Awaited<ReturnType<Client['callTool']>>) =>
  (result.content as { text: string }[]).map((part) => part.text).join('\n');

describe.skipIf(!HAPROXY)('replicas behind HAProxy (deploy/haproxy.cfg)', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const replicas: { port: number; child: ChildProcess }[] = [];
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolscript-replicas-'));
    const config = join(dir, 'toolscript.config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: {} }));
    const [front, a, b] = [await freePort(), await freePort(), await freePort()];
    for (const [i, port] of [a, b].entries()) {
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
        { cwd: ROOT, env: { ...process.env, TOOLSCRIPT_DATA_DIR: join(dir, `data-${i}`) }, stdio: 'ignore' },
      );
      children.push(child);
      replicas.push({ port, child });
    }
    for (const { port } of replicas)
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
    const cfg = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8')
      .replaceAll('127.0.0.1:8765', `127.0.0.1:${front}`)
      .replaceAll('127.0.0.1:8766', `127.0.0.1:${a}`)
      .replaceAll('127.0.0.1:8767', `127.0.0.1:${b}`);
    writeFileSync(join(dir, 'haproxy.cfg'), cfg);
    children.push(spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' }));
    url = `http://127.0.0.1:${front}/mcp`;
    await waitFor(async () => (await fetch(url.replace('/mcp', '/healthz'))).ok);
  }, 90_000);

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async () => {
    const client = new Client({ name: 'replicas', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  };
  /** Executions a replica ran, all outcomes (its `/stats`). */
  const executions = async (port: number) => {
    const stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as {
      executions: Record<string, number>;
    };
    return Object.values(stats.executions).reduce((sum, n) => sum + n, 0);
  };

  it('keeps a session on one replica, and after that replica dies a new session works on the other', async () => {
    const first = await connect();
    const script = `import { state } from './runtime';
      const n = ((await state.get<number>('n')) ?? 0) + 1;
      await state.set('n', n);
      export default n;`;
    for (let i = 1; i <= 6; i++) {
      const answer = await first.callTool({ name: 'execute_code', arguments: { code: script } });
      // The state grows by one each time: every call reached the replica holding the session.
      expect(text(answer)).toContain(`Result:\n${i}`);
    }
    const counts = await Promise.all(replicas.map(({ port }) => executions(port)));
    const holder = counts.indexOf(6);
    expect([...counts].sort()).toEqual([0, 6]);

    replicas[holder]?.child.kill('SIGKILL');
    // The dead replica's session is gone: the client gets an error, never a silent re-run.
    await expect(first.callTool({ name: 'execute_code', arguments: { code: script } })).rejects.toThrow();
    const other = replicas[1 - holder] as { port: number };
    const second = await connect();
    const answer = await second.callTool({ name: 'execute_code', arguments: { code: script } });
    expect(text(answer)).toContain('Result:\n1');
    expect(await executions(other.port)).toBe(1);
    await second.close();
  }, 90_000);
});
