/**
 * Upstream resources for the gateway's MCP clients, on real server-everything and
 * server-filesystem over stdio: listed (paged) under `toolscript://upstream/<server>/<encoded URI>`
 * beside the binding files, read through the gateway, templates expanded by the client, the
 * server's `resources/list_changed` forwarded, and text PII-tokenized.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway/gateway.js';
import { parseUpstreamUri, upstreamTemplate, upstreamUri } from '../src/server/resources.js';
import { everythingGateways } from './support/mcp.js';
import { EVERYTHING, stdioServer } from './support/servers.js';

const gateways = everythingGateways(mkdtempSync(join(tmpdir(), 'toolscript-resources-')));
/** server-everything on its own, to compare what the gateway passes on with the original. */
let direct: Client;

beforeAll(async () => {
  direct = new Client({ name: 'direct', version: '1' });
  const { command, args } = stdioServer(...EVERYTHING, ['stdio']);
  await direct.connect(new StdioClientTransport({ command, args, stderr: 'ignore' }));
});
afterAll(async () => {
  await direct.close();
  await gateways.close();
});

const connect = gateways.connect;

async function listAll(client: Client): Promise<{ resources: Resource[]; pages: number }> {
  const resources: Resource[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    // One page at a time: the SDK's listResources() without a cursor walks every page itself.
    const page = await client.request({ method: 'resources/list', params: cursor ? { cursor } : {} });
    resources.push(...page.resources);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { resources, pages };
}

const text = (contents: object[]) => contents.map((c) => ('text' in c ? c.text : '')).join('');

describe('upstream resources for clients', () => {
  let client: Client;
  let gateway: Gateway;
  beforeAll(async () => {
    ({ client, gateway } = await connect(false));
  });

  it('lists every upstream resource after the binding files, each once, under toolscript://upstream/', async () => {
    const { resources, pages } = await listAll(client);
    const original = (await direct.listResources()).resources;
    const upstream = resources.filter((r) => r.uri.startsWith('toolscript://upstream/'));
    expect(upstream.map((r) => parseUpstreamUri(r.uri))).toEqual(
      original.map((r) => ({ server: 'everything', uri: r.uri })),
    );
    expect(upstream[0]).toMatchObject({
      uri: 'toolscript://upstream/everything/demo%3A%2F%2Fresource%2Fstatic%2Fdocument%2Farchitecture.md',
      name: 'everything.architecture.md',
      mimeType: 'text/markdown',
      description: original[0]?.description,
    });
    const bindings = resources.filter((r) => !r.uri.startsWith('toolscript://upstream/'));
    expect(bindings.map((r) => r.uri)).toEqual(gateway.bindings.paths().map((p) => `toolscript://${p}`));
    expect(resources).toHaveLength(bindings.length + original.length);
    expect(new Set(resources.map((r) => r.uri)).size).toBe(resources.length);
    // server-filesystem offers no resources, so it adds no page: bindings, then everything's one.
    expect(pages).toBe(2);
  });

  it('reads an upstream resource through the gateway, byte for byte, under its gateway URI', async () => {
    const original = 'demo://resource/static/document/features.md';
    const uri = upstreamUri('everything', original);
    const read = await client.readResource({ uri });
    const expected = await direct.readResource({ uri: original });
    expect(text(read.contents)).toBe(text(expected.contents));
    expect(text(read.contents).length).toBeGreaterThan(1000);
    expect(read.contents[0]).toMatchObject({ uri, mimeType: 'text/markdown' });
  });

  it('passes templates on, and a client expansion reads the resource it names', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.name)).toEqual([
      'binding',
      'everything.Dynamic Text Resource',
      'everything.Dynamic Blob Resource',
    ]);
    const template = resourceTemplates[1]?.uriTemplate as string;
    expect(template).toBe(upstreamTemplate('everything', 'demo://resource/dynamic/text/{resourceId}'));
    const read = await client.readResource({ uri: template.replace('{resourceId}', '42') });
    expect(text(read.contents)).toMatch(/^Resource 42: This is a plaintext resource created at /);
    const blob = await client.readResource({
      uri: String(resourceTemplates[2]?.uriTemplate).replace('{resourceId}', '7'),
    });
    const base64 = (blob.contents[0] as { blob: string }).blob;
    expect(Buffer.from(base64, 'base64').toString()).toMatch(/^Resource 7: This is a base64 blob/);
  });

  it("answers with the server's own refusal, and -32602 (resource not found) for a server without resources or unknown", async () => {
    await expect(
      client.readResource({ uri: upstreamUri('everything', 'demo://nope') }),
    ).rejects.toMatchObject({
      code: -32602,
      message: expect.stringMatching(/Resource demo:\/\/nope not found/),
    });
    // The upstream's "MCP error -32602:" prefix is not passed on inside the gateway's own.
    const refusal = await client.readResource({ uri: upstreamUri('everything', 'demo://nope') }).then(
      () => 'answered',
      (error: Error) => error.message,
    );
    expect(refusal).not.toContain('MCP error');
    await expect(
      client.readResource({ uri: upstreamUri('files', 'file:///etc/hostname') }),
    ).rejects.toMatchObject({
      code: -32602,
      message: 'files offers no resources, so file:///etc/hostname cannot be read',
    });
    await expect(client.readResource({ uri: upstreamUri('nope', 'x://y') })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringMatching(/^Resource not found: .*no server "nope"/),
    });
    await expect(client.listResources({ cursor: 'garbage' })).rejects.toThrow(/Invalid cursor/);
    // The gateway still answers afterwards.
    expect((await client.listResources()).resources.length).toBeGreaterThan(0);
  });

  it("forwards the server's resources/list_changed, and lists the resource it added", async () => {
    let notified = 0;
    client.setNotificationHandler('notifications/resources/list_changed', async () => {
      notified++;
    });
    const data = `data:text/plain;base64,${Buffer.from('hello from toolscript\n'.repeat(50)).toString('base64')}`;
    const run = await gateway.execute(`import { gzipFileAsResource } from './servers/everything';
      const link = await gzipFileAsResource({ name: 'hello.txt.gz', data: ${JSON.stringify(data)}, outputType: 'resourceLink' });
      return link;`);
    expect(run.error, JSON.stringify(run)).toBeNull();
    expect(run.content).toEqual([
      expect.objectContaining({ type: 'resource_link', uri: 'demo://resource/session/hello.txt.gz' }),
    ]);
    await expect.poll(() => notified, { timeout: 5_000 }).toBeGreaterThan(0);
    const { resources } = await listAll(client);
    const added = resources.find(
      (r) => r.uri === upstreamUri('everything', 'demo://resource/session/hello.txt.gz'),
    );
    expect(added?.name).toBe('everything.hello.txt.gz');
    const read = await client.readResource({ uri: added?.uri as string });
    const gz = Buffer.from((read.contents[0] as { blob: string }).blob, 'base64');
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(gz).toString()).toBe('hello from toolscript\n'.repeat(50));
  });
});

describe('upstream resources with PII tokenization', () => {
  it('tokenizes text the client reads, so the model never sees the value', async () => {
    const { client } = await connect(true);
    // A Luhn-valid card number is an integer, which the dynamic text template accepts.
    const card = '4111111111111111';
    const { resourceTemplates } = await client.listResourceTemplates();
    const template = resourceTemplates.find((t) => t.name === 'everything.Dynamic Text Resource');
    const read = await client.readResource({
      uri: String(template?.uriTemplate).replace('{resourceId}', card),
    });
    expect(text(read.contents)).not.toContain(card);
    expect(text(read.contents)).toMatch(/^Resource \[CARD_1\]: This is a plaintext resource/);
  });
});
