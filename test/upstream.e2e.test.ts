import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { UpstreamConnection } from '../src/upstream/connection.js';
import {
  EVERYTHING,
  EVERYTHING_2025,
  type HttpServerProcess,
  MEMORY_2024,
  packageFile,
  startHttpServer,
  stdioServer,
} from './support/servers.js';

const OPTIONS = { connectTimeoutMs: 20_000, callTimeoutMs: 10_000 };

describe('protocol versions', () => {
  it.each([
    ['2024-11-05', MEMORY_2024, []],
    ['2025-03-26', EVERYTHING_2025, []],
    ['2025-11-25', EVERYTHING, ['stdio']],
  ] as const)('talks to a real server speaking %s', async (version, server, args) => {
    const gateway = await createGateway(
      parseConfig({ mcpServers: { upstream: stdioServer(server[0], server[1], [...args]) } }),
    );
    try {
      const [status] = gateway.listServers();
      expect(status).toMatchObject({ name: 'upstream', ok: true, protocolVersion: version });
      expect(status?.tools).toBeGreaterThan(5);
      const names = gateway.catalog.getServer('upstream')?.tools.map((t) => t.name) ?? [];
      const script = names.includes('read_graph')
        ? `import { readGraph } from './servers/upstream'; const g = await readGraph(); export default Array.isArray(g.entities);`
        : `import * as u from './servers/upstream'; const r = await u.echo({ message: 'hi' }); export default JSON.stringify(r).includes('hi');`;
      const execution = await gateway.execute(script);
      expect(execution.error).toBeNull();
      expect(execution.result).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});

describe('remote servers', () => {
  let streamable: HttpServerProcess;
  let sse: HttpServerProcess;

  beforeAll(async () => {
    [streamable, sse] = await Promise.all([
      startHttpServer(
        packageFile('@modelcontextprotocol/server-everything', 'dist/transports/streamableHttp.js'),
      ),
      startHttpServer(packageFile('@modelcontextprotocol/server-everything', 'dist/transports/sse.js')),
    ]);
  });
  afterAll(async () => {
    await Promise.all([streamable?.stop(), sse?.stop()]);
  });

  it('connects over Streamable HTTP, and to SSE both directly and as a fallback', async () => {
    const gateway = await createGateway(
      parseConfig({
        mcpServers: {
          streamable: { type: 'http', url: `http://127.0.0.1:${streamable.port}/mcp` },
          sse: { type: 'sse', url: `http://127.0.0.1:${sse.port}/sse` },
          fallback: { type: 'http', url: `http://127.0.0.1:${sse.port}/sse` },
        },
      }),
    );
    try {
      expect(gateway.listServers().map((s) => [s.name, s.ok, s.tools > 5])).toEqual([
        ['fallback', true, true],
        ['sse', true, true],
        ['streamable', true, true],
      ]);
      const execution = await gateway.execute(`
        import * as a from './servers/streamable';
        import * as b from './servers/sse';
        import * as c from './servers/fallback';
        const sums = await Promise.all([a.getSum({ a: 1, b: 2 }), b.getSum({ a: 3, b: 4 }), c.getSum({ a: 5, b: 6 })]);
        export default sums.map((s) => JSON.stringify(s));
      `);
      expect(execution.error).toBeNull();
      const sums = execution.result as string[];
      expect(sums[0]).toContain('3');
      expect(sums[1]).toContain('7');
      expect(sums[2]).toContain('11');
    } finally {
      await gateway.close();
    }
  });

  it('reports a remote server that is down as unavailable, by name', async () => {
    const connection = new UpstreamConnection(
      'gone',
      { type: 'http', url: 'http://127.0.0.1:9/mcp' },
      OPTIONS,
    );
    await expect(connection.listTools()).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      server: 'gone',
    });
    await connection.close();
  });
});

describe('call timeouts', () => {
  it('ends a call that takes longer than the timeout with UPSTREAM_UNAVAILABLE', async () => {
    const connection = new UpstreamConnection('everything', stdioServer(...EVERYTHING, ['stdio']), OPTIONS);
    try {
      const started = Date.now();
      await expect(
        connection.callTool('trigger-long-running-operation', { duration: 5, steps: 5 }, { timeoutMs: 500 }),
      ).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        message: expect.stringContaining('no answer within 500 ms'),
      });
      expect(Date.now() - started).toBeLessThan(4_000);
      const echo = await connection.callTool('echo', { message: 'still here' });
      expect(JSON.stringify(echo)).toContain('still here');
    } finally {
      await connection.close();
    }
  });
});
