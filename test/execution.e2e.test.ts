import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../src/accounting/tokens.js';
import { defaultConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';

describe('executions on the bundled default config', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    const config = defaultConfig();
    gateway = await createGateway({
      ...config,
      sandbox: { ...config.sandbox, timeoutMs: 5_000, memoryMb: 64, maxOutputTokens: 200 },
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('accepts a top-level return with imports hoisted', async () => {
    const execution = await gateway.execute(`
      console.log('start');
      import * as fs from './servers/filesystem';
      const dirs = await fs.listAllowedDirectories();
      return dirs.content.includes('examples/data');
    `);
    expect(execution.error).toBeNull();
    expect(execution.result).toBe(true);
    expect(execution.output).toBe('start\n\nResult:\ntrue');
  });

  it('accepts a top-level return in a script with no import at all', async () => {
    for (const [code, value] of [
      ['return 6 * 7;', 42],
      ['const xs = [1, 2];\nreturn xs.map((x) => x * 2);', [2, 4]],
      ['function f() { return 1; }\nreturn f() + 1;', 2],
    ] as const) {
      const execution = await gateway.execute(code);
      expect({ code, error: execution.error, result: execution.result }).toEqual({
        code,
        error: null,
        result: value,
      });
    }
    // A script with neither return nor export still has no result.
    expect((await gateway.execute('const x = 1;')).result).toBeNull();
  });

  it('resolves both import styles to the generated bindings', async () => {
    const execution = await gateway.execute(`
      import * as fs from './servers/filesystem';
      import { listAllowedDirectories } from './servers/filesystem/listAllowedDirectories';
      const [a, b] = await Promise.all([fs.listAllowedDirectories(), listAllowedDirectories()]);
      export default a.content === b.content && typeof fs.readTextFile === 'function';
    `);
    expect(execution.error).toBeNull();
    expect(execution.result).toBe(true);
    expect(execution.calls).toHaveLength(2);
  });

  it('makes 50 calls at once under an AbortSignal without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const execution = await gateway.execute(
        `import * as fs from './servers/filesystem';
         const all = await Promise.all(Array.from({ length: 50 }, () => fs.listAllowedDirectories()));
         export default all.length;`,
        { signal: new AbortController().signal },
      );
      expect(execution.error).toBeNull();
      expect(execution.result).toBe(50);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('runs QuickJS with memoryMb past what its build can address (capped at 2 GiB)', async () => {
    const execution = await gateway.execute('export default 1', { memoryMb: 4096 });
    expect(execution.error).toBeNull();
    expect(execution.result).toBe(1);
  });

  it('reports a syntax error with the line in the script', async () => {
    const execution = await gateway.execute('const a = 1;\nconst b = ;\n');
    expect(execution.error).toEqual({ code: 'SYNTAX_ERROR', message: 'script.ts:2:11: Unexpected ";"' });
    expect(execution.ok).toBe(false);
  });

  it.each([
    ['TIMEOUT', 'for (;;) {}'],
    [
      'TIMEOUT',
      `import * as fs from './servers/filesystem'; await fs.listAllowedDirectories(); while (true) {}`,
    ],
    ['MEMORY_LIMIT', `const a = []; for (;;) a.push(new Array(1e5).fill(1));`],
  ])('ends with %s and the next execution works', async (code, script) => {
    const execution = await gateway.execute(script);
    expect(execution.ok).toBe(false);
    expect(execution.error?.code).toBe(code);
    expect(execution.output).toContain(`Error [${code}]`);
    const next = await gateway.execute('export default "fine";');
    expect(next.result).toBe('fine');
  });

  it('cuts model-visible output to maxOutputTokens and says how much was cut', async () => {
    const execution = await gateway.execute(`
      import * as fs from './servers/filesystem';
      const { content } = await fs.listAllowedDirectories();
      const root = content.split('\\n')[1];
      const csv = await fs.readTextFile({ path: root + '/seattle-weather.csv' });
      export default csv.content;
    `);
    expect(execution.ok).toBe(true);
    expect(execution.truncated?.shownTokens).toBe(200);
    expect(execution.truncated?.totalTokens).toBeGreaterThan(10_000);
    expect(execution.output).toMatch(/\[toolscript: output cut to 200 of \d+ tokens\./);
    expect(countTokens(execution.output).tokens).toBeLessThan(260);
    expect((execution.result as string).length).toBeGreaterThan(40_000);
  });

  it('uses the execution limits passed per call', async () => {
    const execution = await gateway.execute('for (;;) {}', { timeoutMs: 100 });
    expect(execution.error?.code).toBe('TIMEOUT');
    expect(execution.error?.message).toContain('100 ms');
  });
});
