import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BindingCache } from '../src/codegen/cache.js';
import { parseConfig } from '../src/config/index.js';
import { ToolSearch } from '../src/discovery/search.js';
import { createGateway } from '../src/gateway/create.js';
import { Gateway } from '../src/gateway/gateway.js';
import { QuickJSSandbox } from '../src/sandbox/quickjs/index.js';
import { loadLiveMcpBenchCatalog } from './support/livemcpbench.js';
import { connectClient, text } from './support/mcp.js';
import { EVERYTHING, FILESYSTEM, gitServer, MEMORY, stdioServer } from './support/servers.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('discovery over real servers', () => {
  let gateway: Gateway;
  let client: Client;

  beforeAll(async () => {
    const memoryFile = join(mkdtempSync(join(tmpdir(), 'toolscript-discovery-')), 'memory.jsonl');
    gateway = await createGateway(
      parseConfig({
        mcpServers: {
          filesystem: stdioServer(...FILESYSTEM, [join(ROOT, 'examples/data')]),
          memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: memoryFile }),
          everything: stdioServer(...EVERYTHING, ['stdio']),
          git: gitServer(ROOT),
        },
      }),
    );
    client = await connectClient(gateway);
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.close();
  });

  it('connects all four servers', () => {
    expect(gateway.listServers().map((s) => [s.name, s.ok])).toEqual([
      ['everything', true],
      ['filesystem', true],
      ['git', true],
      ['memory', true],
    ]);
  });

  it.each([
    ['read a text file', ['filesystem.readTextFile', 'filesystem.readFile']],
    ['list directory contents', ['filesystem.listDirectory']],
    ['move or rename a file', ['filesystem.moveFile']],
    ['create entities in the knowledge graph', ['memory.createEntities']],
    ['search nodes of the memory graph', ['memory.searchNodes']],
    ['delete observations', ['memory.deleteObservations']],
    ['show commit history', ['git.gitLog']],
    ['commit staged changes', ['git.gitCommit']],
    ['switch to another branch', ['git.gitCheckout', 'git.gitBranch']],
    ['who changed each line of a file', ['git.gitBlame']],
    ['add two numbers', ['everything.getSum']],
    ['echo a message back', ['everything.echo']],
    ['create entites', ['memory.createEntities']],
    ['direcory tree', ['filesystem.directoryTree']],
    // Paraphrases that share no word with the tool: the synonym vocabulary links them.
    ['make a new folder', ['filesystem.createDirectory']],
    ['link two people in the graph with a relationship', ['memory.createRelations']],
    ['record a new fact about someone', ['memory.addObservations']],
    ['rename a document', ['filesystem.moveFile']],
  ])('"%s" finds the right tool in the top 3', async (query, expected) => {
    const hits = await gateway.search(query, { limit: 3, detail: 'name' });
    expect(
      hits.map((h) => h.name).some((name) => expected.includes(name)),
      JSON.stringify(hits.map((h) => h.name)),
    ).toBe(true);
  });

  it.each([
    // A one-file tool before its many-files sibling, and before git's show (a synonym of read).
    ['read a file', 1, ['filesystem.readTextFile']],
    // "disk" pulls "file" and "save" pulls "write": the file system's tool, not the memory's notes.
    ['save a note to disk', 1, ['filesystem.writeFile']],
    // Both steps of a task get a tool near the top; "remember" pulls "create".
    [
      'list the files in a folder and remember them in a knowledge graph',
      6,
      ['filesystem.listDirectory', 'memory.createEntities'],
    ],
  ] as const)('"%s" has every expected tool in its top %i', async (query, limit, expected) => {
    const hits = (await gateway.search(query, { limit, detail: 'name' })).map((h) => h.name);
    for (const name of expected) expect(hits, JSON.stringify(hits)).toContain(name);
  });

  it('answers detail levels: names, first sentences, full signatures', async () => {
    const names = await client.callTool({
      name: 'search_tools',
      arguments: { query: 'git log', detail: 'name', limit: 3 },
    });
    expect(text(names).split('\n')).toHaveLength(3);
    expect(text(names)).not.toContain('—');
    const summary = await client.callTool({
      name: 'search_tools',
      arguments: { query: 'git log', limit: 3 },
    });
    expect(text(summary)).toMatch(/^git\.gitLog — View commit history/m);
    const full = await client.callTool({
      name: 'search_tools',
      arguments: { query: 'git log', detail: 'full', limit: 1 },
    });
    // One import line per answer, then the compact binding: inline input type, declared output.
    expect(text(full).split('\n')[0]).toBe("import { gitLog } from './servers/git';");
    expect(text(full)).toMatch(/^declare function gitLog\(input\?: \{$/m);
    expect(text(full)).toMatch(/\): Promise<\{[\s\S]*\}>;$/);
    expect(text(full)).not.toContain('export interface');
  });

  it('selects tools by exact name and suggests the nearest names for unknown ones', async () => {
    const result = await client.callTool({
      name: 'search_tools',
      arguments: { names: ['filesystem.readTextFile', 'memory.create_entities', 'filesystem.raedFile'] },
    });
    expect(result.isError).toBe(false);
    expect(text(result)).toContain("import { readTextFile } from './servers/filesystem';");
    expect(text(result)).toContain("import { createEntities } from './servers/memory';");
    expect(text(result)).toContain('declare function readTextFile(');
    expect(text(result)).toContain('declare function createEntities(');
    expect(text(result)).toMatch(/Unknown tool "filesystem\.raedFile"\. Nearest: filesystem\.readFile/);
    const none = await client.callTool({ name: 'search_tools', arguments: { names: ['nope.nothing'] } });
    expect(none.isError).toBe(true);
  });

  it('lists servers for an empty query, and one server with a filter', async () => {
    const servers = await client.callTool({ name: 'search_tools', arguments: {} });
    expect(text(servers)).toContain('- git (28 tools): @cyanheads/git-mcp-server');
    expect(text(servers)).toContain('- memory (9 tools)');
    const memory = await client.callTool({
      name: 'search_tools',
      arguments: { server: 'memory', detail: 'name' },
    });
    expect(text(memory).split('\n')).toEqual(
      gateway.catalog
        .getServer('memory')
        ?.tools.map((t) => `memory.${t.name.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase())}`)
        .sort(),
    );
    const unknown = await client.callTool({ name: 'search_tools', arguments: { server: 'nope' } });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('No server "nope"');
  });

  it('filters by MCP annotations', async () => {
    const readOnly = await gateway.search('', { server: 'git', readOnly: true, detail: 'name' });
    const names = readOnly.map((h) => h.name);
    expect(names).toContain('git.gitLog');
    expect(names).toContain('git.gitStatus');
    expect(names).not.toContain('git.gitCommit');
    expect(readOnly.every((h) => h.hints?.readOnly === true)).toBe(true);
    const writing = await gateway.search('commit', { server: 'git', readOnly: false, detail: 'name' });
    expect(writing.map((h) => h.name)).toContain('git.gitCommit');
    expect(writing.map((h) => h.name)).not.toContain('git.gitLog');
  });

  it('filters by every annotation without a query, through search_tools', async () => {
    const tools = gateway.catalog.allTools();
    const spec = {
      readOnly: (a: Record<string, unknown>) => a.readOnlyHint === true,
      destructive: (a: Record<string, unknown>) => a.readOnlyHint !== true && a.destructiveHint !== false,
      idempotent: (a: Record<string, unknown>) => a.idempotentHint === true,
      openWorld: (a: Record<string, unknown>) => a.openWorldHint !== false,
    };
    for (const [filter, holds] of Object.entries(spec)) {
      for (const value of [true, false]) {
        const expected = tools.filter((t) => holds(t.tool.annotations ?? {}) === value).length;
        const answer = await client.callTool({
          name: 'search_tools',
          arguments: { [filter]: value, detail: 'name', limit: 200 },
        });
        const listed = text(answer).startsWith('No tool matches') ? [] : text(answer).split('\n');
        expect({ filter, value, listed: listed.length }).toEqual({ filter, value, listed: expected });
      }
    }
    // The tools that say they are idempotent exist, so the answer is a list, not "No tool matches".
    expect(tools.some((t) => t.tool.annotations?.idempotentHint === true)).toBe(true);
  });

  it('serves the file tree as resources', async () => {
    // The first page (the SDK's listResources() without a cursor would walk every page).
    const { resources } = await client.request({ method: 'resources/list', params: {} });
    expect(resources.map((r) => r.uri)).toContain('toolscript://servers/git/gitLog.ts');
    expect(resources).toHaveLength(gateway.bindings.paths().length);
    const read = await client.readResource({ uri: 'toolscript://servers/memory/createEntities.ts' });
    const binding = (read.contents[0] as { text: string }).text;
    expect(binding).toMatch(/^declare function createEntities\(input: \{$/m);
    expect(binding).not.toContain('@tool');
    await expect(client.readResource({ uri: 'toolscript://servers/memory/nope.ts' })).rejects.toThrow(
      /Resource not found/,
    );
  });

  it('re-lists a server when it sends notifications/tools/list_changed', async () => {
    // server-everything registers more tools once initialized and announces them with list_changed.
    const fresh = new Gateway(
      parseConfig({ mcpServers: { everything: stdioServer(...EVERYTHING, ['stdio']) } }),
      await QuickJSSandbox.create(),
    );
    const events: number[] = [];
    fresh.catalog.on('changed', () => events.push(fresh.catalog.getServer('everything')?.tools.length ?? 0));
    try {
      await fresh.start();
      const deadline = Date.now() + 5_000;
      while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(events.length).toBeGreaterThanOrEqual(2);
      expect(events.at(-1)).toBeGreaterThan(5);
    } finally {
      await fresh.close();
    }
  });
});

describe('live updates from an in-process SDK server', () => {
  it('indexes, binds and announces a tool added while running, without a restart', async () => {
    const upstream = new McpServer({ name: 'live', version: '1.0.0' });
    upstream.registerTool(
      'first_tool',
      { description: 'The first tool.', inputSchema: z.object({}) },
      async () => ({
        content: [{ type: 'text', text: '"first"' }],
      }),
    );
    const [gatewaySide, serverSide] = InMemoryTransport.createLinkedPair();
    await upstream.connect(serverSide);
    const gateway = await createGateway(parseConfig({ mcpServers: {} }), {
      servers: { live: { transport: () => gatewaySide } },
    });
    const client = await connectClient(gateway);
    const notified: string[] = [];
    client.setNotificationHandler('notifications/tools/list_changed', async () => {
      notified.push('tools');
    });
    client.setNotificationHandler('notifications/resources/list_changed', async () => {
      notified.push('resources');
    });
    try {
      expect(
        (await gateway.search('convert temperature', { detail: 'name' })).map((h) => h.name),
      ).not.toContain('live.convertTemperature');
      upstream.registerTool(
        'convert_temperature',
        {
          description: 'Convert a temperature from Celsius to Fahrenheit.',
          inputSchema: z.object({ celsius: z.number() }),
        },
        async ({ celsius }) => ({ content: [{ type: 'text', text: String((celsius * 9) / 5 + 32) }] }),
      );
      const deadline = Date.now() + 5_000;
      while (notified.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(notified.sort()).toEqual(['resources', 'tools']);
      const hits = await gateway.search('convert temperature', { detail: 'name', limit: 1 });
      expect(hits[0]?.name).toBe('live.convertTemperature');
      const { tools } = await client.listTools();
      expect(tools.find((t) => t.name === 'execute_code')?.description).toContain('- live (2 tools)');
      const execution = await gateway.execute(
        `import { convertTemperature } from './servers/live'; export default await convertTemperature({ celsius: 100 });`,
      );
      expect(execution.error).toBeNull();
      expect(execution.result).toBe(212);
    } finally {
      await client.close();
      await gateway.close();
      await upstream.close();
    }
  });
});

describe('discovery at catalog scale', () => {
  it('generates signatures only for what is asked, cached by schema hash', async () => {
    const bindings = new BindingCache();
    const search = new ToolSearch(loadLiveMcpBenchCatalog(), { bindings });
    await search.search('weather forecast', { detail: 'summary', limit: 10 });
    expect(bindings.size).toBe(0);
    const hits = await search.search('weather forecast', { detail: 'full', limit: 3 });
    expect(hits).toHaveLength(3);
    expect(hits.every((h) => h.signature?.includes('declare function'))).toBe(true);
    expect(bindings.size).toBe(3);
    await search.search('weather forecast', { detail: 'full', limit: 3 });
    expect(bindings.size).toBe(3);
  });

  it('pages resources/list over the 527-tool catalog', async () => {
    const gateway = new Gateway(parseConfig({ mcpServers: {} }), await QuickJSSandbox.create(), {
      catalog: loadLiveMcpBenchCatalog(),
    });
    const client = await connectClient(gateway);
    try {
      const uris: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.request({ method: 'resources/list', params: cursor ? { cursor } : {} });
        uris.push(...page.resources.map((r) => r.uri));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(uris).toHaveLength(2 + 70 + 527);
      expect(new Set(uris).size).toBe(uris.length);
      expect(pages).toBe(6);
    } finally {
      await client.close();
    }
  });
});
