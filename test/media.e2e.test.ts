/**
 * Images a script returns reach the client as MCP image content, beside the text: the tiny image
 * of real server-everything (`get-tiny-image`), under and over `sandbox.maxImageBytes`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { createMcpServer } from '../src/server/mcp-server.js';
import { EVERYTHING, stdioServer } from './support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'toolscript-media-'));
const gateways: Gateway[] = [];
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  rmSync(dir, { recursive: true, force: true });
});

async function client(maxImageBytes?: number): Promise<Client> {
  const gateway = await createGateway(
    parseConfig({
      dataDir: dir,
      pii: { enabled: true },
      sandbox: maxImageBytes === undefined ? {} : { maxImageBytes },
      mcpServers: { everything: stdioServer(...EVERYTHING, ['stdio']) },
    }),
  );
  gateways.push(gateway);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(gateway).connect(serverSide);
  const mcp = new Client({ name: 'media', version: '1' });
  await mcp.connect(clientSide);
  return mcp;
}

const SCRIPT = `import { getTinyImage } from './servers/everything';
const blocks = await getTinyImage({});
return blocks.filter((block) => block.type === 'image');`;

describe('media in execute_code answers', () => {
  it('answers a returned image as image content, untouched, and describes it in the text', async () => {
    const mcp = await client();
    const result = await mcp.callTool({ name: 'execute_code', arguments: { code: SCRIPT } });
    const content = result.content as { type: string; text?: string; data?: string; mimeType?: string }[];
    expect(content.map((c) => c.type)).toEqual(['text', 'image']);
    expect(content[0]?.text).toMatch(/^Result:\n\[image image\/png, \d+ bytes, attached\]$/);
    expect(content[1]?.mimeType).toBe('image/png');
    // A real PNG: its signature survives (no PII tokenization of base64).
    expect(
      Buffer.from(content[1]?.data ?? '', 'base64')
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const meta = (result._meta as { toolscript: { contentBlocks?: number; result?: string } }).toolscript;
    expect(meta.contentBlocks).toBe(1);
    expect(JSON.stringify(meta)).not.toContain(content[1]?.data?.slice(0, 40));
  });

  it('leaves out an image past sandbox.maxImageBytes, with a note saying so', async () => {
    const mcp = await client(10);
    const result = await mcp.callTool({ name: 'execute_code', arguments: { code: SCRIPT } });
    const content = result.content as { type: string; text?: string }[];
    expect(content.map((c) => c.type)).toEqual(['text']);
    expect(content[0]?.text).toMatch(/left out: the answer's media would pass sandbox\.maxImageBytes \(10\)/);
  });

  it('keeps an ordinary result as JSON text', async () => {
    const mcp = await client();
    const result = await mcp.callTool({
      name: 'execute_code',
      arguments: { code: 'export default [{ type: "image" }]' },
    });
    expect((result.content as { type: string; text: string }[]).map((c) => c.text)).toEqual([
      'Result:\n[{"type":"image"}]',
    ]);
  });
});
