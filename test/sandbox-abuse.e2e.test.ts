/**
 * Escape and abuse suite, run against every sandbox backend. Each hostile script must end with a
 * clear error code (or a harmless result) within its limit plus 1 s, leave the host untouched, and
 * the next run must work.
 */
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HostFunction, Sandbox, SandboxRunOptions, SandboxRunResult } from '../src/sandbox/contract.js';
import { BACKENDS } from './support/sandboxes.js';

/**
 * Time past a run's timeout allowed for stopping and cleaning up. The test files run in parallel
 * on two cores: a million-level result took 3.4 s against a 2 s timeout once under that load.
 */
const GRACE_MS = 2_000;

/** Sync probes for host capabilities, run inside whatever a vector reaches. Returns what it found. */
const PROBE = `
  const found = [];
  const g = typeof globalThis === 'object' ? globalThis : {};
  for (const name of ['process', 'require', 'module', 'Buffer', '__dirname', 'global']) {
    try { if (typeof g[name] !== 'undefined' || eval('typeof ' + name) !== 'undefined') found.push(name); } catch {}
  }
  if (typeof Deno !== 'undefined') {
    try { Deno.readTextFileSync('/etc/hostname'); found.push('Deno.readTextFileSync'); } catch {}
    try { Deno.env.get('HOME'); found.push('Deno.env'); } catch {}
    try { new Deno.Command('true').outputSync(); found.push('Deno.Command'); } catch {}
    try { Deno.openSync('/tmp/toolscript-escape', { write: true, create: true }); found.push('Deno.openSync'); } catch {}
  }
  return found;`;

/** Ways to reach a Function constructor (or an equivalent) from inside the sandbox. */
const VECTORS: Record<string, string> = {
  'function literal': '(function () {}).constructor',
  'async function': '(async function () {}).constructor',
  'generator function': '(function* () {}).constructor',
  'arrow function': '(() => 0).constructor',
  'host function': '__host.echo.constructor',
  'host object': '__host.constructor.constructor',
  'host function prototype': 'Object.getPrototypeOf(__host.echo).constructor',
  'host result value': '(await __host.echo(1)).constructor.constructor',
  'host result array': '(await __host.echo(1)).args.constructor.constructor',
  'host error': "await __host.fail('x').then(() => null, (e) => e.constructor.constructor)",
  'host error stack getter':
    "await __host.fail('x').then(() => null, (e) => Object.getOwnPropertyDescriptor(e, 'stack')?.get?.constructor ?? e.toString.constructor)",
  'host promise': '__host.echo(1).constructor.constructor',
  'host promise then': '__host.echo(1).then.constructor',
  'console.log': 'console.log.constructor',
  console: 'console.constructor.constructor',
  'this at top level': '(this ?? {}).constructor?.constructor ?? Function',
  globalThis: 'globalThis.constructor.constructor',
  Reflect: 'Reflect.getPrototypeOf(Promise.resolve()).constructor.constructor',
  'Symbol.species': 'Array.from.constructor',
  'eval of Function': "eval('Function')",
  'indirect eval': "(0, eval)('(function(){}).constructor')",
  'Function.prototype.bind': '(function () {}).bind(null).constructor',
  'error.prepareStackTrace': `(() => {
      Error.prepareStackTrace = (_e, frames) => frames.map((f) => f.getThis?.() ?? f.getFunction?.());
      const leaked = new Error('x').stack;
      const found = Array.isArray(leaked) ? leaked.find((v) => v && typeof v === 'object') : undefined;
      return found?.constructor?.constructor ?? Function;
    })()`,
};

const echo: HostFunction = async (...args) => ({ args });
const fail: HostFunction = async (message) => {
  throw Object.assign(new Error(String(message)), { code: 'TOOL_ERROR' });
};
const slow: HostFunction = (ms) => new Promise((resolve) => setTimeout(() => resolve('late'), Number(ms)));

function limits(overrides: Partial<SandboxRunOptions['limits']> = {}): SandboxRunOptions['limits'] {
  return { timeoutMs: 2_000, memoryMb: 64, ...overrides };
}

describe.each(BACKENDS)('sandbox escape and abuse suite: $name', ({ create }) => {
  let sandbox: Sandbox;
  const received: unknown[] = [];
  let afterFinish = 0;
  const hostFunctions: Record<string, HostFunction> = {
    echo,
    fail,
    slow,
    keep: async (value) => {
      received.push(value);
      return null;
    },
    count: async () => {
      afterFinish++;
      return afterFinish;
    },
  };

  /** Runs `code` and checks it ended within its time limit plus the grace. */
  const run = async (
    code: string,
    overrides: Partial<SandboxRunOptions['limits']> = {},
  ): Promise<SandboxRunResult> => {
    const l = limits(overrides);
    const started = performance.now();
    const result = await sandbox.run(code, {
      modules: { 'lib/index': 'export const x = 1;' },
      hostFunctions,
      limits: l,
    });
    expect(performance.now() - started).toBeLessThan(l.timeoutMs + GRACE_MS);
    return result;
  };

  const worksAfter = async () => {
    const next = await run('export default await __host.echo(40 + 2);');
    expect(next.result).toEqual({ args: [42] });
  };

  beforeAll(async () => {
    sandbox = await create();
  });

  it.each(Object.entries(VECTORS))(
    'constructor chain through %s reaches nothing of the host',
    async (_name, vector) => {
      const result = await run(
        `let F; try { F = ${vector}; } catch (e) { F = undefined; }
       let found;
       try {
         const r = typeof F === 'function' ? F(${JSON.stringify(PROBE)})() : [];
         found = r && typeof r.next === 'function' ? r.next().value : await r;
       } catch (e) { found = 'threw ' + e.name; }
       export default found;`,
      );
      if (result.ok) {
        expect(result.result === undefined || typeof result.result === 'string' ? [] : result.result).toEqual(
          [],
        );
      } else {
        expect(result.error?.code).toMatch(/^(RUNTIME_ERROR|SYNTAX_ERROR)$/);
      }
    },
  );

  it('eval and Function run inside the sandbox only', async () => {
    const result = await run(`export default [
      eval('typeof process'), eval('typeof require'),
      new Function('return typeof this.process')(),
      Function('return Object.keys(globalThis).filter((k) => /process|require|Deno|Buffer/.test(k))')(),
    ];`);
    expect(result.result).toEqual(['undefined', 'undefined', 'undefined', []]);
  });

  it('prototype pollution stays inside the sandbox, in values passed out and in the result', async () => {
    received.length = 0;
    const result = await run(`
      Object.prototype.polluted = 'yes';
      Array.prototype.polluted = 'yes';
      Object.defineProperty(Object.prototype, 'isAdmin', { get() { return true; }, configurable: true });
      JSON.parse = () => ({ hijacked: true });
      await __host.keep(JSON.parse('{"__proto__": {"polluted": "via-arg"}}'));
      await __host.keep({ ['__proto__']: { polluted: 'via-literal' }, constructor: { prototype: { polluted: 'ctor' } } });
      const out = Object.create(null);
      out.__proto__ = { isAdmin: true };
      out.constructor = { prototype: { isAdmin: true } };
      export default out;`);
    expect(result.ok).toBe(true);
    const plain = {} as Record<string, unknown>;
    expect(plain.polluted).toBeUndefined();
    expect(plain.isAdmin).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse('{"a":1}')).toEqual({ a: 1 });
    for (const value of [...received, result.result]) {
      if (value && typeof value === 'object') {
        const proto = Object.getPrototypeOf(value);
        expect(proto === Object.prototype || proto === null).toBe(true);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await worksAfter();
  });

  it.each([
    ['static node built-in', `import fs from 'node:fs'; export default 1;`],
    ['static bare built-in', `import cp from 'child_process'; export default 1;`],
    ['static absolute path', `import x from '/etc/passwd'; export default 1;`],
    ['static parent path', `import x from '../../../etc/passwd'; export default 1;`],
    ['static URL', `import x from 'https://example.com/x.js'; export default 1;`],
    [
      'static data URL',
      `import x from 'data:text/javascript,export default globalThis.process'; export default x;`,
    ],
    ['dynamic node built-in', `export default await import('node:fs');`],
    ['dynamic path outside the tree', `export default await import('./lib/../../../../etc/passwd');`],
    ['dynamic computed', `const m = 'fs'; export default await import('node:' + m);`],
  ])('refuses an import of a %s', async (_name, code) => {
    const result = await run(code);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('MODULE_NOT_FOUND');
  });

  it.each([
    ['a loop before any await', 'while (true) {}'],
    ['a loop after an await', 'await __host.echo(); for (;;) {}'],
    ['a loop in a then callback', 'export default await Promise.resolve().then(() => { for (;;) {} });'],
    ['a loop in a finally block', 'try { throw 1 } finally { for (;;) {} }'],
    ['a loop in toJSON of the result', 'export default { toJSON() { for (;;) {} } };'],
    ['a loop in a getter of the result', 'export default { get x() { for (;;) {} } };'],
    ['an await loop', 'for (;;) await null;'],
    ['a microtask flood', 'function f() { Promise.resolve().then(f); } f(); await new Promise(() => {});'],
    [
      'a promise chain that never ends',
      'let p = Promise.resolve(); for (;;) { p = p.then(() => 0); await null; }',
    ],
  ])('stops %s at the time limit', async (_name, code) => {
    const result = await run(code, { timeoutMs: 500 });
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('TIMEOUT');
    await worksAfter();
  });

  it.each([
    ['arrays', 'const a = []; for (;;) a.push(new Array(100000).fill(a.length));'],
    [
      'dense arrays',
      'const a = []; for (;;) { const b = []; for (let i = 0; i < 10000; i++) b.push(i); a.push(b); }',
    ],
    ['strings', "let s = 'x'; for (;;) s += s;"],
    ['string parts', "const a = []; for (let i = 0; ; i++) a.push('x'.repeat(1e5) + i);"],
    ['typed arrays', 'const a = []; for (;;) a.push(new Uint8Array(1 << 20).fill(1));'],
    ['one huge buffer', 'const b = new Uint8Array(2 ** 30).fill(1); export default b.length;'],
    // Never written, so the OS commits nothing: still past the limit, as QuickJS counts it.
    ['an untouched 1 GiB typed array', 'const b = new Uint8Array(2 ** 30); export default b.length;'],
    ['an untouched 1 GiB buffer', 'const b = new ArrayBuffer(2 ** 30); export default b.byteLength;'],
    ['typed arrays kept, never written', 'const a = []; for (;;) a.push(new Float64Array(1 << 17));'],
    ['an array-like of huge length', 'export default new Uint8Array({ length: 2 ** 30 }).length;'],
    ['object keys', 'const o = {}; for (let i = 0; ; i++) o["k" + i] = i;'],
    ['closures', 'let f = () => 0; for (;;) { const g = f; f = () => g() + 1; }'],
  ])('stops a memory bomb of %s with MEMORY_LIMIT', async (_name, code) => {
    const result = await run(code, { memoryMb: 32, timeoutMs: 5_000 });
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('MEMORY_LIMIT');
    await worksAfter();
  });

  it.each([
    ['normalize', "export default 'e\\u0301'.repeat(2 ** 22).normalize('NFC').length;"],
    ['localeCompare', "const s = 'e\\u0301'.repeat(2 ** 22); export default s.localeCompare(s + 'x');"],
  ])('ends one large allocation inside %s as MEMORY_LIMIT when it does not fit', async (_name, code) => {
    // QuickJS answered "Uncaught undefined" (RUNTIME_ERROR) for a request far from the cap.
    const result = await run(code, { memoryMb: 64, timeoutMs: 5_000 });
    if (!result.ok) expect(result.error?.code).toBe('MEMORY_LIMIT');
    await worksAfter();
  });

  it('lets garbage buffers made in a loop be collected, and slices, subclasses and views work', async () => {
    const result = await run(
      `let n = 0;
       for (let i = 0; i < 500; i++) n += new Uint8Array(1 << 20).length;
       const a = new Uint8Array(1000).fill(7);
       class Bytes extends Uint8Array {}
       const b = new Bytes(4);
       export default [n, a.slice(1, 4).length, a.map((v) => v + 1)[0], b instanceof Bytes, b instanceof Uint8Array,
         new Uint8Array(a.buffer, 10, 5).length, Uint8Array.from([1, 2, 3]).length, a.constructor === Uint8Array];`,
      { memoryMb: 32, timeoutMs: 10_000 },
    );
    expect(result.error).toBeNull();
    expect(result.result).toEqual([500 * 2 ** 20, 3, 8, true, true, 5, 3, true]);
  });

  it.each([
    ['direct recursion', 'function f(n) { return f(n + 1) + 1 } f(0);'],
    ['mutual recursion', 'const a = (n) => b(n) + 1, b = (n) => a(n) + 1; a(0);'],
    ['recursion through toString', 'const o = { toString() { return String(o) } }; String(o);'],
    ['recursion in a then callback', 'function f() { return f() } await Promise.resolve().then(f);'],
  ])('ends %s with a RangeError, not a crash', async (_name, code) => {
    const result = await run(code);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('RUNTIME_ERROR');
    await worksAfter();
  });

  it('turns the result and errors into JSON with code the script cannot replace', async () => {
    const hijack = `
      for (const name of ['__toolscript_serialize', '__toolscript_describe', '__result']) {
        const forged = () => 'forged bob@example.org';
        for (const extra of [{}, { configurable: true }]) {
          try { Object.defineProperty(globalThis, name, { value: forged, ...extra }); } catch {}
        }
      }
      JSON.stringify = () => 'forged bob@example.org';
      Object.prototype.toJSON = undefined;`;
    const result = await run(`${hijack}
      export const __result = 'forged';
      export default { total: 3, items: [1, 2] };`);
    expect(result).toMatchObject({ ok: true, result: { total: 3, items: [1, 2] } });
    const failed = await run(`${hijack}
      const e = new Error('real message'); e.code = 'E_REAL'; throw e;`);
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatchObject({ code: 'E_REAL', message: 'real message' });
    await worksAfter();
  });

  it('shows no host path in logs, messages or stacks', async () => {
    const result = await run(`
      console.log(new Error('logged').stack);
      console.log(import.meta.url);
      function inner() { throw new Error('thrown'); }
      inner();`);
    expect(result.error?.code).toBe('RUNTIME_ERROR');
    const seen = JSON.stringify([result.logs, result.error]);
    expect(seen).toContain('thrown');
    expect(seen).not.toContain(tmpdir());
    expect(seen).not.toContain('base64');
    expect(seen).not.toContain('file://');
  });

  it('ends a result nested a million levels deep with a clear error', async () => {
    // Building it takes about a second; a loaded machine needs more than the default 2 s.
    const result = await run('let o = {}; for (let i = 0; i < 1e6; i++) o = { o }; export default o;', {
      memoryMb: 256,
      timeoutMs: 10_000,
    });
    expect(result.ok).toBe(false);
    expect(result.error?.code).toMatch(/^(RUNTIME_ERROR|MEMORY_LIMIT)$/);
    await worksAfter();
  });

  it('caps 100 MB of console output', async () => {
    const result = await run(
      "const s = 'x'.repeat(1 << 20); for (let i = 0; i < 100; i++) console.log(s); export default 'done';",
      { memoryMb: 256, timeoutMs: 10_000 },
    );
    expect(result.result).toBe('done');
    const chars = result.logs.reduce((sum, entry) => sum + entry.message.length, 0);
    expect(chars).toBeLessThan(1_100_000);
    expect(result.logs.at(-1)?.message).toMatch(/dropped/);
  });

  it('returns or refuses huge return values without harm', async () => {
    const big = await run("export default 'x'.repeat(50 * 1024 * 1024);", {
      memoryMb: 512,
      timeoutMs: 10_000,
    });
    if (big.ok) expect((big.result as string).length).toBe(50 * 1024 * 1024);
    else expect(big.error?.code).toBe('MEMORY_LIMIT');
    const many = await run('export default Array.from({ length: 1e6 }, (_, i) => ({ i }));', {
      memoryMb: 512,
      timeoutMs: 10_000,
    });
    if (many.ok) expect((many.result as unknown[]).length).toBe(1e6);
    else expect(many.error?.code).toBe('MEMORY_LIMIT');
    // A generous deadline: this checks the memory cap, and a loaded machine can take seconds to
    // reach it (the clock includes the subprocess's start).
    const tooBig = await run("export default 'x'.repeat(200 * 1024 * 1024);", {
      memoryMb: 64,
      timeoutMs: 15_000,
    });
    expect(tooBig.error?.code).toBe('MEMORY_LIMIT');
    await worksAfter();
  });

  it('makes 10,000 host calls in a tight loop, sequentially and all at once', async () => {
    const sequential = await run(
      'let n = 0; for (let i = 0; i < 10000; i++) n += (await __host.echo(i)).args[0]; export default n;',
      { timeoutMs: 20_000 },
    );
    expect(sequential.result).toBe((9999 * 10000) / 2);
    const parallel = await run(
      'const r = await Promise.all(Array.from({ length: 10000 }, (_, i) => __host.echo(i))); export default r.length;',
      { timeoutMs: 20_000 },
    );
    expect(parallel.result).toBe(10000);
  });

  it('makes no host call after the script finished, and dangling promises harm nothing', async () => {
    afterFinish = 0;
    const result = await run(`
      __host.slow(200).then(() => __host.count());
      __host.slow(200).then(() => { throw new Error('late') });
      Promise.resolve().then(async () => { for (let i = 0; i < 5; i++) await null; });
      export default 'finished';`);
    expect(result.result).toBe('finished');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(afterFinish).toBe(0);
    // A run that times out while calls are in flight also leaves nothing behind.
    const timedOut = await run(
      'for (let i = 0; i < 50; i++) __host.slow(300).then(() => __host.count()); for (;;) {}',
      {
        timeoutMs: 200,
      },
    );
    expect(timedOut.error?.code).toBe('TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(afterFinish).toBe(0);
    await worksAfter();
  });

  it('keeps the host heap at its baseline after the bombs', async () => {
    const heap = () => process.memoryUsage().heapUsed;
    const bombs = [
      "let s = 'x'; for (;;) s += s;",
      'const a = []; for (;;) a.push(new Uint8Array(1 << 20));',
      "const s = 'x'.repeat(1 << 20); for (let i = 0; i < 30; i++) console.log(s);",
      'const r = await Promise.all(Array.from({ length: 5000 }, (_, i) => __host.echo(i))); export default r.length;',
    ];
    for (const code of bombs) await run(code, { memoryMb: 64, timeoutMs: 5_000 });
    const baseline = heap();
    for (let round = 0; round < 3; round++)
      for (const code of bombs) await run(code, { memoryMb: 64, timeoutMs: 5_000 });
    // Without an explicit GC the heap may hold garbage; a leak would grow it by tens of MiB per round.
    expect(heap() - baseline).toBeLessThan(64 * 1024 * 1024);
    await worksAfter();
  });
});
