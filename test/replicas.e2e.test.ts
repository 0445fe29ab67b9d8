/**
 * Several replicas behind HAProxy with deploy/haproxy.cfg: a session stays on the replica that
 * initialized it, and when that replica dies the client gets an error (never a silent re-run) and
 * a new session works on the other one. Needs the `haproxy` binary (Debian's package; CI installs
 * it and sets TOOLSCRIPT_REQUIRE_HAPROXY=1, otherwise the suite is skipped when it is missing).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionsOn, HAPROXY_AVAILABLE, resultText, startReplicas } from './support/replicas.js';

describe.skipIf(!HAPROXY_AVAILABLE)('replicas behind HAProxy (deploy/haproxy.cfg)', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const replicas: { port: number; child: ChildProcess }[] = [];
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolscript-replicas-'));
    const config = join(dir, 'toolscript.config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: {} }));
    const started = await startReplicas(2, config, dir, children);
    url = started.url;
    replicas.push(...started.replicas);
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
  it('keeps a session on one replica, and after that replica dies a new session works on the other', async () => {
    const first = await connect();
    const script = `import { state } from './runtime';
      const n = ((await state.get<number>('n')) ?? 0) + 1;
      await state.set('n', n);
      export default n;`;
    for (let i = 1; i <= 6; i++) {
      const answer = await first.callTool({ name: 'execute_code', arguments: { code: script } });
      // The state grows by one each time: every call reached the replica holding the session.
      expect(resultText(answer)).toContain(`Result:\n${i}`);
    }
    const counts = await Promise.all(replicas.map(({ port }) => executionsOn(port)));
    const holder = counts.indexOf(6);
    expect([...counts].sort()).toEqual([0, 6]);

    replicas[holder]?.child.kill('SIGKILL');
    // The dead replica's session is gone: the client gets an error, never a silent re-run.
    await expect(first.callTool({ name: 'execute_code', arguments: { code: script } })).rejects.toThrow();
    const other = replicas[1 - holder] as { port: number };
    const second = await connect();
    const answer = await second.callTool({ name: 'execute_code', arguments: { code: script } });
    expect(resultText(answer)).toContain('Result:\n1');
    expect(await executionsOn(other.port)).toBe(1);
    await second.close();
  }, 90_000);
});
