import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { serveHttp } from '../src/server/http.js';
import { text } from './support/mcp.js';
import { MEMORY, stdioServer } from './support/servers.js';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** One raw HTTP request with any headers (fetch forbids setting Host). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'hardening', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('serve --http hardening', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-http-'));
    gateway = await createGateway(
      parseConfig({
        mcpServers: { memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }) },
        dataDir: join(dir, 'data'),
        pii: { enabled: true, auditLog: join(dir, 'audit.jsonl') },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to listen beyond loopback without a token', async () => {
    await expect(serveHttp(gateway, { host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /--token or TOOLSCRIPT_TOKEN/,
    );
  });

  it('requires the bearer token on every path when one is set', async () => {
    const http = await serveHttp(gateway, { host: '0.0.0.0', port: 0, token: 's3cret-token' });
    const url = http.url.replace('0.0.0.0', '127.0.0.1');
    try {
      const none = await raw(url, { body: JSON.stringify(INIT) });
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      const wrong = await raw(url, {
        body: JSON.stringify(INIT),
        headers: { authorization: 'Bearer s3cret-tokeN' },
      });
      expect(wrong.status).toBe(401);
      expect((await raw(url.replace('/mcp', '/metrics'), { method: 'GET' })).status).toBe(401);
      for (const path of ['/healthz', '/readyz'])
        expect((await raw(url.replace('/mcp', path), { method: 'GET' })).status).toBe(401);
      const client = await connect(url, { authorization: 'Bearer s3cret-token' });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('execute_code');
      await client.close();
    } finally {
      await http.close();
    }
  });

  it('answers /healthz while alive and /readyz with each upstream server, 503 when one is down', async () => {
    const http = await serveHttp(gateway, { port: 0 });
    const broken = await createGateway(
      parseConfig({
        mcpServers: { gone: { command: process.execPath, args: ['-e', 'process.exit(3)'] } },
        dataDir: join(dir, 'data-broken'),
        connectTimeoutMs: 5_000,
      }),
    );
    const down = await serveHttp(broken, { port: 0 });
    try {
      const health = await raw(http.url.replace('/mcp', '/healthz'), { method: 'GET' });
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({ ok: true });
      const ready = await raw(http.url.replace('/mcp', '/readyz'), { method: 'GET' });
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toEqual({ ok: true, servers: [{ name: 'memory', ok: true }] });
      const notReady = await raw(down.url.replace('/mcp', '/readyz'), { method: 'GET' });
      expect(notReady.status).toBe(503);
      const body = JSON.parse(notReady.body) as {
        ok: boolean;
        servers: { name: string; ok: boolean; error?: string }[];
      };
      expect(body.ok).toBe(false);
      expect(body.servers[0]).toMatchObject({ name: 'gone', ok: false });
      expect(body.servers[0]?.error).toContain("Upstream server 'gone' is unavailable");
      expect((await raw(down.url.replace('/mcp', '/healthz'), { method: 'GET' })).status).toBe(200);
    } finally {
      await down.close();
      await broken.close();
      await http.close();
    }
  });

  it('refuses foreign Host and Origin headers (DNS rebinding) and oversized bodies', async () => {
    const http = await serveHttp(gateway, { port: 0, maxBodyBytes: 2048 });
    try {
      const port = new URL(http.url).port;
      const evilHost = await raw(http.url, {
        body: JSON.stringify(INIT),
        headers: { host: `evil.example:${port}` },
      });
      expect(evilHost.status).toBe(403);
      expect(evilHost.body).toContain('DNS rebinding');
      const evilOrigin = await raw(http.url, {
        body: JSON.stringify(INIT),
        headers: { origin: 'https://evil.example' },
      });
      expect(evilOrigin.status).toBe(403);
      const localOrigin = await raw(http.url, {
        body: JSON.stringify(INIT),
        headers: { origin: `http://localhost:${port}`, host: `localhost:${port}` },
      });
      expect(localOrigin.status).toBe(200);

      const big = JSON.stringify({ ...INIT, params: { ...INIT.params, pad: 'x'.repeat(4000) } });
      expect((await raw(http.url, { body: big })).status).toBe(413);
      // Without Content-Length (chunked), the cap applies while reading.
      const chunked = await raw(http.url, { body: big, headers: { 'transfer-encoding': 'chunked' } });
      expect(chunked.status).toBe(413);
      // The server still serves a normal client afterwards.
      const client = await connect(http.url);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
    } finally {
      await http.close();
    }
  });

  it('keeps nothing of an initialize it refuses (bad Accept header), and builds nothing for it', async () => {
    const http = await serveHttp(gateway, { port: 0 });
    const built = vi.spyOn(McpServer.prototype, 'connect');
    try {
      const before = gateway.catalog.listenerCount('changed');
      for (let i = 0; i < 200; i++) {
        const refused = await raw(http.url, {
          body: JSON.stringify(INIT),
          headers: { accept: 'text/plain' },
        });
        expect(refused.status).toBe(406);
      }
      const plain = await raw(http.url, {
        body: JSON.stringify(INIT),
        headers: { 'content-type': 'text/plain' },
      });
      expect(plain.status).toBe(415);
      // Refused from the headers alone: no MCP server or session was made (each made one before,
      // and 5,000 refusals grew the process by 54 MiB).
      expect(built).not.toHaveBeenCalled();
      // Each MCP server listens to the catalog while it lives: none of the 200 is left.
      expect(gateway.catalog.listenerCount('changed')).toBe(before);
    } finally {
      built.mockRestore();
      await http.close();
    }
  });

  it('closes idle sessions; their id then gets 404', async () => {
    const http = await serveHttp(gateway, { port: 0, sessionIdleMs: 300 });
    try {
      const init = await raw(http.url, { body: JSON.stringify(INIT) });
      const session = String(init.headers['mcp-session-id']);
      expect(init.status).toBe(200);
      const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
      const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      await raw(http.url, {
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      expect((await raw(http.url, { headers, body: list })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_000));
      const expired = await raw(http.url, { headers, body: list });
      expect(expired.status).toBe(404);
      expect(expired.body).toContain('initialize');
    } finally {
      await http.close();
    }
  });

  it('keeps concurrent sessions apart: state, workspace files and PII vaults never cross', async () => {
    const http = await serveHttp(gateway, { port: 0 });
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(http.url)));
    try {
      const answers = await Promise.all(
        clients.map(async (client, i) => {
          const run = (code: string) => client.callTool({ name: 'execute_code', arguments: { code } });
          await run(`import { state, workspace } from './runtime';
            await state.set('owner', ${i});
            await workspace.writeText('me.txt', 'client ${i}');`);
          const read = await run(`import { state, workspace } from './runtime';
            export default [await state.get('owner'), await workspace.readText('me.txt')];`);
          return text(read);
        }),
      );
      answers.forEach((answer, i) => {
        expect(answer).toContain(`[${i},"client ${i}"]`);
      });

      // Each session's [EMAIL_1] is its own person: a token sent to a tool becomes that session's value.
      for (const [i, client] of clients.slice(0, 5).entries()) {
        const shown = await client.callTool({
          name: 'execute_code',
          arguments: { code: `export default 'contact: person${i}@example.org';` },
        });
        expect(text(shown)).toContain('[EMAIL_1]');
        expect(text(shown)).not.toContain('@example.org');
        await client.callTool({
          name: 'execute_code',
          arguments: {
            code: `import * as memory from './servers/memory';
              await memory.createEntities({ entities: [{ name: 'owner-${i}', entityType: 'person', observations: ['[EMAIL_1]'] }] });`,
          },
        });
      }
      const stored = readFileSync(join(dir, 'memory.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { name: string; observations: string[] });
      for (let i = 0; i < 5; i++) {
        expect(stored.find((e) => e.name === `owner-${i}`)?.observations).toEqual([`person${i}@example.org`]);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await http.close();
    }
  });
});
