import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { MAX_RUNS_PER_THREAD, ThreadedQuickJSSandbox } from '../src/sandbox/quickjs/threads.js';

const SPIN = 'while (true) {}';
const limits = { timeoutMs: 15_000, memoryMb: 64 };
const plain = { modules: {}, hostFunctions: {}, limits };

/** Largest gap between ticks of a 10 ms interval on this thread while `work` runs, in ms. */
async function largestGap<T>(work: Promise<T>): Promise<{ value: T; gap: number }> {
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 10);
  try {
    return { value: await work, gap };
  } finally {
    clearInterval(timer);
  }
}

describe('script threads', () => {
  let sandbox: ThreadedQuickJSSandbox;

  beforeAll(async () => {
    sandbox = await ThreadedQuickJSSandbox.create(2);
    // Start both threads before the tests, so thread start-up is not what they measure.
    await Promise.all([sandbox.run('export default 1', plain), sandbox.run('export default 2', plain)]);
  });

  afterAll(() => sandbox.close());

  it('a spinning script holds neither the event loop nor a trivial script on the other thread', async () => {
    const controller = new AbortController();
    let spinnerDone = false;
    const spinner = sandbox.run(SPIN, { ...plain, signal: controller.signal }).then((result) => {
      spinnerDone = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { value: results, gap } = await largestGap(
      Promise.all(Array.from({ length: 20 }, (_, i) => sandbox.run(`export default ${i} * 2`, plain))),
    );
    expect(results.map((result) => result.result)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    // The spinner is still running (its limit is 15 s), so the trivial scripts did not wait for it.
    expect(spinnerDone).toBe(false);
    expect(gap).toBeLessThan(1_000);
    controller.abort();
    const stopped = await spinner;
    expect(stopped.error?.code).toBe('CANCELLED');
    expect(stopped.ms).toBeLessThan(limits.timeoutMs);
  });

  it('cancels a spinning script at once, and the thread takes new runs after it', async () => {
    const controller = new AbortController();
    const run = sandbox.run('let i = 0; for (;;) i++;', { ...plain, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const abortedAt = performance.now();
    controller.abort();
    const result = await run;
    expect(result.error?.code).toBe('CANCELLED');
    expect(performance.now() - abortedAt).toBeLessThan(limits.timeoutMs / 2);
    const again = await Promise.all([
      sandbox.run('export default "a"', plain),
      sandbox.run('export default "b"', plain),
    ]);
    expect(again.map((r) => r.result)).toEqual(['a', 'b']);
    expect(sandbox.threadCount).toBe(2);
  });

  it('host calls and module imports cross threads; a host error keeps its code and fields', async () => {
    const result = await sandbox.run(
      `import { twice } from './lib';
       let caught;
       try { await __host.fail(); } catch (e) { caught = { name: e.name, code: e.code, tool: e.tool }; }
       export default { sum: twice(await __host.add(2, 3)), caught };`,
      {
        modules: { 'lib/index': 'export const twice = (n) => n * 2;' },
        hostFunctions: {
          add: async (a, b) => Number(a) + Number(b),
          fail: async () => {
            throw Object.assign(new Error('no such row'), { code: 'TOOL_ERROR', details: { tool: 'rows' } });
          },
        },
        limits,
      },
    );
    expect(result.error).toBeNull();
    expect(result.result).toEqual({ sum: 10, caught: { name: 'Error', code: 'TOOL_ERROR', tool: 'rows' } });
  });

  it('a result too deep to pass between threads ends with a clear error, not a hang', async () => {
    const result = await sandbox.run(
      'let v = 1; for (let i = 0; i < 100000; i++) v = [v]; export default v;',
      plain,
    );
    expect(result.ms).toBeLessThan(limits.timeoutMs);
    expect(result.error?.code).toBe('RUNTIME_ERROR');
    expect(result.error?.message).toMatch(/smaller, flatter value|could not/);
    expect((await sandbox.run('export default "next"', plain)).result).toBe('next');
  });
});

describe('runs beyond what the threads hold', () => {
  it('wait for a place, can be cancelled while waiting, and all finish', async () => {
    const sandbox = await ThreadedQuickJSSandbox.create(1);
    try {
      const releases: (() => void)[] = [];
      const hostFunctions = {
        hold: () => new Promise<undefined>((resolve) => releases.push(() => resolve(undefined))),
      };
      const total = MAX_RUNS_PER_THREAD + 6;
      const controller = new AbortController();
      const runs = Array.from({ length: total }, (_, i) =>
        sandbox.run(`await __host.hold(); export default ${i};`, {
          modules: {},
          hostFunctions,
          limits,
          ...(i === total - 1 ? { signal: controller.signal } : {}),
        }),
      );
      while (releases.length < MAX_RUNS_PER_THREAD) await new Promise((r) => setTimeout(r, 20));
      expect(sandbox.queued).toBe(6);
      controller.abort();
      expect((await runs[total - 1])?.error?.code).toBe('CANCELLED');
      expect(sandbox.queued).toBe(5);
      // Releasing the held runs lets the waiting ones in; each is released as it arrives.
      const releaser = setInterval(() => {
        for (const release of releases.splice(0)) release();
      }, 10);
      const results = await Promise.all(runs.slice(0, total - 1));
      clearInterval(releaser);
      expect(results.map((r) => r.result)).toEqual(Array.from({ length: total - 1 }, (_, i) => i));
      expect(sandbox.queued).toBe(0);
    } finally {
      await sandbox.close();
    }
  });
});

describe('a module answer that comes too late', () => {
  it('fails that import with a clear error, and is never taken for a later import', async () => {
    const sandbox = await ThreadedQuickJSSandbox.create(1);
    try {
      let slow = true;
      const modules = (path: string) => {
        if (slow && path === 'late/index') {
          slow = false;
          // The main thread is too busy to answer within the thread's wait (10 s).
          const until = Date.now() + 10_500;
          while (Date.now() < until) {}
        }
        return path.endsWith('index') ? `export const name = ${JSON.stringify(path)};` : undefined;
      };
      const late = await sandbox.run("import { name } from './late'; export default name;", {
        modules,
        hostFunctions: {},
        limits: { timeoutMs: 25_000, memoryMb: 64 },
      });
      expect(late.error?.message).toMatch(/did not provide module 'late\/index' within 10 s/);
      // The late answer to 'late/index' is still queued for the thread: the next import must not take it.
      const next = await sandbox.run("import { name } from './other'; export default name;", {
        modules,
        hostFunctions: {},
        limits,
      });
      expect(next.result).toBe('other/index');
    } finally {
      await sandbox.close();
    }
  }, 30_000);
});

describe('a gateway with script threads (the default)', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await createGateway(
      parseConfig({ mcpServers: {}, sandbox: { threads: 2, timeoutMs: 10_000 } }),
    );
  });

  afterAll(() => gateway.close());

  it('another session answers while one session spins until its time limit', async () => {
    const spinner = gateway.execute(SPIN, { session: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    let spinnerDone = false;
    void spinner.then(() => {
      spinnerDone = true;
    });
    const { value, gap } = await largestGap(gateway.execute('export default "b answers"', { session: 'b' }));
    expect(value.result).toBe('b answers');
    expect(spinnerDone).toBe(false);
    expect(gap).toBeLessThan(1_000);
    expect((await spinner).error?.code).toBe('TIMEOUT');
  });
});
