/**
 * Codegen benchmark: what a model reads per tool, toolscript against Cloudflare's code mode, on the
 * same 527 LiveMCPBench schemas and in one run. Counts o200k_base tokens per tool (one unit per
 * tool: toolscript's compact binding, as `search_tools` detail "full" shows it; Cloudflare's
 * `generateTypesFromJsonSchema` of that one tool), compiles every unit under `--strict` with
 * `noUncheckedIndexedAccess` and `exactOptionalPropertyTypes`, counts descriptions that do not
 * appear, checks toolscript's enums and optionality with the TypeScript checker, and renders the
 * 14 tools of the real `@modelcontextprotocol/server-filesystem` both ways.
 *
 * Run: npm run bench:codegen
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/server';
import { countTokens } from '../src/accounting/tokens.js';
import { type BindingSpec, renderBinding } from '../src/codegen/binding.js';
import { renderCompactBinding } from '../src/codegen/compact.js';
import { planBindings } from '../src/codegen/tree.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { renderSearch } from '../src/session/search-tools.js';
import { checkUnits, lostDescriptions, recursiveRefs } from '../test/support/codegen-checks.js';
import { loadLiveMcpBenchCatalog } from '../test/support/livemcpbench.js';
import { median, percentile } from './support/stats.js';

type Generate = (
  tools: Record<string, { description?: string; inputSchema: unknown; outputSchema?: unknown }>,
) => string;

/** `generateTypesFromJsonSchema` of the pinned @cloudflare/codemode (its main entry needs Workers). */
async function cloudflare(): Promise<{ generate: Generate; version: string }> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@cloudflare/codemode');
  const { readdirSync, readFileSync } = await import('node:fs');
  const dist = dirname(entry);
  const chunk = readdirSync(dist).find((f) => /^json-schema-types-.*\.js$/.test(f));
  if (!chunk) throw new Error('@cloudflare/codemode changed its layout: no json-schema-types chunk');
  const module = (await import(join(dist, chunk))) as Record<string, unknown>;
  const generate = Object.values(module).find(
    (f): f is Generate => typeof f === 'function' && f.name === 'generateTypesFromJsonSchema',
  );
  if (!generate) throw new Error('@cloudflare/codemode: generateTypesFromJsonSchema not found');
  const version = (JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string })
    .version;
  return { generate, version };
}

function peerUnit(generate: Generate, tool: Tool): string {
  return generate({
    [tool.name]: {
      ...(tool.description ? { description: tool.description } : {}),
      inputSchema: tool.inputSchema,
      ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
    },
  });
}

const tokens = (text: string) => countTokens(text).tokens;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function row(label: string, values: string[]): void {
  console.log(`  ${label.padEnd(42)}${values.map((v) => v.padStart(18)).join('')}`);
}

const peer = await cloudflare();
const catalog = loadLiveMcpBenchCatalog();
const specs: BindingSpec[] = planBindings(catalog).flatMap((server) => server.bindings);
const ours = specs.map((spec) => renderCompactBinding(spec));
const before = await Promise.all(specs.map((spec) => renderBinding(spec)));
const theirs = specs.map((spec) => peerUnit(peer.generate, spec.tool));

const counts = { ours: ours.map(tokens), before: before.map(tokens), theirs: theirs.map(tokens) };
const oursCheck = checkUnits(
  ours.map((source) => `${source}\nexport {};\n`),
  specs,
);
const beforeCheck = checkUnits(
  before.map((source) =>
    source.replace(
      "import { callTool } from '../../client';",
      'declare function callTool(s: string, t: string, i: unknown): Promise<unknown>;',
    ),
  ),
  undefined,
);
const theirsCheck = checkUnits(
  theirs.map((source) => `${source}\nexport {};\n`),
  undefined,
);
const recursive = recursiveRefs(specs);

console.log(`codegen benchmark: ${specs.length} LiveMCPBench tools, o200k_base tokens, one unit per tool`);
row('', ['toolscript', 'before', `cloudflare ${peer.version}`]);
row(
  'total tokens',
  [counts.ours, counts.before, counts.theirs].map((c) => sum(c).toLocaleString('en-US')),
);
row(
  'tokens per tool, median / p90',
  [counts.ours, counts.before, counts.theirs].map(
    (c) => `${Math.round(median(c))} / ${Math.round(percentile(c, 90))}`,
  ),
);
row(
  'compile strict (units without errors)',
  [oursCheck, beforeCheck, theirsCheck].map((c) => `${c.compiled}/${specs.length}`),
);
row(
  'descriptions lost',
  [ours, before, theirs].map((units) => String(lostDescriptions(specs, units).length)),
);
row('recursive $ref kept (named type)', [
  `${recursive.filter((i) => /^type \w+ = /m.test(ours[i] ?? '')).length}/${recursive.length}`,
  '-',
  `${recursive.filter((i) => !/unknown\[\]|Record<string, unknown>/.test(theirs[i] ?? '')).length}/${recursive.length}`,
]);
row('lost enums / wrong optionality (checker)', [
  `${oursCheck.lostEnums} / ${oursCheck.wrongOptional}`,
  '-',
  '-',
]);
if (oursCheck.errors.length)
  console.log(`  first compile errors (toolscript):\n    ${oursCheck.errors.slice(0, 5).join('\n    ')}`);
const lost = lostDescriptions(specs, ours);
if (lost.length)
  console.log(`  lost descriptions (toolscript), first 5:\n    ${lost.slice(0, 5).join('\n    ')}`);
if (oursCheck.problems.length)
  console.log(`  enum/optionality problems, first 5:\n    ${oursCheck.problems.slice(0, 5).join('\n    ')}`);

// The real server-filesystem, through a gateway: search_tools detail "full" for all its tools.
const folder = (await import('node:os')).tmpdir();
const require = createRequire(import.meta.url);
const filesystemBin = join(
  dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')),
  'dist/index.js',
);
const gateway = await createGateway(
  parseConfig({ mcpServers: { filesystem: { command: process.execPath, args: [filesystemBin, folder] } } }),
);
try {
  const hits = await gateway.search('', { server: 'filesystem', detail: 'full', limit: 100 });
  const answer = renderSearch('', hits);
  const tools = gateway.catalog.getServer('filesystem')?.tools ?? [];
  const peerAll = peer.generate(
    Object.fromEntries(
      tools.map((t) => [
        t.name,
        {
          ...(t.description ? { description: t.description } : {}),
          inputSchema: t.inputSchema,
          ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
        },
      ]),
    ),
  );
  console.log(`server-filesystem, ${tools.length} tools, search_tools detail "full" (one answer):`);
  row('', ['toolscript', '', `cloudflare ${peer.version}`]);
  row('tokens', [String(tokens(answer)), '', String(tokens(peerAll))]);
  if (process.argv.includes('--show')) console.log(`\n${answer}\n`);
} finally {
  await gateway.close();
}
