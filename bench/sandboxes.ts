/**
 * Sandbox backends side by side: cold start (a trivial script in a fresh runtime, or a fresh
 * subprocess for Deno) and a CPU-heavy workflow — 200,000 real flight rows (vega-datasets
 * flights-200k.json) handed to the script by a host function, filtered and aggregated there.
 * Prints medians and the Deno/QuickJS ratio. Run with `npm run bench:sandboxes`.
 */
import { readFileSync } from 'node:fs';
import type { HostFunction, JsonValue, Sandbox } from '../src/sandbox/contract.js';
import { DenoSandbox } from '../src/sandbox/deno/index.js';
import { QuickJSSandbox } from '../src/sandbox/quickjs/index.js';
import { packageFile } from '../test/support/servers.js';
import { median } from './support/stats.js';

const flights = JSON.parse(readFileSync(packageFile('vega-datasets', 'data/flights-200k.json'), 'utf8')) as {
  delay: number;
  distance: number;
  time: number;
}[];
const rows: HostFunction = async () => flights as unknown as JsonValue;

const HEAVY = `const rows = await __host.rows();
const late = rows.filter((r) => r.delay > 15 && r.distance > 500);
const byHour = {};
for (const r of late) byHour[Math.floor(r.time)] = (byHour[Math.floor(r.time)] ?? 0) + r.delay;
const top = Object.entries(byHour).sort((a, b) => b[1] - a[1]).slice(0, 3);
export default { rows: rows.length, late: late.length, top };`;

async function time(sandbox: Sandbox, code: string, runs: number): Promise<{ ms: number; result: unknown }> {
  const times: number[] = [];
  let result: unknown;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const run = await sandbox.run(code, {
      modules: {},
      hostFunctions: { rows },
      limits: { timeoutMs: 120_000, memoryMb: 1024 },
    });
    times.push(performance.now() - started);
    if (!run.ok) throw new Error(`${run.error?.code}: ${run.error?.message}`);
    result = run.result;
  }
  return { ms: median(times), result };
}

const backends: [string, Sandbox][] = [
  ['quickjs', await QuickJSSandbox.create()],
  ['deno', await DenoSandbox.create()],
];
process.stderr.write(
  `sandbox backends: cold start and filtering ${flights.length.toLocaleString('en-US')} rows (medians)\n`,
);
const figures: Record<string, { coldMs: number; heavyMs: number }> = {};
let reference: unknown;
for (const [name, sandbox] of backends) {
  await time(sandbox, 'export default 1', 3); // warm-up
  const cold = await time(sandbox, 'export default 1', 20);
  const heavy = await time(sandbox, HEAVY, 5);
  reference ??= heavy.result;
  if (JSON.stringify(heavy.result) !== JSON.stringify(reference))
    throw new Error(`${name} gave another answer`);
  figures[name] = { coldMs: cold.ms, heavyMs: heavy.ms };
  process.stderr.write(
    `  ${name.padEnd(8)} cold start ${cold.ms.toFixed(1)} ms, 200k-row workflow ${heavy.ms.toFixed(0)} ms\n`,
  );
}
const q = figures.quickjs as { coldMs: number; heavyMs: number };
const d = figures.deno as { coldMs: number; heavyMs: number };
process.stdout.write(
  `${JSON.stringify(
    {
      rows: flights.length,
      answer: reference,
      quickjs: q,
      deno: d,
      ratios: { coldStart: d.coldMs / q.coldMs, workflow: d.heavyMs / q.heavyMs },
    },
    null,
    2,
  )}\n`,
);
