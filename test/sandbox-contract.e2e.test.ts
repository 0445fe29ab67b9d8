import { beforeAll, describe, expect, it } from 'vitest';
import {
  type HostFunction,
  type JsonValue,
  type PythonScript,
  RunClock,
  type Sandbox,
  type SandboxRunOptions,
  type SandboxRunResult,
} from '../src/sandbox/contract.js';
import { CONTRACT_BACKENDS } from './support/sandboxes.js';

const echo: HostFunction = async (...args) => ({ args });
const fail: HostFunction = async (message) => {
  throw Object.assign(new Error(String(message)), {
    code: 'TOOL_ERROR',
    details: { server: 's', tool: 't' },
  });
};
const slow: HostFunction = (ms) => new Promise((resolve) => setTimeout(() => resolve('late'), Number(ms)));

/**
 * The host functions, under their own names (JavaScript's `__host.echo(…)`) and through
 * `callTool`, which is how Python reaches the host: `await toolscript._call("s", "echo", [args])`.
 */
function hostFunctions(functions: Record<string, HostFunction>): Record<string, HostFunction> {
  const callTool: HostFunction = (_server, tool, args) =>
    (functions[String(tool)] as HostFunction)(...((args ?? []) as JsonValue[]));
  return { ...functions, callTool };
}

/** One case's script in each language; `py` undefined where the promise is JavaScript's own. */
type Scripts = { js: string; py?: string };

/** Python: `await call("echo", 1, 2)` calls the host function `echo` (see {@link hostFunctions}). */
const PY_CALL =
  'import toolscript\nasync def call(name, *args):\n    return await toolscript._call("s", name, list(args))\n';

describe.each(CONTRACT_BACKENDS)('sandbox contract: $name', (backend) => {
  const python = backend.language === 'python';
  let sandbox: Sandbox | Sandbox<PythonScript>;
  beforeAll(async () => {
    sandbox = await backend.create();
  }, 120_000);

  function options(
    overrides: Partial<SandboxRunOptions['limits']> = {},
    functions: Record<string, HostFunction> = {},
  ): SandboxRunOptions {
    return {
      modules: {
        'lib/index': 'export const twice = (x) => x * 2;',
        'lib/extra': 'export default "extra";',
      },
      hostFunctions: hostFunctions({ echo, fail, slow, ...functions }),
      // Pyodide needs more room than QuickJS to start; its pool is booted with 128 MiB.
      limits: { timeoutMs: python ? 5_000 : 2_000, memoryMb: python ? 128 : 64, ...overrides },
    };
  }

  /** Runs the case's script for this backend's language. */
  function run(scripts: Scripts, runOptions: SandboxRunOptions = options()): Promise<SandboxRunResult> {
    if (!python) return (sandbox as Sandbox).run(scripts.js, runOptions);
    const modules = { lib: 'def twice(x):\n    return x * 2\n' };
    return (sandbox as Sandbox<PythonScript>).run(
      { code: PY_CALL + (scripts.py as string), modules, workspaceOps: {}, stateOps: {} },
      runOptions,
    );
  }
  const both = (name: string, scripts: Scripts, body: (scripts: Scripts) => Promise<void>) =>
    it.skipIf(python && scripts.py === undefined)(name, () => body(scripts), 30_000);

  both(
    'returns the awaited result as JSON',
    {
      js: 'export default Promise.resolve({ a: [1, "x", null], b: true });',
      py: 'async def value():\n    return {"a": [1, "x", None], "b": True}\nawait value()',
    },
    async (scripts) => {
      const result = await run(scripts);
      expect(result).toMatchObject({ ok: true, error: null, result: { a: [1, 'x', null], b: true } });
      // The JSON text the script's side wrote, which the gateway reads instead of writing it again.
      expect(JSON.parse(result.json as string)).toEqual(result.result);
    },
  );

  both(
    'returns no result when the script gives none',
    { js: 'const x = 1;', py: 'x = 1' },
    async (scripts) => {
      const result = await run(scripts);
      expect(result.ok).toBe(true);
      // A module without a default export has none; a Python script ending in a statement, None.
      expect(result.result).toBe(python ? null : undefined);
    },
  );

  both(
    'awaits host calls and imports modules, folders to index',
    {
      js: `import { twice } from './lib'; import extra from './lib/extra.js';
        const r = await __host.echo(1, 'two', { three: 3 });
        export default { twice: twice(21), extra, r };`,
      py: 'from servers.lib import twice\nr = await call("echo", 1, "two", {"three": 3})\n{"twice": twice(21), "extra": "extra", "r": r}',
    },
    async (scripts) => {
      expect((await run(scripts)).result).toEqual({
        twice: 42,
        extra: 'extra',
        r: { args: [1, 'two', { three: 3 }] },
      });
    },
  );

  both(
    'hands over values holding long strings exactly, whichever way they cross',
    {
      js: `const [a, b, c, d] = [await __host.big('plain'), await __host.big('marked'), await __host.big('many'), await __host.big('proto')];
        export default { a, b, c, dKeys: Object.keys(d), dProto: Object.getPrototypeOf(d) === Object.prototype, dLength: d['__proto__'].length };`,
      py: 'a, b, c, d = [await call("big", k) for k in ["plain", "marked", "many", "proto"]]\n{"a": a, "b": b, "c": c, "dKeys": list(d.keys()), "dProto": True, "dLength": len(d["__proto__"])}',
    },
    async (scripts) => {
      const long = (c: string) => `${c.repeat(5000)}é\n"\\😀`;
      const values: Record<string, JsonValue> = {
        // Split: the long strings travel apart from the JSON.
        plain: {
          content: long('a'),
          items: [long('b'), 'short', { k: long('c'), n: 1.5, t: true, z: null }],
        },
        // Not split: a string that looks like the mark, and a value of more than 256 nodes.
        marked: { x: long('m'), y: `\u0000toolscript-long-string:0${long('y')}` },
        many: { list: Array.from({ length: 300 }, (_, i) => i), text: long('t') },
        proto: JSON.parse(JSON.stringify({ p: 'e'.repeat(5000) }).replace('"p"', '"__proto__"')) as JsonValue,
      };
      const big: HostFunction = async (which) => values[String(which)] as JsonValue;
      const result = await run(scripts, options({}, { big }));
      expect(result.error).toBeNull();
      const got = result.result as Record<string, JsonValue>;
      expect(got.a).toEqual(values.plain);
      expect(got.b).toEqual(values.marked);
      expect(got.c).toEqual(values.many);
      expect([got.dKeys, got.dProto, got.dLength]).toEqual([['__proto__'], true, 5000]);
    },
  );

  both(
    'captures console output in order, with levels',
    {
      js: `console.log('a', 1, { b: 2 }); console.info('i'); await null; console.warn('w'); console.error(new TypeError('bad'));`,
      py: 'import sys\nprint("a", 1, {"b": 2})\nprint("i")\nawait call("echo")\nprint("bad", file=sys.stderr)',
    },
    async (scripts) => {
      const result = await run(scripts);
      // Python has two streams: stdout is `log`, stderr `error`.
      expect(result.logs.map((l) => l.level)).toEqual(
        python ? ['log', 'log', 'error'] : ['log', 'info', 'warn', 'error'],
      );
      expect(result.logs[0]?.message).toBe(python ? "a 1 {'b': 2}" : 'a 1 {"b":2}');
      expect(result.logs.at(-1)?.message).toMatch(/^(TypeError: )?bad/);
    },
  );

  both(
    'rebuilds host errors inside the script with code, server and tool',
    {
      js: `let e; try { await __host.fail('nope'); } catch (caught) { e = caught; }
       export default { isError: e instanceof Error, message: e.message, code: e.code, server: e.server, tool: e.tool };`,
      py: 'try:\n    await call("fail", "nope")\nexcept toolscript.ToolError as caught:\n    e = caught\n{"isError": isinstance(e, Exception), "message": str(e), "code": e.code, "server": e.server, "tool": e.tool}',
    },
    async (scripts) => {
      expect((await run(scripts)).result).toEqual({
        isError: true,
        message: 'nope',
        code: 'TOOL_ERROR',
        server: 's',
        tool: 't',
      });
    },
  );

  both(
    'fails with the thrown code when a host error is not caught',
    { js: `await __host.fail('upstream said no');`, py: 'await call("fail", "upstream said no")' },
    async (scripts) => {
      const result = await run(scripts);
      expect(result.ok).toBe(false);
      expect(result.error).toMatchObject({
        code: 'TOOL_ERROR',
        message: 'upstream said no',
        details: { server: 's', tool: 't' },
      });
    },
  );

  both('reports a runtime error with its name', { js: 'null.x;', py: 'None.x' }, async (scripts) => {
    expect((await run(scripts)).error).toMatchObject({
      code: 'RUNTIME_ERROR',
      name: python ? 'AttributeError' : 'TypeError',
    });
  });

  both(
    'reports a missing module',
    { js: `import x from './nope'; export default x;`, py: 'import nope' },
    async (scripts) => {
      const result = await run(scripts);
      expect(result.error).toMatchObject({ code: 'MODULE_NOT_FOUND' });
      expect(result.error?.message).toContain('nope');
    },
  );

  both(
    'stops an endless loop at the time limit, and after an await too',
    { js: 'while (true) {}', py: 'while True:\n    pass' },
    async () => {
      const loops = python
        ? ['while True:\n    pass', 'await call("echo")\nwhile True:\n    pass']
        : ['while (true) {}', `await __host.echo(); for (;;) {}`];
      for (const code of loops) {
        const result = await run({ js: code, py: code }, options({ timeoutMs: 300 }));
        expect(result.error?.code).toBe('TIMEOUT');
        // Stopped, not left running: the bound is loose, as a loaded machine boots Python slowly.
        expect(result.ms).toBeLessThan(10_000);
      }
    },
  );

  both(
    'stops a script waiting on a slow host call at the time limit',
    { js: 'export default await __host.slow(5000);', py: 'await call("slow", 5000)' },
    async (scripts) => {
      const result = await run(scripts, options({ timeoutMs: 300 }));
      expect(result.error?.code).toBe('TIMEOUT');
      // Stopped, not left running: the bound is loose, as a loaded machine boots Python slowly.
      expect(result.ms).toBeLessThan(10_000);
    },
  );

  both(
    'stops a script that exceeds the memory limit',
    {
      js: 'const parts = []; for (;;) parts.push(new Array(100000).fill(parts.length));',
      py: 'blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))',
    },
    async (scripts) => {
      const result = await run(scripts, options({ memoryMb: python ? 128 : 32 }));
      expect(result.error?.code).toBe('MEMORY_LIMIT');
    },
  );

  both(
    'ends deep recursion with an error, not a crash',
    { js: 'function f(n) { return f(n + 1) + 1 } f(0);', py: 'def f(n):\n    return f(n + 1) + 1\nf(0)' },
    async (scripts) => {
      const result = await run(scripts);
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('RUNTIME_ERROR');
    },
  );

  both(
    'caps captured console output',
    {
      js: `for (let i = 0; i < 1000; i++) console.log('x'.repeat(100));`,
      py: 'for i in range(1000):\n    print("x" * 100)',
    },
    async (scripts) => {
      const result = await run(scripts, options({ maxLogChars: 5_000 }));
      expect(result.ok).toBe(true);
      expect(result.logs.length).toBe(51);
      expect(result.logs.at(-1)?.message).toContain('dropped');
    },
  );

  both(
    'gives every run a fresh context',
    {
      js: 'globalThis.leak = 42; Object.prototype.polluted = true;',
      py: 'import builtins\nbuiltins.leak = 42',
    },
    async (scripts) => {
      await run(scripts);
      const next = python
        ? 'import builtins\n[hasattr(builtins, "leak"), None]'
        : 'export default [typeof leak === "number", ({}).polluted];';
      expect((await run({ js: next, py: next })).result).toEqual([false, null]);
    },
  );

  both(
    'keeps working after a run that hit a limit',
    { js: 'while (true) {}', py: 'while True:\n    pass' },
    async (scripts) => {
      await run(scripts, options({ timeoutMs: 100 }));
      const next = python ? '1 + 1' : 'export default 1 + 1;';
      expect((await run({ js: next, py: next })).result).toBe(2);
    },
  );

  both(
    'reports the heap its runtime held when the script finished',
    {
      js: 'globalThis.kept = new Array(100000).fill(7); export default kept.length;',
      py: 'kept = [7] * 100000\nlen(kept)',
    },
    async (scripts) => {
      const result = await run(scripts);
      expect(result.result).toBe(100_000);
      // The 100,000 numbers it keeps take at least 8 bytes each.
      expect(result.memoryBytes).toBeGreaterThan(800_000);
    },
  );

  both(
    'does not count time its clock is paused (a host waiting on a person) against timeoutMs',
    { js: 'export default await __host.approve();', py: 'await call("approve")' },
    async (scripts) => {
      const clock = new RunClock();
      // The host function holds the clock three times the run's limit (Python's script needs more
      // time of its own to start).
      const limit = python ? 1_500 : 500;
      const approve: HostFunction = async () => {
        clock.pause();
        await new Promise((r) => setTimeout(r, 3 * limit));
        clock.resume();
        return 'approved';
      };
      const paused = await run(scripts, { ...options({ timeoutMs: limit }, { approve }), clock });
      expect(paused.error ?? null).toBeNull();
      expect(paused.result).toBe('approved');
      // Unpaused time still counts: the same wait without the pause times out.
      const wait = python
        ? `await call("slow", ${3 * limit})`
        : `export default await __host.slow(${3 * limit});`;
      const unpaused = await run(
        { js: wait, py: wait },
        { ...options({ timeoutMs: limit }), clock: new RunClock() },
      );
      expect(unpaused.error?.code).toBe('TIMEOUT');
    },
  );

  // JavaScript's own promises: its module system and its globals (Python's escape suite is in
  // test/python-abuse.e2e.test.ts).
  both(
    'lets a script catch a dynamic import of a missing module',
    {
      js: `let caught = 'not thrown';
       try { await import('./nope'); } catch (e) { caught = 'caught: ' + e.message; }
       const name = './also-' + 'missing';
       try { await import(name); } catch (e) { caught += ' | caught'; }
       export default caught;`,
    },
    async (scripts) => {
      const result = await run(scripts);
      expect(result.error).toBeNull();
      expect(result.result).toMatch(/^caught: .*\.\/nope.* \| caught$/);
    },
  );

  it.skipIf(python).each([
    ['node built-in', `import fs from 'node:fs'; export default 1;`],
    ['bare package', `import x from 'zod'; export default 1;`],
    ['path outside the tree', `import x from '../../etc/passwd'; export default 1;`],
  ])('cannot import a %s', async (_name, code) => {
    expect((await run({ js: code })).error?.code).toBe('MODULE_NOT_FOUND');
  });

  both(
    'exposes no process, require, fetch or host objects',
    {
      js: `export default [typeof process, typeof require, typeof fetch, typeof globalThis.__toolscript_call_raw, typeof XMLHttpRequest, typeof setTimeout];`,
    },
    async (scripts) => {
      expect((await run(scripts)).result).toEqual(Array(6).fill('undefined'));
      const escaped = await run({
        js: `let out; try { out = typeof __host.echo.constructor('return process')() } catch (e) { out = 'blocked: ' + e.name } export default out;`,
      });
      // The constructor chain reaches the sandbox's own Function, where `process` does not exist.
      expect(escaped.result).toBe('blocked: ReferenceError');
    },
  );

  both(
    'keeps working after large heaps built after an await',
    { js: `const r = await __host.big(); export default r.content.split('').length;` },
    async (scripts) => {
      // QuickJS once failed to free such a runtime; the sandbox must shrug that off.
      const big: HostFunction = async () => ({ content: 'x'.repeat(1_000_000) });
      for (let i = 0; i < 3; i++) {
        const result = await run(scripts, options({ memoryMb: 512, timeoutMs: 20_000 }, { big }));
        expect(result.result).toBe(1_000_000);
      }
      await run({ js: 'const a = []; for (;;) a.push("x".repeat(1e5));' }, options({ memoryMb: 16 }));
      expect((await run({ js: 'export default "next";' })).result).toBe('next');
    },
  );
});
