import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InMemoryTransport, McpServer, Server } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

describe('one script cannot take an upstream down for everyone', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-limits-'));
    gateway = await createGateway(
      parseConfig({ mcpServers: { files: stdioServer(...FILESYSTEM, [dir]) }, dataDir: join(dir, 'data') }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses arguments over maxArgumentBytes before sending them; the server stays up', async () => {
    const execution = await gateway.execute(
      `import { writeFile } from './servers/files';
       const big = 'x'.repeat(11 * 1024 * 1024);
       const codes = [];
       for (let i = 0; i < 3; i++) {
         try { await writeFile({ path: ${JSON.stringify(join(dir, 'big.txt'))}, content: big }); } catch (e) { codes.push(e.code + ': ' + e.message); }
       }
       export default codes;`,
      { timeoutMs: 20_000, memoryMb: 512 },
    );
    expect(execution.error).toBeNull();
    const codes = execution.result as string[];
    expect(codes).toHaveLength(3);
    expect(codes[0]).toMatch(
      /^INVALID_ARGUMENTS: .*input is 11\.0 MiB of JSON, over maxArgumentBytes \(8\.0 MiB\)/,
    );
    const [status] = gateway.listServers();
    expect(status).toMatchObject({ name: 'files', ok: true });
    expect(status?.restarts).toBeUndefined();
    const next = await gateway.execute(
      `import { listAllowedDirectories } from './servers/files'; export default (await listAllowedDirectories()) !== null;`,
    );
    expect(next.result).toBe(true);
  });
});

describe('odd upstream servers', () => {
  it('gen writes a binding for a 300-character tool name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-longname-'));
    const upstream = new McpServer({ name: 'long', version: '1.0.0' });
    const name = `get_${'very_long_segment_'.repeat(17)}end`;
    upstream.registerTool(
      name,
      { description: 'A tool with a long name.', inputSchema: z.object({}) },
      async () => ({
        content: [{ type: 'text', text: '"ok"' }],
      }),
    );
    const [gatewaySide, serverSide] = InMemoryTransport.createLinkedPair();
    await upstream.connect(serverSide);
    const gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir: join(dir, 'data') }), {
      servers: { long: { transport: () => gatewaySide } },
    });
    try {
      expect(name.length).toBeGreaterThan(300);
      const files = await gateway.generateFiles();
      for (const [path, source] of files) {
        await mkdir(dirname(join(dir, 'out', path)), { recursive: true });
        await writeFile(join(dir, 'out', path), source);
      }
      const binding = [...files.keys()].find((p) => p.startsWith('servers/long/') && !p.endsWith('index.ts'));
      expect(Buffer.byteLength(basename(binding ?? ''))).toBeLessThanOrEqual(130);
      const identifier = basename(binding ?? '', '.ts');
      const run = await gateway.execute(
        `import { ${identifier} } from './servers/long'; export default await ${identifier}();`,
      );
      expect(run.result).toBe('ok');
    } finally {
      await gateway.close();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a server that never answers tools/list delays start-up by connectTimeoutMs, not callTimeoutMs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-nolist-'));
    const upstream = new Server({ name: 'silent', version: '1.0.0' }, { capabilities: { tools: {} } });
    upstream.setRequestHandler('tools/list', () => new Promise(() => {}));
    const [gatewaySide, serverSide] = InMemoryTransport.createLinkedPair();
    await upstream.connect(serverSide);
    const started = performance.now();
    const gateway = await createGateway(
      parseConfig({
        mcpServers: {},
        dataDir: join(dir, 'data'),
        connectTimeoutMs: 500,
        callTimeoutMs: 20_000,
      }),
      { servers: { silent: { transport: () => gatewaySide } } },
    );
    try {
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(gateway.listServers()[0]).toMatchObject({ name: 'silent', ok: false });
      expect(gateway.listServers()[0]?.error).toContain('no answer within 500 ms');
    } finally {
      await gateway.close();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('results the host cannot walk', () => {
  it('a result nested hundreds or thousands of levels deep fails cleanly, PII on or off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-deep-'));
    const deep = (levels: number) =>
      `let v = 1; for (let i = 0; i < ${levels}; i++) v = [v]; export default v;`;
    try {
      for (const enabled of [false, true]) {
        const gateway = await createGateway(
          parseConfig({ mcpServers: {}, dataDir: join(dir, 'data'), pii: { enabled } }),
        );
        try {
          const execution = await gateway.execute(deep(300));
          expect(execution.ok).toBe(false);
          expect(execution.error?.message).toBe(
            'The result is nested more than 256 levels deep. Return a flatter value.',
          );
          expect(execution.output).toContain('nested more than 256 levels');
          // Deeper still: whichever step gives up first, execute answers (it never throws).
          for (const levels of [2_500, 4_500, 10_000]) {
            const deeper = await gateway.execute(deep(levels));
            expect(deeper.ok, String(levels)).toBe(false);
            expect(deeper.error?.code).toBe('RUNTIME_ERROR');
            expect(deeper.output).toMatch(/^Error \[RUNTIME_ERROR\]/);
          }
        } finally {
          await gateway.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
