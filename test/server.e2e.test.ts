import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../src/accounting/tokens.js';
import { Catalog } from '../src/catalog/catalog.js';
import { runCli } from '../src/cli/main.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { type Gateway, Gateway as GatewayClass } from '../src/gateway/gateway.js';
import { QuickJSSandbox } from '../src/sandbox/quickjs/index.js';
import { type HttpServer, serveHttp } from '../src/server/http.js';
import { createMcpServer } from '../src/server/mcp-server.js';
import { loadLiveMcpBenchCatalog } from './support/livemcpbench.js';
import { EVERYTHING, MEMORY, stdioServer } from './support/servers.js';

const ROOT = resolve(import.meta.dirname, '..');
const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

/** Runs the same client checks over any transport. */
async function exerciseGateway(client: Client) {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual([
    'execute_code',
    'list_skills',
    'save_skill',
    'search_tools',
  ]);
  expect(client.getInstructions()).toContain('- memory (9 tools)');

  const search = await client.callTool({
    name: 'search_tools',
    arguments: { query: 'create entities in knowledge graph', limit: 3 },
  });
  expect(text(search).split('\n')[0]).toMatch(/^memory\.createEntities — /);

  const full = await client.callTool({
    name: 'search_tools',
    arguments: { query: 'sum two numbers', detail: 'full', limit: 1 },
  });
  expect(text(full)).toContain("import { getSum } from './servers/everything';");
  expect(text(full)).toContain('declare function getSum(input: {\n  /** First number */ a: number;');

  const run = await client.callTool({
    name: 'execute_code',
    arguments: {
      code: `import { getSum } from './servers/everything'; console.log('adding'); export default await getSum({ a: 20, b: 22 });`,
    },
  });
  expect(run.isError).toBe(false);
  expect(text(run)).toMatch(/^adding\n\nResult:\n[\s\S]*42/);
  const meta = (
    run._meta as {
      toolscript: {
        ok: boolean;
        calls: { tool: string }[];
        tokens: { codeMode: number; direct: number };
        session: { executions: number; discoveryCalls: number; codeMode: number; direct: number };
      };
    }
  ).toolscript;
  expect(meta.ok).toBe(true);
  expect(meta.calls.map((c) => c.tool)).toEqual(['get-sum']);
  expect(meta.tokens.direct).toBeGreaterThan(meta.tokens.codeMode);
  // The session counts the gateway's tool definitions, both searches and this execution.
  expect(meta.session).toMatchObject({ executions: 1, discoveryCalls: 2 });
  expect(meta.session.codeMode).toBeGreaterThan(meta.tokens.codeMode + 500);

  const failed = await client.callTool({
    name: 'execute_code',
    arguments: { code: `throw new Error('on purpose')` },
  });
  expect(failed.isError).toBe(true);
  expect(text(failed)).toBe('Error [RUNTIME_ERROR]: on purpose (script line 1)');
}

describe('toolscript serve', () => {
  let configFile: string;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-serve-'));
    configFile = join(dir, 'toolscript.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        mcpServers: {
          memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
          everything: stdioServer(...EVERYTHING, ['stdio']),
        },
      }),
    );
  });

  it('serves an MCP client over stdio', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--config', configFile],
      // The test file's own data folder (the SDK passes only a few variables by default).
      env: { ...process.env } as Record<string, string>,
      cwd: ROOT,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(transport);
    try {
      await exerciseGateway(client);
    } finally {
      await client.close();
    }
  });

  describe('over Streamable HTTP', () => {
    let gateway: Gateway;
    let http: HttpServer;
    beforeAll(async () => {
      const { loadConfig } = await import('../src/config/index.js');
      gateway = await createGateway(loadConfig({ file: configFile }).config);
      http = await serveHttp(gateway, { port: 0 });
    });
    afterAll(async () => {
      await http?.close();
      await gateway?.close();
    });

    it('serves MCP clients at /mcp, each in its own session', async () => {
      expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const clients = [new Client({ name: 'a', version: '1' }), new Client({ name: 'b', version: '1' })];
      try {
        for (const client of clients)
          await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
        await Promise.all(clients.map(exerciseGateway));
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });

    it('exposes Prometheus metrics and a summary that toolscript stats prints', async () => {
      const metrics = await (await fetch(http.url.replace('/mcp', '/metrics'))).text();
      expect(metrics).toMatch(/toolscript_executions_total\{outcome="ok"\} [1-9]/);
      expect(metrics).toMatch(
        /toolscript_tool_calls_total\{server="everything",tool="get-sum",outcome="ok"\} [1-9]/,
      );
      expect(metrics).toMatch(/toolscript_tokens_total\{mode="direct"\} [1-9]/);
      expect(metrics).toContain('toolscript_sandbox_memory_bytes_count');
      const out: string[] = [];
      const code = await runCli(['stats', '--url', http.url.replace('/mcp', '')], {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
        readStdin: async () => '',
      });
      expect(code).toBe(0);
      expect(out.join('')).toMatch(/^Executions: \d+ \(ok \d+, RUNTIME_ERROR \d+\)/);
      expect(out.join('')).toMatch(/Tokens: code mode [\d,]+ vs direct tool calling [\d,]+ \(\d+\.\d% fewer/);
    });

    it('answers other paths and session-less requests with clear errors', async () => {
      const notFound = await fetch(http.url.replace('/mcp', '/nope'));
      expect(notFound.status).toBe(404);
      const noSession = await fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(noSession.status).toBe(400);
      expect(await noSession.text()).toContain('initialize');
    });
  });
});

describe('gateway tools/list size', () => {
  it('stays under 1,500 tokens with the 527-tool, 70-server LiveMCPBench catalog', async () => {
    const catalog = new Catalog();
    for (const server of loadLiveMcpBenchCatalog().listServers())
      catalog.setTools(server.name, server.tools, server.description.slice(0, 80));
    const gateway = new GatewayClass(parseConfig({ mcpServers: {} }), await QuickJSSandbox.create(), {
      catalog,
    });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await createMcpServer(gateway).connect(serverTransport);
    const client = new Client({ name: 'size', version: '1' });
    await client.connect(clientTransport);
    const listing = await client.listTools();
    const tokens = countTokens(JSON.stringify(listing.tools)).tokens;
    expect(tokens).toBeLessThan(1_500);
    expect(JSON.stringify(listing.tools)).toContain('and 55 more');
    await client.close();
  });
});
