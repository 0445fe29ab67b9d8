/**
 * Memoized tool calls (config `cache`) against real server-filesystem and the notes server: hits
 * within and across executions of one session, scopes, a write in between, TTL, error results,
 * `@readOnly`, and a change of the server's tools; two replicas sharing results through a
 * MemoryStore and a real Redis, and `toolscript cache clear`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ToolscriptConfigInput } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { MemoryStore } from '../src/store/memory.js';
import { RedisStore } from '../src/store/redis.js';
import type { SessionStore } from '../src/store/store.js';
import { spawnCli } from './support/cli.js';
import { REDIS_AVAILABLE, redisForSuite } from './support/redis.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'toolscript-cache-'));
const file = JSON.stringify(join(dir, 'note.txt'));
const files = (cache?: ToolscriptConfigInput['cache']) =>
  parseConfig({
    mcpServers: { files: stdioServer(...FILESYSTEM, [dir]) },
    dataDir: mkdtempSync(join(tmpdir(), 'toolscript-cache-data-')),
    ...(cache ? { cache } : {}),
  });
const READ = `import { readTextFile } from './servers/files';
export default (await readTextFile({ path: ${file} })).content;`;

async function run(gateway: Gateway, code: string, session = 'a') {
  const execution = await gateway.execute(code, { session });
  if (!execution.ok) throw new Error(execution.error?.message);
  return execution;
}

describe('memoized tool calls', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    writeFileSync(join(dir, 'note.txt'), 'first');
    gateway = await createGateway(files({ tools: ['read_*'], ttlMs: 60_000 }));
  });
  afterAll(() => gateway.close());

  it('answers a repeated read from the cache, within a script and across executions of one session, and not for another session', async () => {
    const twice = await run(
      gateway,
      `import { readTextFile } from './servers/files';
const a = await readTextFile({ path: ${file} });
const b = await readTextFile({ path: ${file}, head: undefined });
export default [a.content, b.content];`,
    );
    expect(twice.result).toEqual(['first', 'first']);
    expect(twice.calls.map((c) => c.cached)).toEqual([false, true]);
    const again = await run(gateway, READ);
    expect(again.calls[0]?.cached).toBe(true);
    // The file changed behind the gateway's back: the session still sees the kept result until
    // its TTL, another session reads it again.
    writeFileSync(join(dir, 'note.txt'), 'second');
    expect((await run(gateway, READ)).result).toBe('first');
    const other = await run(gateway, READ, 'b');
    expect(other.calls[0]?.cached).toBe(false);
    expect(other.result).toBe('second');
    const metrics = await gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/toolscript_cache_lookups_total\{server="files",result="hit"\} 3\n/);
    expect(metrics).toMatch(/toolscript_cache_lookups_total\{server="files",result="miss"\} 2\n/);
  });

  it('reads again after a call of the same server that is not cached (a write), and never keeps an error', async () => {
    writeFileSync(join(dir, 'note.txt'), 'before');
    await run(gateway, READ, 'w');
    const written = await run(
      gateway,
      `import { readTextFile, writeFile } from './servers/files';
const before = (await readTextFile({ path: ${file} })).content;
await writeFile({ path: ${file}, content: 'after' });
const after = (await readTextFile({ path: ${file} })).content;
export default [before, after];`,
      'w',
    );
    expect(written.result).toEqual(['before', 'after']);
    expect(written.calls.map((c) => [c.tool, c.cached])).toEqual([
      ['read_text_file', true],
      ['write_file', undefined],
      ['read_text_file', false],
    ]);
    const missing = `import { readTextFile } from './servers/files';
try { await readTextFile({ path: ${JSON.stringify(join(dir, 'none.txt'))} }); } catch (e) { }
export default 1;`;
    await run(gateway, missing, 'w');
    expect((await run(gateway, missing, 'w')).calls[0]?.cached).toBe(false);
  });

  it('shares results across sessions with scope "shared", keeps them for ttlMs, and caches @readOnly tools', async () => {
    writeFileSync(join(dir, 'note.txt'), 'shared');
    const shared = await createGateway(files({ tools: ['@readOnly'], ttlMs: 300, scope: 'shared' }));
    try {
      await run(shared, READ, 'x');
      const y = await run(shared, READ, 'y');
      expect(y.calls[0]?.cached).toBe(true);
      const listing = `import { listDirectory } from './servers/files'; export default await listDirectory({ path: ${JSON.stringify(dir)} });`;
      await run(shared, listing, 'x');
      expect((await run(shared, listing, 'y')).calls[0]?.cached).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      expect((await run(shared, READ, 'y')).calls[0]?.cached).toBe(false);
    } finally {
      await shared.close();
    }
  });

  it('caches nothing without a cache config, and forgets a server whose tools changed', async () => {
    const plain = await createGateway(files());
    try {
      expect((await run(plain, READ)).calls[0]).not.toHaveProperty('cached');
    } finally {
      await plain.close();
    }
    const notes = await createGateway(
      parseConfig({
        mcpServers: {
          notes: {
            command: process.execPath,
            args: [fileURLToPath(new URL('./support/notes-server.mjs', import.meta.url))],
            cache: { tools: ['count_words'] },
          },
        },
        dataDir: mkdtempSync(join(tmpdir(), 'toolscript-cache-data-')),
      }),
    );
    try {
      const count = `import { countWords } from './servers/notes'; export default (await countWords({ path: 'ideas.md', unit: 'lines' })).count;`;
      await run(notes, count);
      expect((await run(notes, count)).calls[0]?.cached).toBe(true);
      // The server changes its tools (list_changed): what was kept for it is dropped.
      await notes.callTool('notes', 'upgrade');
      const deadline = Date.now() + 10_000;
      while (notes.catalog.getTool('notes', 'read_text_file') === undefined && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect((await run(notes, count)).calls[0]?.cached).toBe(false);
    } finally {
      await notes.close();
    }
  });
});

/** Two replicas of one gateway on one store: what one keeps the other reads, a write through either drops it. */
function replicas(name: string, open: () => Promise<SessionStore>) {
  describe(`memoized tool calls shared through a store: ${name}`, () => {
    it('answers a read on one replica from what the other kept, reads again after a write through either, and clears', async () => {
      const store = await open();
      const config = files({ tools: ['read_*'], ttlMs: 60_000 });
      const [a, b] = [await createGateway(config, { store }), await createGateway(config, { store })];
      try {
        writeFileSync(join(dir, 'note.txt'), `kept by ${name}`);
        expect((await run(a, READ, 'r')).calls[0]?.cached).toBe(false);
        const other = await run(b, READ, 'r');
        expect(other.calls[0]?.cached).toBe(true);
        expect(other.result).toBe(`kept by ${name}`);
        // Another session is another scope, on either replica.
        expect((await run(b, READ, 'q')).calls[0]?.cached).toBe(false);
        // A write through replica b drops what replica a kept for that session.
        await run(
          b,
          `import { writeFile } from './servers/files'; await writeFile({ path: ${file}, content: 'written' }); export default 1;`,
          'r',
        );
        const after = await run(a, READ, 'r');
        expect([after.calls[0]?.cached, after.result]).toEqual([false, 'written']);
        // Cleared through one replica, gone for both.
        expect(await a.cache.clear('files')).toBeGreaterThanOrEqual(2);
        expect((await run(b, READ, 'r')).calls[0]?.cached).toBe(false);
        expect(a.cache.size.entries).toBe(0);
      } finally {
        await a.close();
        await b.close();
        await store.close();
      }
    });
  });
}

replicas('MemoryStore', async () => new MemoryStore());

describe.skipIf(!REDIS_AVAILABLE)('Redis', () => {
  const redis = redisForSuite();
  replicas('RedisStore', () => RedisStore.connect(redis.url(), { dataTtlMs: 3_600_000 }));

  it('"toolscript cache clear [SERVER]" drops the results kept in the store, and names an unknown server', async () => {
    const store = await RedisStore.connect(redis.url(), { dataTtlMs: 3_600_000 });
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-cache-cli-'));
    const input = {
      mcpServers: { files: stdioServer(...FILESYSTEM, [dir]) },
      dataDir,
      store: redis.url(),
      cache: { tools: ['read_*'] },
    };
    writeFileSync(join(dir, 'note.txt'), 'to clear');
    const gateway = await createGateway(parseConfig(input), { store });
    try {
      await run(gateway, READ, 'c');
      expect((await run(gateway, READ, 'c')).calls[0]?.cached).toBe(true);
      const configFile = join(dataDir, 'toolscript.config.json');
      writeFileSync(configFile, JSON.stringify(input));
      const unknown = spawnCli(['cache', 'clear', 'file', '--config', configFile], { dataDir });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no server "file" in the config (did you mean files?)');
      const cleared = spawnCli(['cache', 'clear', 'files', '--config', configFile], { dataDir });
      expect(cleared.code).toBe(0);
      expect(cleared.stdout).toMatch(
        /^Dropped 1 kept result of server "files" in redis:\/\/127\.0\.0\.1:\d+\/?\.\n$/,
      );
      expect((await run(gateway, READ, 'c')).calls[0]?.cached).toBe(false);
    } finally {
      await gateway.close();
      await store.close();
    }
  });
});
