import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { createGateway } from '../src/create.js';
import { ConfigError } from '../src/errors.js';
import { serveHttp } from '../src/server/http.js';
import { REDIS_AVAILABLE, redisForSuite } from './support/redis.js';
import { freePort } from './support/servers.js';

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
