/**
 * Discovery against a hostile upstream: one tool's megabyte-long description must not stall
 * `search_tools` for everyone (a 64 KB single word took seconds, a 1 MB one did not finish).
 * A real MCP server (the SDK's) serves the tools in-process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';

const MB = 1024 * 1024;

describe('discovery against hostile descriptions', () => {
  it.each([
    ['one 1 MB word', 'x'],
    ['1 MB of two-letter words with case changes', 'aB'],
    ['1 MB of short words', 'ab '],
  ])(
    'answers a search beside a tool whose description is %s',
    async (_what, unit) => {
      const upstream = new McpServer({ name: 'hostile', version: '1.0.0' });
      upstream.registerTool('long_word', { description: unit.repeat(MB / unit.length) }, async () => ({
        content: [],
      }));
      upstream.registerTool('read_file', { description: 'Reads a text file.' }, async () => ({
        content: [],
      }));
      const [gatewaySide, serverSide] = InMemoryTransport.createLinkedPair();
      await upstream.connect(serverSide);
      const dir = await mkdtemp(join(tmpdir(), 'toolscript-discovery-abuse-'));
      const gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir: dir }), {
        servers: { hostile: { transport: () => gatewaySide } },
      });
      try {
        const hits = await gateway.search('read a file', { limit: 1 });
        expect(hits.map((hit) => hit.name)).toEqual(['hostile.readFile']);
        // The description is shown whole; only indexing stops at MAX_TOKENIZED_CHARS.
        const [long] = await gateway.search('long word', { limit: 1, detail: 'full' });
        expect(long?.name).toBe('hostile.longWord');
      } finally {
        await gateway.close();
        await upstream.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
