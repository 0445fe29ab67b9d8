/**
 * Sessions in Redis: two replicas behind HAProxy (deploy/haproxy.cfg) share one redis-server. A
 * session's state, workspace file and PII token outlive the replica that made them (killed with
 * SIGKILL): the same Mcp-Session-Id goes on on the other replica. The script running at the kill
 * is not run again. Needs `redis-server` and `haproxy` (Debian's packages; CI installs both and
 * sets TOOLSCRIPT_REQUIRE_REDIS=1 and TOOLSCRIPT_REQUIRE_HAPROXY=1, otherwise the suite is skipped
 * when one is missing).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_AVAILABLE, startRedis } from './support/redis.js';
import { executionsOn, HAPROXY_AVAILABLE, resultText, startReplicas } from './support/replicas.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

describe.skipIf(!HAPROXY_AVAILABLE || !REDIS_AVAILABLE)('sessions in Redis across replicas', () => {
  let dir: string;
  let shared: string;
  let redisUrl: string;
  const children: ChildProcess[] = [];
  const replicas: { port: number; child: ChildProcess }[] = [];
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolscript-store-'));
    shared = join(dir, 'shared');
    mkdirSync(shared);
    redisUrl = (await startRedis(children)).url;
    const config = join(dir, 'toolscript.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        store: redisUrl,
        pii: { enabled: true },
        mcpServers: { filesystem: stdioServer(...FILESYSTEM, [shared]) },
      }),
    );
    // Each replica has its own data folder: what the session continues with comes from Redis.
    const started = await startReplicas(2, config, dir, children, {
      TOOLSCRIPT_PII_KEY: randomBytes(32).toString('hex'),
    });
    url = started.url;
    replicas.push(...started.replicas);
  }, 90_000);

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('continues a session on the other replica after SIGKILL, with state, workspace and PII token; the running script is not re-run', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(url));
    const client = new Client({ name: 'store', version: '1' });
    await client.connect(transport);
    const session = transport.sessionId;
    expect(session).toBeTruthy();

    const first = await client.callTool({
      name: 'execute_code',
      arguments: {
        code: `import { state, workspace } from './runtime';
          await state.set('color', 'teal');
          await workspace.writeText('notes/plan.txt', 'step one');
          export default 'write to alice@example.com';`,
      },
    });
    expect(resultText(first)).toContain('[EMAIL_1]');
    expect(resultText(first)).not.toContain('alice@example.com');
    const counts = await Promise.all(replicas.map(({ port }) => executionsOn(port)));
    const holder = counts.indexOf(1);
    expect([...counts].sort()).toEqual([0, 1]);

    // A long script that writes numbered files through the upstream; the holder dies meanwhile.
    const writer = client.callTool(
      {
        name: 'execute_code',
        arguments: {
          code: `import { writeFile } from './servers/filesystem';
            for (let i = 0; i < 5000; i++) await writeFile({ path: ${JSON.stringify(shared)} + '/run-' + i + '.txt', content: String(i) });
            export default 'finished';`,
        },
      },
      { timeout: 10_000 },
    );
    writer.catch(() => {});
    const runs = () => readdirSync(shared).filter((name) => name.startsWith('run-')).length;
    const deadline = Date.now() + 20_000;
    while (runs() < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    replicas[holder]?.child.kill('SIGKILL');
    await expect(writer).rejects.toThrow();
    const atKill = runs();
    expect(atKill).toBeGreaterThanOrEqual(20);
    expect(atKill).toBeLessThan(5000);

    const other = replicas[1 - holder] as { port: number };
    const next = await client.callTool({
      name: 'execute_code',
      arguments: {
        code: `import { state, workspace } from './runtime';
          import { writeFile } from './servers/filesystem';
          await writeFile({ path: ${JSON.stringify(join(shared, 'contact.txt'))}, content: 'mail [EMAIL_1]' });
          export default { color: await state.get('color'), plan: await workspace.readText('notes/plan.txt') };`,
      },
    });
    expect(transport.sessionId).toBe(session);
    expect(next.isError, resultText(next)).toBeFalsy();
    expect(resultText(next)).toContain('"color":"teal"');
    expect(resultText(next)).toContain('"plan":"step one"');
    // The token from replica 1's vault became the real value in the upstream write on replica 2.
    expect(readFileSync(join(shared, 'contact.txt'), 'utf8')).toBe('mail alice@example.com');
    // The script running at the kill was not run again: no file was written after it, and the
    // surviving replica ran only the last execution.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(runs()).toBe(atKill);
    expect(await executionsOn(other.port)).toBe(1);

    // DELETE ends the session everywhere: its keys leave Redis.
    await transport.terminateSession();
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    expect(await redis.keys(`toolscript:session:${session}*`)).toEqual([]);
    await redis.close();
    // With its record gone, the session is unknown to every replica: 404, so a client initializes again.
    const gone = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': session as string,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(gone.status).toBe(404);
    await client.close();
  }, 120_000);
});
