import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { ConfigError } from '../src/errors.js';
import { createGateway } from '../src/gateway/create.js';
import { serveHttp } from '../src/server/http.js';
import { text } from './support/mcp.js';
import { REDIS_AVAILABLE, redisForSuite, startRedis } from './support/redis.js';
import { freePort, MEMORY, stdioServer } from './support/servers.js';

describe('session store configuration', () => {
  it('refuses a store URL that is not Redis, naming the expected form', () => {
    expect(() => parseConfig({ mcpServers: {}, store: 'http://localhost:6379' })).toThrow(
      /redis:\/\/host:6379/,
    );
  });

  it('refuses a TOOLSCRIPT_STORE that is not a Redis URL, before starting anything', async () => {
    const saved = process.env.TOOLSCRIPT_STORE;
    process.env.TOOLSCRIPT_STORE = 'localhost:6379';
    try {
      await expect(createGateway(parseConfig({ mcpServers: {} }))).rejects.toThrow(
        /^TOOLSCRIPT_STORE must be a Redis URL such as redis:\/\/host:6379.*"localhost:6379"/,
      );
    } finally {
      if (saved === undefined) delete process.env.TOOLSCRIPT_STORE;
      else process.env.TOOLSCRIPT_STORE = saved;
    }
  });

  it('fails to start with one clear line when Redis cannot be reached', async () => {
    const port = await freePort();
    const failure = await createGateway(
      parseConfig({ mcpServers: {}, store: `redis://127.0.0.1:${port}`, sandbox: { threads: 0 } }),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(ConfigError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatch(
      new RegExp(
        `^Cannot reach the session store at redis://127\\.0\\.0\\.1:${port}.*ECONNREFUSED.*Start Redis`,
      ),
    );
  });

  it('requires TOOLSCRIPT_PII_KEY with a store and PII on, before connecting anywhere', async () => {
    const saved = process.env.TOOLSCRIPT_PII_KEY;
    process.env.TOOLSCRIPT_PII_KEY = 'not-hex';
    try {
      await expect(
        createGateway(
          parseConfig({
            mcpServers: {},
            store: 'redis://127.0.0.1:1',
            pii: { enabled: true },
            sandbox: { threads: 0 },
          }),
        ),
      ).rejects.toThrow(/TOOLSCRIPT_PII_KEY to 64 hex digits.*not 64 hex digits/);
    } finally {
      if (saved === undefined) delete process.env.TOOLSCRIPT_PII_KEY;
      else process.env.TOOLSCRIPT_PII_KEY = saved;
    }
  });
});

describe.skipIf(!REDIS_AVAILABLE)('/readyz with a session store', () => {
  const redis = redisForSuite();

  it('is ready while Redis answers and says so when it stops; the gateway stays up', async () => {
    const gateway = await createGateway(
      parseConfig({ mcpServers: {}, store: redis.url(), sandbox: { threads: 0 } }),
    );
    const http = await serveHttp(gateway, { port: 0 });
    try {
      const ready = await fetch(http.url.replace('/mcp', '/readyz'));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ok: true, store: { ok: true, location: redis.url() } });
      redis.children[0]?.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      const down = await fetch(http.url.replace('/mcp', '/readyz'));
      expect(down.status).toBe(503);
      const body = (await down.json()) as { store: { ok: boolean; error: string } };
      expect(body.store.ok).toBe(false);
      expect(body.store.error).toContain(redis.url());
      expect((await fetch(http.url.replace('/mcp', '/healthz'))).status).toBe(200);
    } finally {
      await http.close();
      await gateway.close();
    }
  });
});

describe.skipIf(!REDIS_AVAILABLE)('requests while the session store is down', () => {
  const redis = redisForSuite();

  it('answers the call in flight when Redis dies, refuses new requests at once, and serves again once it is back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-store-down-'));
    const gateway = await createGateway(
      parseConfig({
        dataDir: dir,
        store: redis.url(),
        sandbox: { threads: 1 },
        mcpServers: { memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }) },
      }),
    );
    const http = await serveHttp(gateway, { port: 0 });
    const connect = async () => {
      const client = new Client({ name: 'store-down', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url)), { timeout: 5_000 });
      return client;
    };
    try {
      const client = await connect();
      // The script computes for 600 ms on its thread, then writes through the upstream.
      const inFlight = client.callTool(
        {
          name: 'execute_code',
          arguments: {
            code: `import { createEntities, readGraph } from './servers/memory';
                   const started = Date.now(); while (Date.now() - started < 600) {}
                   await createEntities({ entities: [{ name: 'ada', entityType: 'person', observations: [] }] });
                   export default (await readGraph()).entities.length;`,
          },
        },
        { timeout: 8_000 },
      );
      await new Promise((r) => setTimeout(r, 200));
      const port = Number(new URL(redis.url()).port);
      redis.children[0]?.kill('SIGKILL');
      // Before: no answer (the client timed out), though the upstream ran the call.
      const answered = await inFlight;
      expect(answered.isError).toBeFalsy();
      expect(text(answered)).toMatch(/^Result:\n1\n/);
      expect(text(answered)).toContain('The session store could not be written');
      // The next call and a new session are refused at once, saying why.
      const started = Date.now();
      await expect(
        client.callTool(
          { name: 'execute_code', arguments: { code: 'export default 2' } },
          {
            timeout: 8_000,
          },
        ),
      ).rejects.toThrow(/session store at redis:\/\/127\.0\.0\.1:\d+ is unreachable; retry shortly/);
      await expect(connect()).rejects.toThrow(/is unreachable; retry shortly/);
      expect(Date.now() - started).toBeLessThan(2_000);
      // Redis comes back on the same port: new sessions work again.
      await startRedis(redis.children, port);
      const deadline = Date.now() + 10_000;
      while ((await fetch(http.url.replace('/mcp', '/readyz'))).status !== 200 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const again = await connect();
      const result = await again.callTool({ name: 'execute_code', arguments: { code: 'export default 3' } });
      expect(text(result)).toBe('Result:\n3');
      await again.close();
      await client.close().catch(() => {});
    } finally {
      await http.close();
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
