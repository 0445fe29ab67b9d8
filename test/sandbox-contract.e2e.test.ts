import { beforeAll, describe, expect, it } from 'vitest';
import {
  type HostFunction,
  RunClock,
  type Sandbox,
  type SandboxRunOptions,
} from '../src/sandbox/contract.js';
import { BACKENDS } from './support/sandboxes.js';

const echo: HostFunction = async (...args) => ({ args });
const fail: HostFunction = async (message) => {
  throw Object.assign(new Error(String(message)), {
    code: 'TOOL_ERROR',
    details: { server: 's', tool: 't' },
  });
};
const slow: HostFunction = (ms) => new Promise((resolve) => setTimeout(() => resolve('late'), Number(ms)));

function options(
  overrides: Partial<SandboxRunOptions['limits']> = {},
  modules: Record<string, string> = {},
): SandboxRunOptions {
  return {
    modules: {
      'lib/index': 'export const twice = (x) => x * 2;',
      'lib/extra': 'export default "extra";',
      ...modules,
    },
    hostFunctions: { echo, fail, slow },
    limits: { timeoutMs: 2_000, memoryMb: 64, ...overrides },
  };
}

describe.each(BACKENDS)('sandbox contract: $name', ({ create }) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await create();
  });

  it('returns the awaited default export as JSON', async () => {
    const run = await sandbox.run(
      'export default Promise.resolve({ a: [1, "x", null], b: true });',
      options(),
    );
    expect(run).toMatchObject({ ok: true, error: null, result: { a: [1, 'x', null], b: true } });
  });

  it('returns undefined when there is no default export', async () => {
    const run = await sandbox.run('const x = 1;', options());
    expect(run.ok).toBe(true);
    expect(run.result).toBeUndefined();
  });

  it('supports top-level await and resolves modules, folders to index', async () => {
    const code = `import { twice } from './lib'; import extra from './lib/extra.js';
      const r = await __host.echo(1, 'two', { three: 3 });
      export default { twice: twice(21), extra, r };`;
    const run = await sandbox.run(code, options());
    expect(run.result).toEqual({ twice: 42, extra: 'extra', r: { args: [1, 'two', { three: 3 }] } });
  });

  it('captures console output in order, with levels', async () => {
    const run = await sandbox.run(
      `console.log('a', 1, { b: 2 }); console.info('i'); await null; console.warn('w'); console.error(new TypeError('bad'));`,
      options(),
    );
    expect(run.logs.map((l) => l.level)).toEqual(['log', 'info', 'warn', 'error']);
    expect(run.logs[0]?.message).toBe('a 1 {"b":2}');
    expect(run.logs[3]?.message).toMatch(/^TypeError: bad/);
  });

  it('rebuilds host errors inside the script with name, code and details', async () => {
    const run = await sandbox.run(
      `let e; try { await __host.fail('nope'); } catch (caught) { e = caught; }
       export default { isError: e instanceof Error, message: e.message, code: e.code, server: e.server, tool: e.tool };`,
      options(),
    );
    expect(run.result).toEqual({
      isError: true,
      message: 'nope',
      code: 'TOOL_ERROR',
      server: 's',
      tool: 't',
    });
  });

  it('fails with the thrown code when a host error is not caught', async () => {
    const run = await sandbox.run(`await __host.fail('upstream said no');`, options());
    expect(run.ok).toBe(false);
    expect(run.error).toMatchObject({
      code: 'TOOL_ERROR',
      message: 'upstream said no',
      details: { server: 's', tool: 't' },
    });
  });

  it('reports a runtime error with its name', async () => {
    const run = await sandbox.run('null.x;', options());
    expect(run.error).toMatchObject({ code: 'RUNTIME_ERROR', name: 'TypeError' });
  });

  it('reports a missing module', async () => {
    const run = await sandbox.run(`import x from './nope'; export default x;`, options());
    expect(run.error).toMatchObject({ code: 'MODULE_NOT_FOUND' });
    expect(run.error?.message).toContain('./nope');
  });

  it('lets a script catch a dynamic import of a missing module', async () => {
    const run = await sandbox.run(
      `let caught = 'not thrown';
       try { await import('./nope'); } catch (e) { caught = 'caught: ' + e.message; }
       const name = './also-' + 'missing';
       try { await import(name); } catch (e) { caught += ' | caught'; }
       export default caught;`,
      options(),
    );
    expect(run.error).toBeNull();
    expect(run.result).toMatch(/^caught: .*\.\/nope.* \| caught$/);
  });

  it.each([
    ['node built-in', `import fs from 'node:fs'; export default 1;`],
    ['bare package', `import x from 'zod'; export default 1;`],
    ['path outside the tree', `import x from '../../etc/passwd'; export default 1;`],
  ])('cannot import a %s', async (_name, code) => {
    const run = await sandbox.run(code, options());
    expect(run.error?.code).toBe('MODULE_NOT_FOUND');
  });

  it('exposes no process, require, fetch or host objects', async () => {
    const run = await sandbox.run(
      `export default [typeof process, typeof require, typeof fetch, typeof globalThis.__toolscript_call_raw, typeof XMLHttpRequest, typeof setTimeout];`,
      options(),
    );
    expect(run.result).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ]);
    const escaped = await sandbox.run(
      `let out; try { out = typeof __host.echo.constructor('return process')() } catch (e) { out = 'blocked: ' + e.name } export default out;`,
      options(),
    );
    // The constructor chain reaches the sandbox's own Function, where `process` does not exist.
    expect(escaped.result).toBe('blocked: ReferenceError');
  });

  it('stops an endless loop at the time limit, and after an await too', async () => {
    for (const code of ['while (true) {}', `await __host.echo(); for (;;) {}`]) {
      const started = Date.now();
      const run = await sandbox.run(code, options({ timeoutMs: 300 }));
      expect(run.error?.code).toBe('TIMEOUT');
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });

  it('stops a script waiting on a slow host call at the time limit', async () => {
    const run = await sandbox.run(`export default await __host.slow(5000);`, options({ timeoutMs: 300 }));
    expect(run.error?.code).toBe('TIMEOUT');
    expect(run.ms).toBeLessThan(2_000);
  });

  it('stops a script that exceeds the memory limit', async () => {
    const run = await sandbox.run(
      `const parts = []; for (;;) parts.push(new Array(100000).fill(parts.length));`,
      options({ memoryMb: 32 }),
    );
    expect(run.error?.code).toBe('MEMORY_LIMIT');
  });

  it('ends deep recursion with an error, not a crash', async () => {
    const run = await sandbox.run('function f(n) { return f(n + 1) + 1 } f(0);', options());
    expect(run.ok).toBe(false);
    expect(run.error?.code).toBe('RUNTIME_ERROR');
  });

  it('caps captured console output', async () => {
    const run = await sandbox.run(
      `for (let i = 0; i < 1000; i++) console.log('x'.repeat(100));`,
      options({ maxLogChars: 5_000 }),
    );
    expect(run.ok).toBe(true);
    expect(run.logs.length).toBe(51);
    expect(run.logs.at(-1)?.message).toContain('dropped');
  });

  it('gives every run a fresh context', async () => {
    await sandbox.run('globalThis.leak = 42; Object.prototype.polluted = true;', options());
    const run = await sandbox.run('export default [typeof leak, ({}).polluted];', options());
    expect(run.result).toEqual(['undefined', null]);
  });

  it('keeps working after large heaps built after an await', async () => {
    // QuickJS once failed to free such a runtime; the sandbox must shrug that off.
    const big: HostFunction = async () => ({ content: 'x'.repeat(1_000_000) });
    const base = options({ memoryMb: 512, timeoutMs: 20_000 });
    for (let i = 0; i < 3; i++) {
      const run = await sandbox.run(
        `const r = await __host.big(); export default r.content.split('').length;`,
        {
          ...base,
          hostFunctions: { big },
        },
      );
      expect(run.result).toBe(1_000_000);
    }
    const next = await sandbox.run('export default "next";', options());
    expect(next.result).toBe('next');
  });

  it('keeps working after a run that hit a limit', async () => {
    await sandbox.run('while (true) {}', options({ timeoutMs: 100 }));
    await sandbox.run('const a = []; for (;;) a.push("x".repeat(1e5));', options({ memoryMb: 16 }));
    const run = await sandbox.run('export default 1 + 1;', options());
    expect(run.result).toBe(2);
  });

  it('does not count time its clock is paused (a host waiting on a person) against timeoutMs', async () => {
    const clock = new RunClock();
    // The host function holds the clock for 1.5 s, three times the run's limit.
    const approve: HostFunction = async () => {
      clock.pause();
      await new Promise((r) => setTimeout(r, 1_500));
      clock.resume();
      return 'approved';
    };
    const base = options({ timeoutMs: 500 });
    const paused = await sandbox.run('export default await __host.approve();', {
      ...base,
      hostFunctions: { ...base.hostFunctions, approve },
      clock,
    });
    expect(paused.error ?? null).toBeNull();
    expect(paused.result).toBe('approved');
    // Unpaused time still counts: the same wait without the pause times out.
    const unpaused = await sandbox.run('export default await __host.slow(1500);', {
      ...base,
      clock: new RunClock(),
    });
    expect(unpaused.error?.code).toBe('TIMEOUT');
  });
});
