/**
 * PII tokenization where personal data came in besides tool results: an upstream whose resource,
 * template and prompt listings carry an e-mail address and a phone number (support/office-server.mjs,
 * the SDK's own server over stdio), and scripts that return resource links and images with
 * personal data in their fields. What the model reads holds tokens; a URI or name listed with
 * tokens in it still reads the real resource or prompt. Resource links count against the output
 * budget.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { createMcpServer } from '../src/server/mcp-server.js';

const OFFICE = fileURLToPath(new URL('./support/office-server.mjs', import.meta.url));
const EMAIL = 'ana.lima@example.com';
const PHONE = /415.?555.?0132/;

describe('PII in listings, links and media', () => {
  let dir: string;
  let gateway: Gateway;
  let client: Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-pii-abuse-'));
    gateway = await createGateway(
      parseConfig({
        dataDir: dir,
        pii: { enabled: true },
        sandbox: { maxOutputTokens: 200 },
        mcpServers: { office: { command: process.execPath, args: [OFFICE] } },
      }),
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(gateway).connect(serverSide);
    client = new Client({ name: 'model', version: '1' });
    await client.connect(clientSide);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const clear = (seen: unknown) => {
    const text = JSON.stringify(seen);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(encodeURIComponent(EMAIL));
    expect(text).not.toMatch(PHONE);
    expect(text).toContain('[EMAIL_');
  };

  it('tokenizes resources/list, and a listed URI with a token in it reads the real resource', async () => {
    const resources = [];
    let cursor: string | undefined;
    do {
      const page = await client.listResources(cursor ? { cursor } : {});
      resources.push(...page.resources);
      cursor = page.nextCursor;
    } while (cursor);
    const notes = resources.filter((r) => r.uri.startsWith('toolscript://upstream/'));
    expect(notes).toHaveLength(1);
    clear(notes);
    expect(JSON.stringify(notes)).toContain('[PHONE_');
    const read = await client.readResource({ uri: notes[0]?.uri as string });
    const content = read.contents[0] as { uri: string; text: string };
    expect(content.text).toMatch(/^Notes kept by \[EMAIL_\d+\]\.$/);
    clear(read.contents);
  });

  it('tokenizes resources/templates/list, and an expansion of it reads the real resource', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    const mailbox = resourceTemplates.filter((t) => t.name === 'office.mailbox');
    expect(mailbox).toHaveLength(1);
    clear(mailbox);
    const read = await client.readResource({
      uri: String(mailbox[0]?.uriTemplate).replace('{folder}', 'inbox'),
    });
    expect((read.contents[0] as { text: string }).text).toBe('Folder inbox is empty.');
    expect(read.contents[0]?.uri).not.toContain(encodeURIComponent(EMAIL));
    expect(read.contents[0]?.uri).toContain(encodeURIComponent('[EMAIL_'));
  });

  it('tokenizes prompts/list, and a listed name with a token in it gets the real prompt', async () => {
    const { prompts } = await client.listPrompts();
    const write = prompts.filter((p) => p.description?.startsWith('Drafts a note to'));
    expect(write).toHaveLength(1);
    clear(write);
    const got = await client.getPrompt({ name: write[0]?.name as string });
    expect(JSON.stringify(got.messages)).toContain('Draft a short note.');
  });

  it("tokenizes a returned resource link's fields and an image's mimeType", async () => {
    const result = await client.callTool({
      name: 'execute_code',
      arguments: {
        code: `export default [
          { type: 'resource_link', uri: 'mailto:${EMAIL}', name: 'mail ${EMAIL}', description: 'or call +1 415 555 0132' },
          { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png; owner=${EMAIL}' },
        ];`,
      },
    });
    const blocks = result.content as { type: string; uri?: string; mimeType?: string }[];
    expect(blocks.map((b) => b.type)).toEqual(['text', 'resource_link', 'image']);
    clear(blocks);
    expect(blocks[2]?.mimeType).toMatch(/^image\/png; owner=\[EMAIL_\d+\]$/);
  });

  it('counts resource links against the output budget (maxOutputTokens 200)', async () => {
    const result = await client.callTool({
      name: 'execute_code',
      arguments: {
        code: `export default Array.from({ length: 1000 }, (_, i) => ({ type: 'resource_link', uri: 'https://example.org/' + 'x'.repeat(2000) + i, name: 'n' + i, description: 'd'.repeat(200) }));`,
      },
    });
    const bytes = Buffer.byteLength(JSON.stringify(result.content));
    // 2,200,129 bytes before; the same text as a plain result is cut to about 1,350.
    expect(bytes).toBeLessThan(4_000);
    const links = (result.content as { type: string }[]).filter((b) => b.type === 'resource_link');
    expect(links.length).toBeLessThanOrEqual(1);
    expect((result.content as { text?: string }[])[0]?.text).toContain('left out');
  });
});
