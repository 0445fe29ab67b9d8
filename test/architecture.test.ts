import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
type Rule = { imports?: string[] | '*'; types?: string[] };
const { LAYERS } = createRequire(import.meta.url)(resolve(ROOT, 'scripts/layers.cjs')) as {
  LAYERS: [string, Rule][];
};

/** docs/ARCHITECTURE.md's module table: name (as LAYERS spells it) → its "may import" cell. */
function documentedTable(): [string, string][] {
  const doc = readFileSync(resolve(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const rows: [string, string][] = [];
  for (const line of doc.split('\n')) {
    const cells = /^\|\s*`([^`]+)`\s*\|.*\|\s*([^|]+?)\s*\|$/.exec(line);
    if (cells?.[1] && cells[2]) rows.push([cells[1].replace(/\.ts$/, ''), cells[2].trim()]);
  }
  return rows;
}

/** A "may import" cell as the document writes it: "`a`, `b`; types: `c`". */
function cellOf({ imports = [], types = [] }: Rule): string {
  if (imports === '*') return 'anything; nothing imports it';
  const list = (names: string[]) => names.map((name) => `\`${name}\``).join(', ');
  const parts = [
    ...(imports.length ? [list(imports)] : []),
    ...(types.length ? [`types: ${list(types)}`] : []),
  ];
  return parts.join('; ') || 'nothing';
}

describe('the layers of src/ (scripts/layers.cjs)', () => {
  it('are the table docs/ARCHITECTURE.md shows, row by row', () => {
    expect(documentedTable()).toEqual(LAYERS.map(([name, rule]) => [name, cellOf(rule)]));
  });

  it('name every folder and file of src/, each once', () => {
    const names = LAYERS.map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    const entries = readdirSync(resolve(ROOT, 'src'), { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? `${entry.name}/` : entry.name.replace(/\.ts$/, ''),
    );
    expect([...names].sort()).toEqual(entries.sort());
  });

  it('keep every source file under 400 lines, and Gateway (src/gateway/gateway.ts) at 250 or fewer', () => {
    const root = resolve(ROOT, 'src');
    const lines = (file: string) => readFileSync(resolve(root, file), 'utf8').trimEnd().split('\n').length;
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
    expect(files.filter((file) => lines(file) > 400).map((file) => `${file}: ${lines(file)}`)).toEqual([]);
    expect(lines('gateway/gateway.ts')).toBeLessThanOrEqual(250);
  });
});
