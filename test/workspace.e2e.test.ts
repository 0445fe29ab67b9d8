import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type ToolscriptConfigInput } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { removeIdleWorkspaces } from '../src/workspace/workspace.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

const ROOT = resolve(import.meta.dirname, '..');

function config(dataDir: string, extra: Partial<ToolscriptConfigInput> = {}) {
  return parseConfig({
    mcpServers: { files: stdioServer(...FILESYSTEM, [join(ROOT, 'examples/data')]) },
    dataDir,
    ...extra,
  });
}

const SAVE = `
  import { readTextFile } from './servers/files';
  import { workspace, state } from './runtime';
  const csv = (await readTextFile({ path: ${JSON.stringify(join(ROOT, 'examples/data/seattle-weather.csv'))} })).content;
  const rainy = csv.split('\\n').filter((line) => line.endsWith(',rain'));
  await workspace.writeText('weather/rainy.csv', rainy.join('\\n'));
  await workspace.writeJson('weather/summary.json', { rainy: rainy.length });
  await state.set('runs', ((await state.get('runs')) ?? 0) + 1);
  export default rainy.length;`;

const LOAD = `
  import { workspace, state } from './runtime';
  export default { files: await workspace.list(), summary: await workspace.readJson('weather/summary.json'), runs: await state.get('runs') };`;

describe('workspace and state', () => {
  it('keep files and state across executions and gateway restarts, per session', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-data-'));
    let gateway = await createGateway(config(dataDir));
    const saved = await gateway.execute(SAVE, { session: 'alice' });
    expect(saved.error).toBeNull();
    await gateway.execute(SAVE, { session: 'alice' });
    const other = await gateway.execute(
      `import { state } from './runtime'; export default await state.get('runs');`,
      {
        session: 'bob',
      },
    );
    expect(other.result).toBeNull();
    await gateway.close();

    gateway = await createGateway(config(dataDir));
    try {
      const loaded = await gateway.execute(LOAD, { session: 'alice' });
      expect(loaded.error).toBeNull();
      expect(loaded.result).toEqual({
        files: ['weather/rainy.csv', 'weather/summary.json'],
        summary: { rainy: saved.result },
        runs: 2,
      });
      expect(readFileSync(join(dataDir, 'workspaces/alice/files/weather/summary.json'), 'utf8')).toContain(
        '"rainy"',
      );
    } finally {
      await gateway.close();
    }
  });

  it('refuses paths outside the workspace and writes over the quota, clearly, losing nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-data-'));
    const gateway = await createGateway(config(dataDir, { workspace: { quotaMb: 0.01 } }));
    try {
      const escapes = await gateway.execute(`
        import { workspace } from './runtime';
        const out = [];
        for (const path of ['../escape.txt', '/etc/passwd', 'a/../../b.txt', '']) {
          try { await workspace.writeText(path, 'x'); out.push('written ' + path); } catch (e) { out.push(e.name + ': ' + e.message); }
        }
        export default out;`);
      const messages = escapes.result as string[];
      expect(messages).toHaveLength(4);
      expect(messages.every((m) => m.startsWith('WorkspaceError: '))).toBe(true);
      expect(messages[0]).toContain('must be relative and stay inside the workspace');
      expect(existsSync(join(dataDir, 'workspaces/local/escape.txt'))).toBe(false);

      const quota = await gateway.execute(`
        import { workspace } from './runtime';
        await workspace.writeText('keep.txt', 'important');
        await workspace.writeText('big.txt', 'x'.repeat(20000));`);
      expect(quota.ok).toBe(false);
      expect(quota.error?.message).toMatch(/Workspace quota exceeded: writing 20000 bytes to "big.txt"/);
      const kept = await gateway.execute(
        `import { workspace } from './runtime'; export default [await workspace.readText('keep.txt'), await workspace.list()];`,
      );
      expect(kept.result).toEqual(['important', ['keep.txt']]);
    } finally {
      await gateway.close();
    }
  });

  it('checkpoints and restores files and state', async () => {
    const gateway = await createGateway(config(mkdtempSync(join(tmpdir(), 'toolscript-data-'))));
    try {
      const run = await gateway.execute(`
        import { workspace, state } from './runtime';
        await workspace.writeText('a.txt', 'one');
        await state.set('step', 1);
        await workspace.checkpoint('before');
        await workspace.writeText('a.txt', 'two');
        await workspace.writeText('b.txt', 'new');
        await state.set('step', 2);
        await workspace.restore('before');
        export default [await workspace.list(), await workspace.readText('a.txt'), await state.get('step')];`);
      expect(run.result).toEqual([['a.txt'], 'one', 1]);
    } finally {
      await gateway.close();
    }
  });

  it('loses no state write when executions of one session run at once', async () => {
    const gateway = await createGateway(config(mkdtempSync(join(tmpdir(), 'toolscript-data-'))));
    try {
      const writer = (prefix: string) => `
        import { state } from './runtime';
        for (let i = 0; i < 25; i++) await state.set('${prefix}' + i, i);
        export default 'done';`;
      await Promise.all([
        gateway.execute(writer('a'), { session: 's' }),
        gateway.execute(writer('b'), { session: 's' }),
      ]);
      const read = await gateway.execute(
        `import { state } from './runtime'; let n = 0; for (let i = 0; i < 25; i++) { if ((await state.get('a' + i)) === i) n++; if ((await state.get('b' + i)) === i) n++; } export default n;`,
        { session: 's' },
      );
      expect(read.result).toBe(50);
    } finally {
      await gateway.close();
    }
  });

  it('removes workspaces idle longer than the TTL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-data-'));
    for (const name of ['old', 'fresh'])
      mkdirSync(join(dataDir, 'workspaces', name, 'files'), { recursive: true });
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    utimesSync(join(dataDir, 'workspaces/old'), eightDaysAgo, eightDaysAgo);
    expect(await removeIdleWorkspaces(dataDir, 7 * 24 * 3600 * 1000)).toEqual(['old']);
    expect(existsSync(join(dataDir, 'workspaces/fresh'))).toBe(true);
  });
});

describe('atomic writes', () => {
  it('never leave a truncated file when the writing process is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-atomic-'));
    const target = join(dir, 'state.json');
    // A child rewrites a 2 MB JSON file in a loop; it is killed at an arbitrary moment.
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(join(ROOT, 'src/util/atomic.ts'))};
      for (let i = 0; ; i++) {
        await writeFileAtomic(${JSON.stringify(target)}, JSON.stringify({ i, data: 'x'.repeat(2_000_000) }));
        if (i === 2) process.stdout.write('ready\\n');
      }`;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      await new Promise<void>((ready, fail) => {
        child.stdout.once('data', () => ready());
        child.once('exit', (code) =>
          fail(new Error(`the writer exited (${code}) before writing: ${stderr}`)),
        );
      });
      await new Promise((r) => setTimeout(r, 37 * (round + 1)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const content = JSON.parse(readFileSync(target, 'utf8')) as { i: number; data: string };
      expect(content.data).toHaveLength(2_000_000);
      expect(content.i).toBeGreaterThanOrEqual(2);
    }
  });
});
