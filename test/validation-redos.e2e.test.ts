import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';

describe('argument validation against hostile upstream patterns', () => {
  it('checks "^(a+)+$" in linear time and refuses the argument before the server sees it', async () => {
    const upstream = new McpServer({ name: 'patterns', version: '1.0.0' });
    const seen: string[] = [];
    upstream.registerTool(
      'lookup',
      { description: 'Looks a code up.', inputSchema: z.object({ code: z.string().regex(/^(a+)+$/) }) },
      async ({ code }) => {
        seen.push(code);
        return { content: [{ type: 'text', text: 'found' }] };
      },
    );
    const [gatewaySide, serverSide] = InMemoryTransport.createLinkedPair();
    await upstream.connect(serverSide);
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-redos-'));
    const gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir: dir }), {
      servers: { patterns: { transport: () => gatewaySide } },
    });
    try {
      // The native engine needs minutes for 40 a's and a b; RE2 answers at once.
      const hostile = await gateway.execute(
        `import { lookup } from './servers/patterns'; export default await lookup({ code: '${'a'.repeat(40)}b' });`,
        { timeoutMs: 5_000 },
      );
      expect(hostile.error?.code).toBe('INVALID_ARGUMENTS');
      expect(hostile.error?.message).toContain('input.code must match pattern');
      expect(hostile.ms).toBeLessThan(5_000);
      const fine = await gateway.execute(
        `import { lookup } from './servers/patterns'; export default await lookup({ code: 'aaaa' });`,
      );
      expect(fine.result).toBe('found');
      expect(seen).toEqual(['aaaa']);
    } finally {
      await gateway.close();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
