/**
 * Python against TypeScript, for `npm run bench`: the one-time Pyodide snapshot, a cold Python
 * execution (an interpreter booted for it), a warm one (a pooled interpreter waiting), and the
 * 400-mail workflow in both languages on real server-filesystem over the SpamAssassin corpus.
 * Medians in ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { PythonSandbox } from '../src/sandbox/python/index.js';
import { MAIL_TOP_SENDERS_PY, MAIL_TOP_SENDERS_TS } from '../test/support/mail.js';
import { EASY_HAM, FILESYSTEM, stdioServer } from '../test/support/servers.js';
import { median } from './support/stats.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the Python rows, each through `report(name, value)`. */
export async function benchPython(report: (name: string, value: string) => void): Promise<void> {
  const cache = mkdtempSync(join(tmpdir(), 'toolscript-bench-pyodide-'));
  try {
    const started = performance.now();
    const fresh = await PythonSandbox.create({ memoryMb: 256, poolSize: 0, cacheDir: cache });
    report(
      'Python: Pyodide snapshot, once per Pyodide version (cached)',
      `${(performance.now() - started).toFixed(0)} ms`,
    );
    fresh.close();
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  const config = (pythonPool: number) =>
    parseConfig({
      mcpServers: { mail: stdioServer(...FILESYSTEM, [EASY_HAM]) },
      sandbox: { pythonPool, timeoutMs: 60_000 },
    });

  const cold = await createGateway(config(0));
  await cold.execute('1', { language: 'python' });
  const colds: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await cold.execute('6 * 7', { language: 'python' });
    colds.push(performance.now() - started);
  }
  report('Python: trivial execution, cold (an interpreter boots for it)', `${median(colds).toFixed(0)} ms`);
  await cold.close();

  const warm = await createGateway(config(2));
  await warm.execute('1', { language: 'python' });
  // Before each warm run, time for the pool to boot the interpreter that replaces the last one.
  const refill = () => pause(2_000);
  const warms: number[] = [];
  for (let i = 0; i < 10; i++) {
    await refill();
    const started = performance.now();
    const run = await warm.execute('6 * 7', { language: 'python' });
    if (run.result !== 42) throw new Error(`python bench: ${JSON.stringify(run.error)}`);
    warms.push(performance.now() - started);
  }
  report(
    'Python: trivial execution, warm (pooled interpreter; target at most 500)',
    `${median(warms).toFixed(1)} ms`,
  );

  const ts: number[] = [];
  const py: number[] = [];
  for (let i = 0; i < 4; i++) {
    const a = await warm.execute(MAIL_TOP_SENDERS_TS);
    await refill();
    const b = await warm.execute(MAIL_TOP_SENDERS_PY, { language: 'python' });
    if (!a.ok || !b.ok || JSON.stringify(a.result) !== JSON.stringify(b.result))
      throw new Error(`python bench: the workflows disagree: ${JSON.stringify([a.error, b.error])}`);
    if (i === 0) continue; // warm-up
    ts.push(a.ms);
    py.push(b.ms);
  }
  report('400-mail workflow, TypeScript (QuickJS)', `${median(ts).toFixed(0)} ms`);
  report('400-mail workflow, Python (Pyodide, warm)', `${median(py).toFixed(0)} ms`);
  report('400-mail workflow, Python / TypeScript', `${(median(py) / median(ts)).toFixed(2)}x`);
  await warm.close();
}
