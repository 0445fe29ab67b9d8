import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CallToolResult,
  Client,
  InMemoryTransport,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { serveHttp } from '../src/server/http.js';
import { createMcpServer } from '../src/server/mcp-server.js';
import { resultText } from './support/replicas.js';
import {
  EVERYTHING,
  freePort,
  type HttpServerProcess,
  MEMORY,
  startHttpServer,
  stdioServer,
} from './support/servers.js';

/**
 * Upstreams of both eras in one gateway: a server that speaks only 2026-07-28 (the v2 SDK's
 * createMcpHandler with legacy: 'reject', test/support/modern-server.mjs) beside the bundled
 * server-memory, which speaks 2025-11-25 over stdio.
 */
describe('upstream servers of both MCP eras', () => {
  let modern: HttpServerProcess;
  let url: string;
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    modern = await startHttpServer('test/support/modern-server.mjs');
    url = `http://127.0.0.1:${modern.port}/mcp`;
    dir = mkdtempSync(join(tmpdir(), 'toolscript-eras-'));
    gateway = await createGateway(
      parseConfig({
        dataDir: dir,
        mcpServers: { weather: { type: 'http', url }, memory: stdioServer(...MEMORY) },
      }),
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await modern?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const counts = async (): Promise<Record<string, number>> =>
    (await gateway.execute(`import { counts } from './servers/weather'; export default await counts({});`))
      .result as Record<string, number>;

  it('the modern-only server refuses a 2025 client, so the gateway reached it in 2026-07-28', async () => {
    const legacy = new Client({ name: 'legacy', version: '1' });
    await expect(legacy.connect(new StreamableHTTPClientTransport(new URL(url)))).rejects.toThrow(/-32022/);
    const protocols = Object.fromEntries(gateway.listServers().map((s) => [s.name, s.protocolVersion]));
    expect(protocols).toEqual({ memory: '2025-11-25', weather: '2026-07-28' });
  });

  it('calls both from one script', async () => {
    const run = await gateway.execute(`
      import { forecast } from './servers/weather';
      import { createEntities, readGraph } from './servers/memory';
      const oslo = await forecast({ city: 'Oslo' });
      await createEntities({ entities: [{ name: oslo.city, entityType: 'city', observations: [oslo.sky] }] });
      const graph = await readGraph({});
      export default { celsius: oslo.celsius, entities: graph.entities.map((e) => e.name + ':' + e.observations[0]) };`);
    expect(run.error).toBeNull();
    expect(run.result).toEqual({ celsius: 14, entities: ['Oslo:sunny'] });
  });

  it('keeps a tool list inside its ttlMs instead of asking again', async () => {
    // What the gateway does on a restart or a list_changed: list the server's tools again.
    const { upstream } = (
      gateway as unknown as { parts: { upstream: { refresh(server: string): Promise<void> } } }
    ).parts;
    const before = await counts();
    await upstream.refresh('weather');
    await upstream.refresh('weather');
    expect((await counts())['tools/list']).toBe(before['tools/list']);
  });

  it('learns of a new tool through subscriptions/listen, and calls it', async () => {
    const added = await gateway.execute(
      `import { addTool } from './servers/weather'; export default await addTool({});`,
    );
    expect(added.result).toBe('extra_1');
    const deadline = Date.now() + 10_000;
    while (!gateway.catalog.getTool('weather', 'extra_1') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const run = await gateway.execute(
      `import { extra1 } from './servers/weather'; export default await extra1({});`,
    );
    expect(run.result).toBe('extra_1 ran');
  });

  it('refuses an upstream that asks for input when no person can answer, with a clear error', async () => {
    const run = await gateway.execute(
      `import { wipe } from './servers/weather'; export default await wipe({ scope: 'all' });`,
    );
    expect(run.error?.code).toBe('TOOL_ERROR');
    expect(run.error?.message).toMatch(
      /^weather\.wipe failed: it asks the person at the client "Wipe the all cache\?", and no one can answer here/,
    );
  });

  for (const mode of ['legacy', 'auto'] as const) {
    it(`passes the server's question on to the person behind a ${mode} client, and goes on with the answer`, async () => {
      const http = await serveHttp(gateway, { port: 0 });
      const asked: string[] = [];
      const client = new Client(
        { name: 'person', version: '1' },
        { capabilities: { elicitation: {} }, versionNegotiation: { mode } },
      );
      client.setRequestHandler('elicitation/create', async (request) => {
        asked.push(request.params.message);
        return { action: 'accept', content: { confirm: asked.length === 1 } };
      });
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
        const script = (scope: string) =>
          `import { wipe } from './servers/weather'; export default await wipe({ scope: '${scope}' });`;
        const first = (await client.callTool({
          name: 'execute_code',
          arguments: { code: script('logs') },
        })) as CallToolResult;
        const second = (await client.callTool({
          name: 'execute_code',
          arguments: { code: script('all') },
        })) as CallToolResult;
        expect([resultText(first), resultText(second)]).toEqual([
          expect.stringContaining('wiped logs'),
          expect.stringContaining('kept all'),
        ]);
        expect(asked).toEqual([
          'Server weather asks: Wipe the logs cache?',
          'Server weather asks: Wipe the all cache?',
        ]);
      } finally {
        await client.close();
        await http.close();
      }
    });
  }

  it("passes a 2025 server's pushed elicitation on to the person while its call is open", async () => {
    const everything = await createGateway(
      parseConfig({
        dataDir: join(dir, 'everything'),
        mcpServers: { everything: stdioServer(...EVERYTHING, ['stdio']) },
      }),
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(everything).connect(serverSide);
    const client = new Client({ name: 'person', version: '1' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { name: 'Ada', check: true } };
    });
    try {
      await client.connect(clientSide);
      const result = (await client.callTool({
        name: 'execute_code',
        arguments: {
          code: `import { triggerElicitationRequest } from './servers/everything'; export default await triggerElicitationRequest({});`,
        },
      })) as CallToolResult;
      expect(resultText(result)).toContain('Name: Ada');
      expect(asked).toEqual(['Server everything asks: Please provide inputs for the following fields:']);
    } finally {
      await client.close();
      await everything.close();
    }
  });

  it('names the network cause of an HTTP server that is not there', async () => {
    const port = await freePort();
    const down = await createGateway(
      parseConfig({
        dataDir: join(dir, 'down'),
        mcpServers: { down: { type: 'http', url: `http://127.0.0.1:${port}/mcp` } },
      }),
    );
    try {
      expect(down.listServers()[0]?.error).toContain(`fetch failed (ECONNREFUSED 127.0.0.1:${port})`);
    } finally {
      await down.close();
    }
  });

  it('says why a server fails when its protocol is pinned to a revision it does not speak', async () => {
    const pinned = await createGateway(
      parseConfig({
        dataDir: join(dir, 'pinned'),
        mcpServers: {
          weather: { type: 'http', url, protocol: '2025-11-25' },
          memory: { ...stdioServer(...MEMORY), protocol: '2026-07-28' },
        },
      }),
    );
    try {
      const errors = Object.fromEntries(pinned.listServers().map((s) => [s.name, s.error]));
      expect(errors.weather).toMatch(/-32022.*Unsupported protocol version: 2025-11-25/);
      expect(errors.memory).toMatch(/did not offer pinned protocol version 2026-07-28/);
    } finally {
      await pinned.close();
    }
  });

  it('keeps the probe verdict of a stdio server in the data folder, so a restart starts it once', () => {
    const verdicts = JSON.parse(readFileSync(join(dir, 'protocol-verdicts.json'), 'utf8')) as Record<
      string,
      { verdict: { kind: string } }
    >;
    expect(Object.values(verdicts).map((v) => v.verdict.kind)).toEqual(['legacy']);
  });
});
