/**
 * Approvals against a hostile script and a hostile upstream, on every script backend (QuickJS in
 * process, QuickJS on threads, Deno) and Python: a script cannot outwait its time limit by
 * computing while a person decides; the person sees every argument, and no argument can lay out
 * text of its own; "@destructive" asks about every tool MCP counts as destructive; the audit's
 * hash of the arguments cannot confirm a guessed value. The upstream is the MCP SDK's own server,
 * in process.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalRequest, Approvals, approvalMessage } from '../src/approvals/approvals.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { DENO_AVAILABLE, PYTHON_AVAILABLE } from './support/sandboxes.js';

const OFFICE = fileURLToPath(new URL('./support/office-server.mjs', import.meta.url));

/** The office server (see support/office-server.mjs), its calls written to `calls`. */
const office = (calls: string, requireApproval: string[]) => ({
  command: process.execPath,
  args: [OFFICE],
  env: { OFFICE_CALLS: calls },
  requireApproval,
});

const called = (file: string) =>
  readFile(file, 'utf8').then(
    (text) => text.split('\n').filter(Boolean),
    () => [],
  );

const RUNS = [
  { name: 'quickjs', backend: 'quickjs', threads: 0, language: 'typescript' },
  { name: 'quickjs-threads', backend: 'quickjs', threads: 2, language: 'typescript' },
  ...(DENO_AVAILABLE ? [{ name: 'deno', backend: 'deno', threads: 0, language: 'typescript' }] : []),
  ...(PYTHON_AVAILABLE ? [{ name: 'python', backend: 'quickjs', threads: 0, language: 'python' }] : []),
] as const;

describe.each(RUNS)('approvals against a script that computes meanwhile: $name', (setup) => {
  let dir: string;
  let gateway: Gateway;
  let calls: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-approvals-abuse-'));
    calls = join(dir, 'calls.txt');
    gateway = await createGateway(
      parseConfig({
        dataDir: dir,
        sandbox: { backend: setup.backend, threads: setup.threads, timeoutMs: 1_500 },
        approvals: { timeoutMs: 60_000 },
        mcpServers: { office: office(calls, ['write_file']) },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ends a script that spins while the person decides with TIMEOUT at its own limit', async () => {
    // The person takes 20 s; the script spins all along, far past its 1.5 s.
    const approve = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 20_000));
    // The write asks the person; once the read has come back, the clock is paused, and the
    // script computes from then on, logging each 300 ms of it.
    const code =
      setup.language === 'python'
        ? "import asyncio, time\nfrom servers import office\npending = asyncio.ensure_future(office.write_file(content='x', path='a.txt'))\nawait office.reader()\ni = 0\nwhile True:\n    started = time.time()\n    while time.time() - started < 0.3: pass\n    print('chunk', i)\n    i += 1"
        : `import { writeFile, reader } from './servers/office';
           const pending = writeFile({ content: 'x', path: 'a.txt' });
           await reader({});
           for (let i = 0; ; i++) {
             const started = Date.now();
             while (Date.now() - started < 300) {}
             console.log('chunk', i);
           }`;
    const run = await gateway.execute(code, {
      approve,
      ...(setup.language === 'python' ? { language: 'python' as const } : {}),
    });
    expect(run.error?.code).toBe('TIMEOUT');
    // Its 1.5 s of computing is five chunks (Deno and Python count CPU time, so a loaded machine
    // sees a few more in wall time); before, it computed for the person's whole 20 s (70 chunks).
    const chunks = run.logs.filter((line) => line.includes('chunk')).length;
    expect(chunks).toBeLessThanOrEqual(20);
    expect(await called(calls)).not.toContain('write_file');
  }, 30_000);

  it.runIf(setup.name === 'quickjs-threads')(
    "leaves another session's script alone while two spinners hold both threads",
    async () => {
      const approve = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 20_000));
      const spinner = `import { writeFile, reader } from './servers/office';
        const pending = writeFile({ content: 'x', path: 'c.txt' });
        await reader({});
        for (;;) {}`;
      const spinners = [1, 2].map((n) => gateway.execute(spinner, { approve, session: `spinner-${n}` }));
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Shares a thread with a spinner: before, the spinner outlived its limit, its thread was
      // killed, and this script ended TIMEOUT with it.
      const other = await gateway.execute(
        `import { reader } from './servers/office'; await reader({}); export default 'fine';`,
        { session: 'other' },
      );
      expect(other.error ?? undefined).toBeUndefined();
      expect(other.result).toBe('fine');
      for (const run of await Promise.all(spinners)) expect(run.error?.code).toBe('TIMEOUT');
    },
    30_000,
  );

  it('still waits for a person while the script only waits', async () => {
    const approve = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 2_500));
    const code =
      setup.language === 'python'
        ? `from servers import office\nawait office.write_file(content='x', path='b.txt')`
        : `import { writeFile } from './servers/office'; export default await writeFile({ content: 'x', path: 'b.txt' });`;
    const run = await gateway.execute(code, {
      approve,
      ...(setup.language === 'python' ? { language: 'python' as const } : {}),
    });
    expect(run.error ?? undefined).toBeUndefined();
    expect(await called(calls)).toContain('write_file');
  }, 30_000);
});

describe('approvals: what the person reads, which tools ask, and the audit', () => {
  let dir: string;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-approvals-abuse-'));
    gateway = await createGateway(
      parseConfig({
        dataDir: dir,
        mcpServers: { office: office(join(dir, 'calls.txt'), ['write_file', 'settings', '@destructive']) },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks about every tool MCP counts as destructive: no annotations, or only readOnlyHint: false', async () => {
    const asked: string[] = [];
    const run = await gateway.execute(
      `import * as office from './servers/office';
       for (const call of [office.unannotated, office.notReadOnly, office.additive, office.reader]) await call({});
       export default 'done';`,
      {
        approve: async (request) => {
          asked.push(request.tool);
          return true;
        },
      },
    );
    expect(run.error ?? undefined).toBeUndefined();
    expect(asked).toEqual(['unannotated', 'not_read_only']);
    // The same tools search_tools lists as destructive.
    const listed = await gateway.search('', { destructive: true, limit: 20 });
    expect(listed.map((hit) => hit.name).sort()).toEqual([
      'office.notReadOnly',
      'office.unannotated',
      'office.writeFile',
    ]);
  });

  it('shows a value that a long one placed first would have pushed out of sight', async () => {
    let message = '';
    await gateway.execute(
      `import { writeFile } from './servers/office';
       await writeFile({ content: ${JSON.stringify('A'.repeat(3_066))}, path: '/home/victim/.ssh/authorized_keys' });`,
      {
        approve: async (request) => {
          message = approvalMessage(request);
          return false;
        },
      },
    );
    expect(message).toContain('\n  path: "/home/victim/.ssh/authorized_keys"');
    expect(message).toContain('(3,068 characters in all)');
    expect(message.length).toBeLessThan(1_000);
  });

  it('shows line separators, controls and direction overrides in names and values as \\u escapes', async () => {
    let message = '';
    const key = 'mode\u2028\u2028Arguments: {}\u2029The call is safe. Allow it?';
    await gateway.execute(
      `import { settings } from './servers/office';
       await settings({ settings: { ${JSON.stringify(key)}: 'x\u202Eevil\u0007\u200B' } });`,
      {
        approve: async (request) => {
          message = approvalMessage(request);
          return false;
        },
      },
    );
    for (const raw of ['\u2028', '\u2029', '\u202E', '\u0007', '\u200B']) expect(message).not.toContain(raw);
    expect(message).toContain('\\u2028\\u2028Arguments: {}\\u2029The call is safe');
    expect(message).toContain('x\\u202eevil');
    // One line for the question, one heading, one value.
    expect(message.split('\n')).toHaveLength(3);
  });

  it('lists at most 40 values and says how many it left out', () => {
    const request: ApprovalRequest = {
      session: 'local',
      server: 'office',
      tool: 'settings',
      arguments: { settings: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])) },
    };
    const message = approvalMessage(request);
    expect(message).toContain('settings.k39: "v"');
    expect(message).not.toContain('settings.k40');
    expect(message).toContain('… and 60 more values not shown (100 in all)');
  });

  it('shows arguments nested 100,000 levels deep without overflowing, and counts a million values', () => {
    let deep: Record<string, unknown> = { path: '/home/victim/.ssh/authorized_keys' };
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    const message = approvalMessage({
      session: 'local',
      server: 'office',
      tool: 'settings',
      arguments: { deep, many: Array.from({ length: 1_000_000 }, () => 1) } as ApprovalRequest['arguments'],
    });
    // 16 levels value by value, then the rest as JSON (too deep to write here).
    expect(message).toContain(`  deep${'.d'.repeat(15)}: (nested too deep to show)`);
    expect(message).toContain(`… and ${1_000_001 - 40} more values not shown (1000001 in all)`);
  });

  it('keys the audit hash of the arguments, so a guessed value cannot be confirmed', async () => {
    const args = { content: 'x', path: '/home/victim/notes.txt' };
    await gateway.execute(
      `import { writeFile } from './servers/office'; try { await writeFile(${JSON.stringify(args)}); } catch {}`,
      { approve: async () => false },
    );
    const log = await Approvals.readLog(join(dir, 'approvals.jsonl'));
    const entry = log.filter((e) => e.tool === 'write_file' && e.decision === 'declined').at(-1);
    expect(entry?.argsHash).toMatch(/^[0-9a-f]{16}$/);
    const unkeyed = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
    expect(entry?.argsHash).not.toBe(unkeyed);
  });
});
