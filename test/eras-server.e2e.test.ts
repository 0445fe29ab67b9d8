import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CallToolResult, Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { type HttpServer, serveHttp } from '../src/server/http.js';
import { serveOverStdio } from './support/cli.js';
import { EVERYTHING, stdioServer } from './support/servers.js';

/**
 * The gateway's own endpoint for clients of both eras: the v2 SDK's client in its three
 * negotiation modes (2025 only, auto, pinned to 2026-07-28), over Streamable HTTP and stdio.
 */
const MODES = { legacy: 'legacy', auto: 'auto', pinned: { pin: '2026-07-28' } } as const;
const EMAIL = 'ana.lima@example.com';

const texts = (result: CallToolResult): string =>
  result.content.map((part) => ('text' in part ? part.text : '')).join('\n');

/** execute_code with the context of the previous answer (when the client is modern). */
async function run(client: Client, code: string, context?: string) {
  const result = (await client.callTool({
    name: 'execute_code',
    arguments: { code, ...(context ? { context } : {}) },
  })) as CallToolResult;
  return {
    result,
    text: texts(result),
    context: (result.structuredContent as { context?: string })?.context,
  };
}

/** What a client of either era sees of the gateway: search, state across calls, PII, resources, prompts. */
async function exercise(client: Client): Promise<void> {
  const modern = client.getProtocolEra() === 'modern';
  const search = texts(
    (await client.callTool({
      name: 'search_tools',
      arguments: { query: 'echo a message' },
    })) as CallToolResult,
  );
  expect(search).toContain('everything.echo');

  const counter = `import { state } from './runtime';
    await state.set('n', ((await state.get('n')) ?? 0) + 1);
    export default { n: await state.get('n'), email: '${EMAIL}' };`;
  const first = await run(client, counter);
  expect(first.result.isError).toBeFalsy();
  expect(first.text).toMatch(/"n": ?1\b/);
  expect(first.text).not.toContain(EMAIL);
  const token = /\[EMAIL_\d+\]/.exec(first.text)?.[0];
  expect(token).toBeDefined();
  if (modern) {
    expect(first.context).toMatch(/^ctx-[0-9a-f]{32}$/);
    expect(first.text).toContain(`[context: ${first.context};`);
  } else expect(first.context).toBeUndefined();

  // The next call sees the state, and the token the model saw stands for the address again.
  const echo = `import { state } from './runtime'; import { echo } from './servers/everything';
    await state.set('n', ((await state.get('n')) ?? 0) + 1);
    const echoed = await echo({ message: '${token}' });
    export default { n: await state.get('n'), real: JSON.stringify(echoed).includes('@example.com') };`;
  const second = await run(client, echo, first.context);
  expect(second.text).toMatch(/"n": ?2\b/);
  expect(second.text).toMatch(/"real": ?true/);
  if (modern) {
    expect(second.context).toBe(first.context);
    // A new context starts empty: no state, and the token means nothing there.
    const fresh = await run(client, echo);
    expect(fresh.text).toMatch(/"n": ?1\b/);
    expect(fresh.text).toMatch(/"real": ?false/);
    expect(fresh.context).not.toBe(first.context);
    const unknown = await run(client, counter, `ctx-${'0'.repeat(32)}`);
    expect(unknown.result.isError).toBe(true);
    expect(unknown.text).toMatch(/^Unknown or expired context "ctx-0+": .*Omit "context" to start a new one/);
  }

  const { resources } = await client.listResources();
  expect(resources.map((r) => r.uri)).toContain('toolscript://servers/everything/echo.ts');
  const read = await client.readResource({ uri: 'toolscript://servers/everything/echo.ts' });
  expect((read.contents[0] as { text: string }).text).toMatch(/declare function echo\(/);
  const { prompts } = await client.listPrompts();
  expect(prompts.map((p) => p.name)).toContain('everything.simple-prompt');
}

describe('the gateway serves both MCP eras', () => {
  let dir: string;
  let gateway: Gateway;
  let http: HttpServer;
  const config = () => ({
    pii: { enabled: true },
    mcpServers: { everything: stdioServer(...EVERYTHING, ['stdio']) },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolscript-eras-server-'));
    gateway = await createGateway(parseConfig({ ...config(), dataDir: join(dir, 'http') }));
    http = await serveHttp(gateway, { port: 0 });
  });
  afterAll(async () => {
    await http?.close();
    await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, mode] of Object.entries(MODES)) {
    it(`over Streamable HTTP to a client in ${name} mode`, async () => {
      const client = new Client({ name: `http-${name}`, version: '1' }, { versionNegotiation: { mode } });
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(name === 'legacy' ? '2025-11-25' : '2026-07-28');
        await exercise(client);
      } finally {
        await client.close();
      }
    });
  }

  it('answers a 2026-07-28 GET or DELETE with 405, and a wrong revision with -32022 and the supported list', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(http.url, { method, headers: { accept: 'text/event-stream' } });
      expect(response.status).toBe(405);
    }
    const response = await fetch(http.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2099-01-01',
        'mcp-method': 'tools/list',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2099-01-01',
            'io.modelcontextprotocol/clientInfo': { name: 'curl', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    const body = (await response.json()) as { error?: { code: number; data?: { supported?: string[] } } };
    expect(body.error?.code).toBe(-32022);
    expect(body.error?.data?.supported).toContain('2026-07-28');
  });

  for (const [name, mode] of Object.entries(MODES)) {
    it(`over stdio to a client in ${name} mode`, async () => {
      const file = join(dir, `stdio-${name}.json`);
      writeFileSync(file, JSON.stringify({ ...config(), dataDir: join(dir, `stdio-${name}`) }));
      const client = new Client({ name: `stdio-${name}`, version: '1' }, { versionNegotiation: { mode } });
      await client.connect(new StdioClientTransport({ ...serveOverStdio(file), stderr: 'ignore' }));
      try {
        expect(client.getProtocolEra()).toBe(name === 'legacy' ? 'legacy' : 'modern');
        await exercise(client);
      } finally {
        await client.close();
      }
    }, 60_000);
  }
});
