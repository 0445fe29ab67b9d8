/**
 * How well `matchRenames` (src/catalog/changes.ts) tells a renamed argument from one removed and
 * another added, on the 527 real tools of test/data/livemcpbench (run: npm run bench:renames).
 *
 * - Renames (should match): every argument renamed the ways servers rename them: camelCase to
 *   snake_case or back (`filePath` ↔ `file_path`), a qualifier added from the tool's name
 *   (`path` → `file_path` in `read_file`), a qualifier dropped (`file_path` → `path`), an
 *   abbreviation spelt out (`dir` → `directory`). Same schema; measured with the description kept
 *   and with it removed (the name rule alone).
 * - Unrelated pairs (should not match): every two different arguments of one tool with the same
 *   type, as if the first were removed and the second added.
 *
 * Prints the share of renames found (recall) and of unrelated pairs taken for renames (false
 * positives), and the precision over both.
 */
import { matchRenames, nameWords, typeKey } from '../src/catalog/changes.js';
import { loadLiveMcpBenchCatalog } from '../test/support/livemcpbench.js';

const ABBREVIATIONS: Record<string, string> = {
  dir: 'directory',
  msg: 'message',
  num: 'number',
  max: 'maximum',
  min: 'minimum',
  repo: 'repository',
  desc: 'description',
  src: 'source',
  dst: 'destination',
  id: 'identifier',
  q: 'query',
};

const snake = (words: string[]) => words.join('_');
const camel = (words: string[]) => words.map((w, i) => (i ? w[0]?.toUpperCase() + w.slice(1) : w)).join('');

/** The renamed forms of `name` in tool `tool`, each with the pattern it follows. */
function renamesOf(name: string, tool: string): [string, string][] {
  const words = nameWords(name);
  const out: [string, string][] = [];
  const isSnake = name.includes('_');
  if (words.length > 1) out.push(['case', isSnake ? camel(words) : snake(words)]);
  const noun = nameWords(tool).find(
    (w) =>
      w.length >= 3 &&
      !words.includes(w) &&
      !/^(get|set|list|read|write|create|delete|update|search|find|fetch|run)$/.test(w),
  );
  if (noun)
    out.push([
      'qualifier added',
      isSnake || words.length === 1 ? snake([noun, ...words]) : camel([noun, ...words]),
    ]);
  if (words.length > 1) out.push(['qualifier dropped', words.at(-1) as string]);
  const spelt = words.map((w) => ABBREVIATIONS[w] ?? w);
  if (spelt.join() !== words.join())
    out.push(['abbreviation spelt out', isSnake || words.length === 1 ? snake(spelt) : camel(spelt)]);
  return out.filter(([, renamed]) => renamed !== name);
}

const catalog = loadLiveMcpBenchCatalog();
const withoutDescription = (schema: unknown) => {
  const { description: _d, ...rest } = (schema ?? {}) as Record<string, unknown>;
  return rest;
};
const found = { described: 0, bare: 0 };
const byPattern = new Map<string, { total: number; bare: number }>();
let renames = 0;
let unrelated = 0;
let falsePositives = 0;
for (const { tool } of catalog.allTools()) {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, unknown>;
  const names = Object.keys(properties);
  for (const name of names) {
    const schema = properties[name];
    for (const [pattern, renamed] of renamesOf(name, tool.name)) {
      if (names.includes(renamed)) continue;
      renames++;
      const row = byPattern.get(pattern) ?? { total: 0, bare: 0 };
      byPattern.set(pattern, row);
      row.total++;
      if (matchRenames([{ name, schema }], [{ name: renamed, schema }]).get(name) === renamed)
        found.described++;
      const bare = withoutDescription(schema);
      if (matchRenames([{ name, schema: bare }], [{ name: renamed, schema: bare }]).get(name) === renamed) {
        found.bare++;
        row.bare++;
      }
    }
    for (const other of names) {
      if (other === name || typeKey(properties[other]) !== typeKey(schema)) continue;
      unrelated++;
      if (matchRenames([{ name, schema }], [{ name: other, schema: properties[other] }]).size)
        falsePositives++;
    }
  }
}
const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
const rows: [string, string][] = [
  ['tools', String(catalog.allTools().length)],
  ['renames tried', String(renames)],
  ['renames found, description kept', `${found.described} (${pct(found.described, renames)})`],
  ['renames found, names alone', `${found.bare} (${pct(found.bare, renames)})`],
  ...[...byPattern].map(([pattern, row]): [string, string] => [
    `  names alone, ${pattern}`,
    `${row.bare} of ${row.total} (${pct(row.bare, row.total)})`,
  ]),
  ['unrelated same-type pairs', String(unrelated)],
  ['unrelated pairs taken for renames', `${falsePositives} (${pct(falsePositives, unrelated)})`],
  ['precision (description kept)', pct(found.described, found.described + falsePositives)],
];
for (const [name, value] of rows) process.stderr.write(`  ${name}: ${value}\n`);
console.log(JSON.stringify(Object.fromEntries(rows), null, 2));
