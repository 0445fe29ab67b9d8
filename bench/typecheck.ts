/**
 * Type-check benchmark, for choosing `sandbox.typecheck`'s default: check time after warm-up
 * (p50/p99), and what the checker says about scripts known to be right (the examples and the token
 * bench's workflow scripts, which all run): argument errors ("error" would stop a right script:
 * false errors) and other diagnostics ("warn" noise), before and after each script ran once, so
 * observed result types replace `unknown`.
 *
 * Also estimates what a known result shape saves: for each workflow, the tools it calls whose
 * shape the model could not see before (no outputSchema), and the tokens of the exploratory turn
 * an agent spends to learn one (a script that prints a sample, and that sample).
 *
 * Run: npm run bench:typecheck
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { ScriptTypechecker } from '../src/execution/typecheck.js';
import { createGateway } from '../src/gateway/create.js';
import { scanServerImports } from '../src/script/imports.js';
import { transpileScript } from '../src/script/transpile.js';
import { stdioServer } from '../test/support/servers.js';
import { median, percentile } from './support/stats.js';
import { DATA, prepareServers, ROOT } from './tokens/servers.js';
import { WORKFLOWS } from './tokens/workflows.js';

const work = join(tmpdir(), 'toolscript-bench-typecheck');
const servers = {
  ...(await prepareServers(work)),
  filesystem: stdioServer('@modelcontextprotocol/server-filesystem', 'dist/index.js', [DATA.examples]),
};
const scripts = [
  ...['mail-senders', 'memory-graph', 'weather-by-year'].map((name) => ({
    name: `examples/${name}.ts`,
    script: readFileSync(join(ROOT, 'examples', `${name}.ts`), 'utf8'),
  })),
  ...WORKFLOWS.map((w) => ({ name: `workflow ${w.name}`, script: w.script })),
];

const gateway = await createGateway(
  parseConfig({
    dataDir: join(work, 'data'),
    mcpServers: servers,
    sandbox: { timeoutMs: 600_000, memoryMb: 2048 },
    callTimeoutMs: 300_000,
  }),
);
const checker = new ScriptTypechecker(gateway.bindings);

async function checkAll() {
  const rows = [];
  for (const { name, script } of scripts) {
    const transpiled = await transpileScript(script);
    if (!transpiled.ok) throw new Error(`${name} does not transpile`);
    const result = await checker.check(script, scanServerImports(transpiled.code));
    rows.push({ name, ...result });
  }
  return rows;
}

try {
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const first = await checkAll();
  const coldMs = performance.now() - started;
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  // Warm: every script checked again 10 times; each check's own time.
  const times: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const { script } of scripts) {
      const used = scanServerImports(((await transpileScript(script)) as { code: string }).code);
      const t = performance.now();
      await checker.check(script, used);
      times.push(performance.now() - t);
    }
  }

  // Run each script once: tools without outputSchema get an observed result type.
  const unknownTools = new Map<string, string[]>();
  const sampleTokens = new Map<string, number>();
  for (const { name, script } of scripts) {
    const before = new Set(
      gateway.catalog
        .allTools()
        .filter((t) => !t.tool.outputSchema)
        .map((t) => `${t.server}/${t.tool.name}`),
    );
    const run = await gateway.execute(script, { typecheck: 'off' });
    if (!run.ok) throw new Error(`${name} failed: ${run.error?.message}`);
    const used = [...new Set(run.calls.map((c) => `${c.server}/${c.tool}`))].filter((t) => before.has(t));
    unknownTools.set(name, used);
    // An exploratory turn per tool of unknown shape: a script of about 60 tokens that prints one
    // result, and that result as the answer shows it (cut to maxOutputTokens, 4,000).
    let tokens = 0;
    for (const tool of used) {
      const [server, toolName] = tool.split('/') as [string, string];
      const call = run.calls.find((c) => c.server === server && c.tool === toolName);
      tokens += 60 + Math.min(4000, call?.resultTokens ?? 0);
    }
    sampleTokens.set(name, tokens);
  }
  await gateway.observed.flush();
  const second = await checkAll();

  console.log(`type-check benchmark: ${scripts.length} scripts that run correctly`);
  console.log(`  first check (cold: thread, TypeScript, lib files): ${coldMs.toFixed(0)} ms for all`);
  console.log(
    `  process RSS growth from the checker thread's first checks: ${(rssGrowth / 1024 / 1024).toFixed(0)} MiB`,
  );
  console.log(
    `  warm check: p50 ${median(times).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${times.length} checks)`,
  );
  console.log(
    '  script                          arg errors (before/after)   other diagnostics (before/after)   tools without outputSchema   est. exploratory tokens',
  );
  for (const [i, row] of first.entries()) {
    const after = second[i];
    console.log(
      `  ${row.name.padEnd(32)}${`${row.errors.length} / ${after?.errors.length}`.padStart(18)}${`${row.warnings.length} / ${after?.warnings.length}`.padStart(30)}${String(unknownTools.get(row.name)?.length ?? 0).padStart(26)}${String(sampleTokens.get(row.name) ?? 0).padStart(26)}`,
    );
  }
  const total = (rows: typeof first, key: 'errors' | 'warnings') =>
    rows.reduce((n, r) => n + r[key].length, 0);
  console.log(
    `  totals: arg errors ${total(first, 'errors')} / ${total(second, 'errors')}, other ${total(first, 'warnings')} / ${total(second, 'warnings')}`,
  );
  if (process.argv.includes('--show'))
    for (const row of [...first, ...second])
      for (const d of [...row.errors, ...row.warnings]) console.log(`  ${row.name}: ${d}`);
} finally {
  await checker.close();
  await gateway.close();
}
