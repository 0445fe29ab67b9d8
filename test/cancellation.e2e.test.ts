import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { createMcpServer } from '../src/server/mcp-server.js';
import { BACKENDS } from './support/sandboxes.js';

/** A script that never ends on its own: it counts its workspace writes in count.txt. */
const WRITER = `import { workspace } from './runtime';
let i = 0;
for (;;) { await workspace.writeText('count.txt', String(++i)); }`;

describe.each(BACKENDS)('cancellation: $name', ({ name, create }) => {
  let dir: string;
  let gateway: Gateway;
  let client: Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-cancel-'));
    gateway = await createGateway(
      parseConfig({ mcpServers: {}, dataDir: dir, sandbox: { timeoutMs: 20_000 } }),
      {
        sandbox: await create(),
      },
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(gateway, { session: 'canceller' }).connect(serverSide);
    client = new Client({ name: 'cancel', version: '1' });
    await client.connect(clientSide);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const count = async () =>
    Number(
      await gateway
        .workspace('canceller')
        .readText('count.txt')
        .catch(() => '0'),
    );

  it('stops a script at notifications/cancelled: no work after it, and the session goes on', async () => {
    const controller = new AbortController();
    const call = client.callTool(
      { name: 'execute_code', arguments: { code: WRITER } },
      {
        signal: controller.signal,
      },
    );
    const started = performance.now();
    while ((await count()) < 20 && performance.now() - started < 10_000)
      await new Promise((r) => setTimeout(r, 50));
    expect(await count()).toBeGreaterThanOrEqual(20);
    controller.abort();
    await expect(call).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 150));
    const atStop = await count();
    await new Promise((r) => setTimeout(r, 1_000));
    // Writes stop within the grace above: none in the second after it.
    expect(await count()).toBe(atStop);
    const next = await client.callTool({ name: 'execute_code', arguments: { code: 'export default 1 + 1' } });
    expect(next.isError).toBe(false);
  });

  it('reports progress about once a second when asked with a progressToken', async () => {
    const seen: { progress: number; message?: string | undefined }[] = [];
    const result = await client.callTool(
      {
        name: 'execute_code',
        arguments: {
          code: `import { workspace } from './runtime';
            import { callTool } from './client';
            const until = Date.now() + 2600;
            let n = 0;
            while (Date.now() < until) { await callTool('nope', 'x', {}).catch(() => n++); await workspace.list(); }
            export default n;`,
        },
      },
      { onprogress: (progress) => seen.push(progress), timeout: 20_000 },
    );
    expect(result.isError).toBe(false);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((p) => p.progress)).toEqual([...seen.map((p) => p.progress)].sort((a, b) => a - b));
    expect(seen.at(-1)?.message).toMatch(/^[1-9]\d* tool calls so far, \d+ s$/);
  });

  // In process, a spinning QuickJS script holds the event loop that would read the cancellation;
  // on a script thread or in Deno it does not.
  if (name !== 'quickjs')
    it('stops a script that spins without awaiting at notifications/cancelled', async () => {
      const controller = new AbortController();
      const call = client.callTool(
        { name: 'execute_code', arguments: { code: 'let i = 0; for (;;) i++;' } },
        { signal: controller.signal },
      );
      await new Promise((r) => setTimeout(r, 500));
      const cancelled = async () => (await gateway.metrics.summary()).executions.CANCELLED ?? 0;
      const before = await cancelled();
      const abortedAt = performance.now();
      controller.abort();
      await expect(call).rejects.toThrow();
      // The script's limit is 20 s: the gateway records it as CANCELLED well before that.
      while ((await cancelled()) === before && performance.now() - abortedAt < 5_000)
        await new Promise((r) => setTimeout(r, 20));
      expect(await cancelled()).toBe(before + 1);
      expect(performance.now() - abortedAt).toBeLessThan(5_000);
      const next = await client.callTool({
        name: 'execute_code',
        arguments: { code: 'export default 2 + 2' },
      });
      expect(next.isError).toBe(false);
    });

  it('ends a cancelled execution with CANCELLED through the library', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const run = await gateway.execute(WRITER, { session: 'library', signal: controller.signal });
    expect(run.error?.code).toBe('CANCELLED');
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
