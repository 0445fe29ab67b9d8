import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { connectClient, text } from './support/mcp.js';
import { childPids } from './support/processes.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';
import { DATA_DIR } from './support/weather.js';

describe('a gateway that starts servers on demand, with one server down', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-first-hour-'));
    gateway = await createGateway(
      parseConfig({
        mcpServers: {
          files: stdioServer(...FILESYSTEM, [DATA_DIR]),
          // Fails at start the way a server missing its API key does.
          broken: {
            command: process.execPath,
            args: ['-e', "console.error('fatal: BROKEN_API_KEY is not set'); process.exit(1)"],
          },
        },
        dataDir: dir,
        connectTimeoutMs: 5_000,
      }),
      { connect: 'on-demand' },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts no server for a script that imports none', async () => {
    const execution = await gateway.execute('export default 6 * 7');
    expect(execution.result).toBe(42);
    expect(childPids(DATA_DIR)).toEqual([]);
    expect(gateway.listServers()).toEqual([]);
  });

  it('starts only the server a script imports', async () => {
    const execution = await gateway.execute(
      `import * as files from './servers/files'; export default (await files.listAllowedDirectories()) !== null;`,
    );
    expect(execution.error).toBeNull();
    expect(execution.result).toBe(true);
    expect(childPids(DATA_DIR).length).toBe(1);
    expect(gateway.listServers().map((s) => s.name)).toEqual(['files']);
  });

  it('imports a server that is down; each call fails with UPSTREAM_UNAVAILABLE and its stderr', async () => {
    for (const script of [
      `import { search } from './servers/broken'; await search({ q: 'x' });`,
      `import * as broken from './servers/broken'; await broken.anything();`,
    ]) {
      const execution = await gateway.execute(script);
      expect(execution.error?.code, script).toBe('UPSTREAM_UNAVAILABLE');
      expect(execution.error?.message).toContain("'broken'");
      expect(execution.error?.message).toContain('BROKEN_API_KEY is not set');
      expect(execution.error?.message).not.toMatch(/not a function/);
    }
    const caught = await gateway.execute(
      `import { search } from './servers/broken';
       try { await search({}); } catch (e) { export_ = e; }
       var export_; export default { name: export_.name, code: export_.code };`,
    );
    expect(caught.result).toEqual({ name: 'UpstreamUnavailableError', code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('names the nearest tools for a name a running server does not have', async () => {
    const execution = await gateway.execute(
      `import { readTxtFile } from './servers/files'; await readTxtFile({ path: 'x' });`,
    );
    expect(execution.error?.code).toBe('UNKNOWN_TOOL');
    expect(execution.error?.message).toContain('Did you mean readTextFile');
  });

  it('connects every server before a search', async () => {
    await gateway.search('read a file');
    expect(gateway.listServers().map((s) => [s.name, s.ok])).toEqual([
      ['broken', false],
      ['files', true],
    ]);
  });
});

describe('a data folder that cannot be written', () => {
  it('runs scripts that need no workspace, and says in one line what to do when one does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-unwritable-'));
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir: join(blocker, 'data') }));
    try {
      expect((await gateway.execute('export default 1')).result).toBe(1);
      const execution = await gateway.execute(
        `import { workspace } from './runtime'; await workspace.writeText('a.txt', 'x');`,
      );
      expect(execution.error?.message).toBe(
        `WorkspaceError: The workspace cannot be written: toolscript's data folder is not usable (ENOTDIR). Set TOOLSCRIPT_DATA_DIR or "dataDir" in the config to a writable folder.`,
      );
      expect(execution.error?.message).not.toContain(dir);
    } finally {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('big results', () => {
  it('answer over MCP with the output cut and a bounded _meta, and exec --json still has the whole value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-big-'));
    const gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir: dir }));
    try {
      const client = await connectClient(gateway);
      const answer = await client.callTool({
        name: 'execute_code',
        arguments: { code: `export default 'x'.repeat(3_000_000);` },
      });
      expect(text(answer)).toContain('output cut to 4000 of about');
      const meta = (answer._meta as { toolscript: Record<string, unknown> }).toolscript;
      expect(meta.result).toBeUndefined();
      expect(meta.resultChars).toBe(3_000_002);
      expect(JSON.stringify(answer).length).toBeLessThan(text(answer).length + 10_000);
      const small = await client.callTool({
        name: 'execute_code',
        arguments: { code: 'export default [1, 2]' },
      });
      expect((small._meta as { toolscript: Record<string, unknown> }).toolscript.result).toEqual([1, 2]);
      await client.close();
      const whole = await gateway.execute(`export default 'y'.repeat(3_000_000);`);
      expect((whole.result as string).length).toBe(3_000_000);
    } finally {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a server that never answers initialize', () => {
  it('is reported unavailable after connectTimeoutMs and its process is killed, even if it ignores SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-stuck-'));
    const marker = `toolscript-stuck-${Date.now()}`;
    const gateway = await createGateway(
      parseConfig({
        mcpServers: {
          stuck: {
            command: process.execPath,
            args: ['-e', `process.on('SIGTERM', () => {}); /* ${marker} */ for (;;) {}`],
          },
        },
        dataDir: dir,
        connectTimeoutMs: 1_000,
      }),
    );
    try {
      const [status] = gateway.listServers();
      expect(status).toMatchObject({ name: 'stuck', ok: false });
      expect(status?.error).toContain('no answer within 1000 ms');
      await new Promise((r) => setTimeout(r, 300));
      expect(childPids(marker)).toEqual([]);
    } finally {
      for (const pid of childPids(marker)) process.kill(pid, 'SIGKILL');
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('names a script makes up', () => {
  it('never reach traces, metrics labels or the model as given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-names-'));
    const gateway = await createGateway(
      parseConfig({
        mcpServers: { files: stdioServer(...FILESYSTEM, [DATA_DIR]) },
        dataDir: dir,
        pii: { enabled: true },
      }),
    );
    try {
      const execution = await gateway.execute(
        `import { callTool } from './client';
         const huge = 'x'.repeat(1024 * 1024);
         for (const [server, tool] of [['bob@example.org', '+1 415 555 0100'], [huge, huge], ['files', 'carol@example.org']]) {
           try { await callTool(server, tool, {}); } catch (e) { console.log(e.code); }
         }`,
      );
      expect(execution.logs).toEqual(['UNKNOWN_TOOL', 'UNKNOWN_TOOL', 'UNKNOWN_TOOL']);
      expect(execution.calls.map((c) => [c.server, c.tool])).toEqual([
        ['(unknown)', '(unknown)'],
        ['(unknown)', '(unknown)'],
        ['files', '(unknown)'],
      ]);
      const everything = JSON.stringify(execution) + (await gateway.metrics.registry.metrics());
      expect(everything).not.toContain('bob@example.org');
      expect(everything).not.toContain('carol@example.org');
      expect(everything).not.toContain(
        'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      );
      expect(everything.length).toBeLessThan(100_000);
    } finally {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
