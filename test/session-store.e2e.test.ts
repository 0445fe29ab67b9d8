import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionLedger } from '../src/accounting/session.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { StoredSessionState } from '../src/session/state.js';
import { MemoryStore } from '../src/store/memory.js';
import { RedisStore } from '../src/store/redis.js';
import type { SessionStore } from '../src/store/store.js';
import { Workspace } from '../src/workspace/workspace.js';
import { REDIS_AVAILABLE, redisForSuite, startRedis } from './support/redis.js';

const record = (id: string) => ({
  id,
  created: Date.now(),
  lastSeen: Date.now(),
  tokenHash: '',
  initialize: null,
});
const DAY = 24 * 3600 * 1000;

/** What every SessionStore does, run against each implementation. */
function contract(name: string, open: () => Promise<SessionStore>) {
  describe(`the SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(() => store?.close());

    it('keeps a shared log, read from a time on and trimmed to about the newest entries', async () => {
      const before = Date.now();
      await store.appendLog('test-log', ['{"n":1}', '{"n":2}'], 1000);
      await new Promise((r) => setTimeout(r, 20));
      const middle = Date.now();
      await store.appendLog('test-log', ['{"n":3}'], 1000);
      expect(await store.readLog('test-log', before)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
      expect(await store.readLog('test-log', middle)).toEqual(['{"n":3}']);
      expect(await store.readLog('other-log', 0)).toEqual([]);
      // Trimming is approximate in Redis (whole nodes of about 100 entries): 2,000 in, under 1,200 kept.
      await store.appendLog(
        'long-log',
        Array.from({ length: 2000 }, (_, i) => String(i)),
        1000,
      );
      const kept = await store.readLog('long-log', 0);
      expect(kept.length).toBeGreaterThanOrEqual(1000);
      expect(kept.length).toBeLessThan(1200);
      expect(kept.at(-1)).toBe('1999');
    });

    it('keeps cached values by key and group, with their TTL and a bound in bytes (least recently used out)', async () => {
      const value = (n: number) => Buffer.alloc(100, n);
      await store.cacheSet('k1', ['g1', 'all'], value(1), 60_000, 1_000);
      await store.cacheSet('k2', ['g2', 'all'], value(2), 60_000, 1_000);
      await store.cacheSet('short', ['g2', 'all'], value(3), 50, 1_000);
      expect(await store.cacheGet('k1')).toEqual(value(1));
      await new Promise((r) => setTimeout(r, 120));
      expect(await store.cacheGet('short')).toBeUndefined();
      expect(await store.cacheDrop('g1')).toBe(1);
      expect(await store.cacheGet('k1')).toBeUndefined();
      expect(await store.cacheGet('k2')).toEqual(value(2));
      expect(await store.cacheDrop('all')).toBe(1);
      expect(await store.cacheGet('k2')).toBeUndefined();
      // 30 values of 100 bytes under a bound of 1,000: the oldest go, one read keeps the first.
      for (let i = 0; i < 30; i++) {
        await store.cacheSet(`lru-${i}`, ['lru'], value(i), 60_000, 1_000);
        if (i > 0) await store.cacheGet('lru-0');
      }
      expect(await store.cacheGet('lru-0')).toEqual(value(0));
      expect(await store.cacheGet('lru-29')).toEqual(value(29));
      expect(await store.cacheGet('lru-10')).toBeUndefined();
      const left = await store.cacheDrop('lru');
      expect(left).toBeGreaterThanOrEqual(5);
      expect(left).toBeLessThanOrEqual(10);
    });

    it('keeps a record until it expires or is deleted, with everything saved for it', async () => {
      expect(store.connected).toBe(true);
      expect(await store.ping()).toEqual({ ok: true });
      await store.putSession(record('a'), 60_000);
      await store.putBlob('a', 'ledger', Buffer.from('ledger-a'));
      await store.putFiles('a', new Map([['notes/x.txt', Buffer.from('x')]]));
      expect((await store.getSession('a'))?.id).toBe('a');
      expect((await store.getBlob('a', 'ledger'))?.toString()).toBe('ledger-a');
      expect([...(await store.getFiles('a'))].map(([path, data]) => [path, data.toString()])).toEqual([
        ['notes/x.txt', 'x'],
      ]);
      await store.deleteSession('a');
      expect(await store.getSession('a')).toBeUndefined();
      expect(await store.getBlob('a', 'ledger')).toBeUndefined();
      expect((await store.getFiles('a')).size).toBe(0);

      await store.putSession(record('short'), 150);
      await store.touch('short', 150);
      await new Promise((r) => setTimeout(r, 400));
      expect(await store.getSession('short')).toBeUndefined();
    });

    it('shares folders and delivers published messages to every subscriber', async () => {
      await store.updateShared('skills', new Map([['a/skill.ts', Buffer.from('1')]]), []);
      await store.updateShared('skills', new Map([['b/skill.ts', Buffer.from('2')]]), ['a/skill.ts']);
      expect([...(await store.getShared('skills')).keys()]).toEqual(['b/skill.ts']);
      const heard: string[] = [];
      await store.subscribe('news', (message) => heard.push(message));
      await store.publish('news', 'hello');
      for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual(['hello']);
    });

    it('replays the events of one stream after a given event, and refuses an unknown id', async () => {
      const events = store.eventStore('s1');
      const message = (n: number): JSONRPCMessage => ({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { n },
      });
      const first = await events.storeEvent('stream-1', message(1));
      await events.storeEvent('stream-2', message(2));
      await events.storeEvent('stream-1', message(3));
      const replayed: unknown[] = [];
      const stream = await events.replayEventsAfter(first, {
        send: async (_id, sent) => {
          replayed.push((sent as { params: unknown }).params);
        },
      });
      expect(stream).toBe('stream-1');
      expect(replayed).toEqual([{ n: 3 }]);
      await expect(events.replayEventsAfter('999-0', { send: async () => {} })).rejects.toThrow(
        /Unknown event id/,
      );
    });
  });
}

contract('MemoryStore', async () => new MemoryStore());

describe('MemoryStore', () => {
  it('drops an expired session with its data when another session is saved, asked for or not', async () => {
    const store = new MemoryStore();
    await store.putSession(record('gone'), 50);
    await store.putBlob('gone', 'vault', Buffer.from('sealed'));
    await new Promise((r) => setTimeout(r, 100));
    await store.putSession(record('next'), 60_000);
    expect(await store.getBlob('gone', 'vault')).toBeUndefined();
    expect((await store.getSession('next'))?.id).toBe('next');
  });
});

describe.skipIf(!REDIS_AVAILABLE)('RedisStore', () => {
  const redis = redisForSuite();
  contract('RedisStore', () => RedisStore.connect(redis.url(), { dataTtlMs: DAY }));
});

describe.skipIf(!REDIS_AVAILABLE)('a session state whose save fails', () => {
  const children: import('node:child_process').ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('writes the workspace again on the next save: nothing counts as saved before its write succeeded', async () => {
    const { url, port } = await startRedis(children);
    const store = await RedisStore.connect(url, { dataTtlMs: DAY });
    try {
      const workspace = new Workspace(mkdtempSync(join(tmpdir(), 'toolscript-state-')));
      const ledger = new SessionLedger(0);
      const state = new StoredSessionState(store, 'session-1', undefined, workspace);
      await workspace.writeText('report.txt', 'first');
      await state.save({ vault: undefined, ledger, workspace });
      await workspace.writeText('report.txt', 'second');

      // The store goes away (no persistence: the restarted one is empty), and the save fails.
      children[0]?.kill('SIGKILL');
      await new Promise((r) => children[0]?.once('exit', r));
      await expect(state.save({ vault: undefined, ledger, workspace })).rejects.toThrow();
      // Long enough for any write still under way to fail too.
      await new Promise((r) => setTimeout(r, 1000));

      await startRedis(children, port);
      for (let i = 0; i < 100 && !store.connected; i++) await new Promise((r) => setTimeout(r, 50));
      await state.save({ vault: undefined, ledger, workspace });
      const files = await store.getFiles('session-1');
      expect(files.get('files/report.txt')?.toString()).toBe('second');
      expect(await workspace.readText('report.txt')).toBe('second');
    } finally {
      await store.close();
    }
  });
});

describe('a gateway on a MemoryStore', () => {
  it('keeps its skills in the store, where another gateway of the process finds them', async () => {
    const store = new MemoryStore();
    const config = (dir: string) =>
      parseConfig({ mcpServers: {}, dataDir: mkdtempSync(join(tmpdir(), dir)) });
    const first = await createGateway(config('toolscript-memory-a-'), { store });
    const second = await createGateway(config('toolscript-memory-b-'), { store });
    try {
      await first.skills.save({
        name: 'double-it',
        description: 'Doubles a number.',
        code: 'export function double(n: number): number { return n * 2; }',
      });
      expect([...(await store.getShared('skills')).keys()]).toContain('double-it/index.ts');
      let run = await second.execute(
        "import { double } from './skills/double-it'; export default double(21);",
      );
      for (let i = 0; i < 50 && !run.ok; i++) {
        await new Promise((r) => setTimeout(r, 50));
        run = await second.execute("import { double } from './skills/double-it'; export default double(21);");
      }
      expect(run.result).toBe(42);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
