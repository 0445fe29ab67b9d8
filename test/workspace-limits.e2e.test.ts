import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';

const MiB = 1024 * 1024;

describe('workspace quota and lifetime (2 MiB quota)', () => {
  let dir: string;
  let gateway: Gateway;
  const sessionRoot = (session: string) => join(dir, 'workspaces', session);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-quota-'));
    gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir: dir, workspace: { quotaMb: 2 } }));
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts checkpoints against the quota', async () => {
    const execution = await gateway.execute(
      `import { workspace } from './runtime';
       await workspace.writeText('data.txt', 'x'.repeat(${1.2 * MiB}));
       await workspace.checkpoint('first');
       export default 'checkpointed';`,
      { session: 'quota' },
    );
    expect(execution.error?.message).toMatch(
      /Workspace quota exceeded: checkpoint "first" would use \d+ of 2097152 bytes/,
    );
    expect(await readdir(join(sessionRoot('quota'), 'checkpoints')).catch(() => [])).toEqual([]);
  });

  it('drops workspace operations still queued when the script times out', async () => {
    const execution = await gateway.execute(
      `import { workspace } from './runtime';
       for (let i = 0; i < 2000; i++) workspace.writeText('f' + i + '.txt', 'x');
       for (;;) {}`,
      { session: 'late', timeoutMs: 500 },
    );
    expect(execution.error?.code).toBe('TIMEOUT');
    // Writes may run while the script spins on its own thread; none starts after it ended.
    const atEnd = (await readdir(join(sessionRoot('late'), 'files')).catch(() => [])).length;
    await new Promise((r) => setTimeout(r, 500));
    const written = await readdir(join(sessionRoot('late'), 'files')).catch(() => []);
    expect(written.length).toBeLessThanOrEqual(atEnd + 1);
    expect(written.length).toBeLessThan(2000);
  });

  it('refuses to write over a folder and leaves no temporary file behind', async () => {
    const execution = await gateway.execute(
      `import { workspace } from './runtime';
       const codes = [];
       for (const path of ['.', 'sub/..', 'sub']) {
         try { await workspace.writeText(path, 'x'); } catch (e) { codes.push(e.message); }
         await workspace.writeText('sub/a.txt', 'a');
       }
       export default codes;`,
      { session: 'folders' },
    );
    expect(execution.result).toEqual([
      '"." is a folder: give a file path such as "notes/a.txt".',
      expect.stringContaining('must be relative and stay inside the workspace'),
      '"sub" is a folder: give a file path such as "notes/a.txt".',
    ]);
    const everything = await readdir(sessionRoot('folders'), { recursive: true });
    expect(everything.filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('workspace errors', () => {
  it('name the path inside the workspace, never a host path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolscript-wserr-'));
    const gateway = await createGateway(parseConfig({ mcpServers: {}, dataDir: dir }));
    try {
      const execution = await gateway.execute(
        `import { workspace } from './runtime';
         await workspace.writeText('a.txt', 'x');
         await workspace.writeText('a.txt/b.txt', 'y');`,
        { session: 'errors' },
      );
      expect(execution.error?.message).toContain('Workspace operation failed on "a.txt');
      expect(execution.error?.message).toContain('a folder in that path is a file');
      expect(execution.output).not.toContain(dir);
    } finally {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
