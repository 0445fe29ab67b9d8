/**
 * What changed between two definitions of a tool, in plain words, and how much it matters to a
 * caller, after semantic versioning (https://semver.org): `patch` for words only (title,
 * description, annotations), `minor` for what old calls survive (an optional argument added, an
 * enum widened, an output field added, a required argument made optional), `major` for what may
 * break them (a required argument added, an argument removed, renamed or retyped, an enum
 * narrowed, an output field removed or retyped, the tool renamed or removed). MCP tools carry no
 * version, so versions are derived: 1.0.0 for the first definition seen, then bumped per change.
 */

import { canonicalJson } from './catalog.js';

/** How much a change matters to a caller (semver's three levels). */
export type ChangeLevel = 'patch' | 'minor' | 'major';

/** A tool's definition as far as versions go: what `tools/list` returns. */
export interface ToolDefinition {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema: { properties?: Record<string, unknown> | undefined; required?: string[] | undefined } & Record<
    string,
    unknown
  >;
  outputSchema?: ({ properties?: Record<string, unknown> | undefined } & Record<string, unknown>) | undefined;
  annotations?: Record<string, unknown> | undefined;
}

/** One change between two definitions of a tool. */
export type ToolChange = { level: ChangeLevel; text: string } & (
  | { kind: 'docs' }
  | { kind: 'argument-added'; argument: string; required: boolean; default?: unknown }
  | { kind: 'argument-removed'; argument: string; required: boolean }
  | { kind: 'argument-renamed'; argument: string; to: string }
  | { kind: 'argument-retyped'; argument: string }
  | { kind: 'argument-required'; argument: string }
  | { kind: 'argument-optional'; argument: string }
  | { kind: 'enum-widened'; argument: string; values: unknown[] }
  | { kind: 'enum-narrowed'; argument: string; values: unknown[] }
  | { kind: 'output-added'; field: string }
  | { kind: 'output-removed'; field: string }
  | { kind: 'output-retyped'; field: string }
  | { kind: 'tool-renamed'; from: string; to: string }
  | { kind: 'tool-removed' }
);

const RANK: Record<ChangeLevel, number> = { patch: 0, minor: 1, major: 2 };

/** The highest level among `changes`; `undefined` when there is none. */
export function changeLevel(changes: readonly ToolChange[]): ChangeLevel | undefined {
  let level: ChangeLevel | undefined;
  for (const change of changes) if (!level || RANK[change.level] > RANK[level]) level = change.level;
  return level;
}

/** `version` bumped for a change of `level` (`1.4.2` → major `2.0.0`, minor `1.5.0`, patch `1.4.3`). */
export function bumpVersion(version: string, level: ChangeLevel): string {
  const [major = 1, minor = 0, patch = 0] = version.split('.').map(Number);
  if (level === 'major') return `${major + 1}.0.0`;
  if (level === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** Keywords that document a schema without constraining a value: a change to them is a patch. */
const DOC_KEYWORDS = new Set(['description', 'title', 'examples', 'default', '$comment', 'deprecated']);

/**
 * A schema's type with its documentation dropped (see {@link DOC_KEYWORDS}) and `enum` left out,
 * as canonical JSON: two arguments with equal keys take the same values, up to their enums.
 */
export function typeKey(schema: unknown): string {
  return canonical(schema, true);
}

function canonical(value: unknown, dropEnum: boolean): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, false)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !DOC_KEYWORDS.has(key) && !(dropEnum && key === 'enum'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, false)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The changes from `before` to `after`, most important first (major, minor, patch). Equal
 * definitions give none. Arguments are the top-level properties of `inputSchema`; an argument
 * removed and another added with the same type and a close name or description count as one
 * renamed (see {@link matchRenames}).
 */
export function diffTools(before: ToolDefinition, after: ToolDefinition): ToolChange[] {
  const changes: ToolChange[] = [];
  const oldArgs = before.inputSchema.properties ?? {};
  const newArgs = after.inputSchema.properties ?? {};
  const oldRequired = new Set(before.inputSchema.required ?? []);
  const newRequired = new Set(after.inputSchema.required ?? []);
  const removed = Object.keys(oldArgs).filter((name) => !Object.hasOwn(newArgs, name));
  const added = Object.keys(newArgs).filter((name) => !Object.hasOwn(oldArgs, name));
  const renames = matchRenames(
    removed.map((name) => ({ name, schema: oldArgs[name] })),
    added.map((name) => ({ name, schema: newArgs[name] })),
  );
  for (const [from, to] of renames) {
    changes.push({
      kind: 'argument-renamed',
      level: 'major',
      argument: from,
      to,
      text: `argument \`${from}\` renamed to \`${to}\``,
    });
    if (!oldRequired.has(from) && newRequired.has(to))
      changes.push(requiredChange(to, `argument \`${to}\` (was \`${from}\`) is now required`));
  }
  const renamedTo = new Set(renames.values());
  for (const name of removed) {
    if (renames.has(name)) continue;
    const required = oldRequired.has(name);
    changes.push({
      kind: 'argument-removed',
      level: 'major',
      argument: name,
      required,
      text: `${required ? 'required' : 'optional'} argument \`${name}\` removed`,
    });
  }
  for (const name of added) {
    if (renamedTo.has(name)) continue;
    const required = newRequired.has(name);
    const fallback = (newArgs[name] as { default?: unknown } | undefined)?.default;
    changes.push({
      kind: 'argument-added',
      level: required ? 'major' : 'minor',
      argument: name,
      required,
      ...(fallback !== undefined ? { default: fallback } : {}),
      text: `${required ? 'required' : 'optional'} argument \`${name}\` added${fallback !== undefined ? ` (default ${JSON.stringify(fallback)})` : ''}`,
    });
  }
  for (const name of Object.keys(oldArgs).filter((n) => Object.hasOwn(newArgs, n))) {
    changes.push(...argumentChanges(name, oldArgs[name], newArgs[name]));
    if (!oldRequired.has(name) && newRequired.has(name))
      changes.push(requiredChange(name, `argument \`${name}\` is now required`));
    if (oldRequired.has(name) && !newRequired.has(name))
      changes.push({
        kind: 'argument-optional',
        level: 'minor',
        argument: name,
        text: `argument \`${name}\` is now optional`,
      });
  }
  changes.push(...outputChanges(before.outputSchema, after.outputSchema));
  const kept = Object.keys(oldArgs).filter((n) => Object.hasOwn(newArgs, n));
  const fields = Object.keys(before.outputSchema?.properties ?? {}).filter((n) =>
    Object.hasOwn(after.outputSchema?.properties ?? {}, n),
  );
  if (canonicalJson(wordsOf(before, kept, fields)) !== canonicalJson(wordsOf(after, kept, fields))) {
    changes.push({ kind: 'docs', level: 'patch', text: docsText(before, after) });
  }
  return changes.sort((a, b) => RANK[b.level] - RANK[a.level]);
}

function requiredChange(argument: string, text: string): ToolChange {
  return { kind: 'argument-required', level: 'major', argument, text };
}

/** An argument kept under its name: retyped, or its enum widened or narrowed. */
function argumentChanges(name: string, before: unknown, after: unknown): ToolChange[] {
  if (typeKey(before) !== typeKey(after))
    return [
      { kind: 'argument-retyped', level: 'major', argument: name, text: `argument \`${name}\` retyped` },
    ];
  const oldEnum = (before as { enum?: unknown[] })?.enum;
  const newEnum = (after as { enum?: unknown[] })?.enum;
  if (!oldEnum && !newEnum) return [];
  // No enum is every value: losing one widens, gaining one narrows.
  const narrowed = newEnum ? (oldEnum ?? []).filter((v) => !includes(newEnum, v)) : [];
  const widened = oldEnum ? (newEnum ?? []).filter((v) => !includes(oldEnum, v)) : [];
  const changes: ToolChange[] = [];
  if (narrowed.length || (newEnum && !oldEnum))
    changes.push({
      kind: 'enum-narrowed',
      level: 'major',
      argument: name,
      values: narrowed,
      text: oldEnum
        ? `argument \`${name}\` no longer takes ${narrowed.map((v) => JSON.stringify(v)).join(', ')}`
        : `argument \`${name}\` now takes only ${newEnum?.map((v) => JSON.stringify(v)).join(', ')}`,
    });
  if (widened.length || (oldEnum && !newEnum))
    changes.push({
      kind: 'enum-widened',
      level: 'minor',
      argument: name,
      values: widened,
      text: newEnum
        ? `argument \`${name}\` also takes ${widened.map((v) => JSON.stringify(v)).join(', ')}`
        : `argument \`${name}\` takes any value now`,
    });
  return changes;
}

function includes(values: unknown[], value: unknown): boolean {
  const key = canonical(value, false);
  return values.some((v) => canonical(v, false) === key);
}

/** Output fields (top-level properties of `outputSchema`) added, removed or retyped. */
function outputChanges(
  before: ToolDefinition['outputSchema'],
  after: ToolDefinition['outputSchema'],
): ToolChange[] {
  if (!before && !after) return [];
  if (!before)
    return [{ kind: 'output-added', level: 'minor', field: '', text: 'an output schema declared' }];
  if (!after)
    return [{ kind: 'output-removed', level: 'major', field: '', text: 'the output schema removed' }];
  const oldFields = before.properties ?? {};
  const newFields = after.properties ?? {};
  const changes: ToolChange[] = [];
  for (const field of Object.keys(oldFields)) {
    if (!Object.hasOwn(newFields, field))
      changes.push({
        kind: 'output-removed',
        level: 'major',
        field,
        text: `output field \`${field}\` removed`,
      });
    else if (typeKey(oldFields[field]) !== typeKey(newFields[field]))
      changes.push({
        kind: 'output-retyped',
        level: 'major',
        field,
        text: `output field \`${field}\` retyped`,
      });
  }
  for (const field of Object.keys(newFields))
    if (!Object.hasOwn(oldFields, field))
      changes.push({ kind: 'output-added', level: 'minor', field, text: `output field \`${field}\` added` });
  return changes;
}

/**
 * The words of a definition, what a patch may change: its title, description and annotations, and
 * the documentation of the arguments in `kept` and the output fields in `fields` (those both
 * definitions have).
 */
function wordsOf(tool: ToolDefinition, kept: string[], fields: string[]): unknown {
  const pick = (properties: Record<string, unknown> | undefined, names: string[]) =>
    Object.fromEntries(names.map((name) => [name, properties?.[name]]));
  return {
    title: tool.title,
    description: tool.description,
    annotations: tool.annotations,
    input: docsOf(pick(tool.inputSchema.properties, kept)),
    output: docsOf(pick(tool.outputSchema?.properties, fields)),
  };
}

/** The documentation of a schema's top-level properties (their descriptions and titles). */
function docsOf(properties: Record<string, unknown> = {}): unknown {
  return Object.fromEntries(
    Object.entries(properties).map(([name, p]) => {
      const { description, title, examples, default: fallback } = (p ?? {}) as Record<string, unknown>;
      return [name, { description, title, examples, default: fallback }];
    }),
  );
}

function docsText(before: ToolDefinition, after: ToolDefinition): string {
  if ((before.description ?? '') !== (after.description ?? '')) return 'description changed';
  if ((before.title ?? '') !== (after.title ?? '')) return 'title changed';
  if (canonical(before.annotations, false) !== canonical(after.annotations, false))
    return 'annotations changed';
  return 'argument descriptions changed';
}

/** An argument (or a tool) as rename matching sees it. */
export interface Named {
  name: string;
  schema: unknown;
  description?: string | undefined;
}

/** Least name similarity (see {@link nameSimilarity}) for a rename without an equal description. */
export const RENAME_NAME_SIMILARITY = 1;

/**
 * Which removed arguments were renamed to which added ones. A pair qualifies when both have the
 * same type ({@link typeKey}, so an enum may differ) and either their names are close
 * ({@link nameSimilarity} at least {@link RENAME_NAME_SIMILARITY}: `path` → `file_path`,
 * `filePath` → `file_path`, `dir` → `directory`, but not `page` → `page_size`) or they have the same
 * description (not empty, ignoring case and spacing). Pairs are taken best first; a removed
 * argument with two equally good candidates is left unmatched (a guess would be wrong half the
 * time). Measured by `npm run bench:renames` on the real schemas of test/data/livemcpbench.
 * @returns removed name → added name.
 */
export function matchRenames(removed: Named[], added: Named[]): Map<string, string> {
  const pairs: { from: string; to: string; score: number }[] = [];
  for (const r of removed) {
    for (const a of added) {
      if (typeKey(r.schema) !== typeKey(a.schema)) continue;
      const names = nameSimilarity(r.name, a.name);
      const described = sameDescription(describe(r), describe(a));
      if (names < RENAME_NAME_SIMILARITY && !described) continue;
      pairs.push({ from: r.name, to: a.name, score: names + (described ? 1 : 0) });
    }
  }
  pairs.sort((x, y) => y.score - x.score);
  const matched = new Map<string, string>();
  const taken = new Set<string>();
  for (const pair of pairs) {
    if (matched.has(pair.from) || taken.has(pair.to)) continue;
    const rival = pairs.find(
      (p) => p !== pair && p.score === pair.score && (p.from === pair.from || p.to === pair.to),
    );
    if (rival && !matched.has(rival.from) && !taken.has(rival.to)) continue;
    matched.set(pair.from, pair.to);
    taken.add(pair.to);
  }
  return matched;
}

function describe(named: Named): string {
  return named.description ?? (named.schema as { description?: string } | undefined)?.description ?? '';
}

/** A name's words: split at `_`, `-`, `.`, `/` and camelCase humps, lower-cased. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_\-./]+/)
    .map((w) => w.toLowerCase())
    .filter(Boolean);
}

/**
 * How close two names are, 0 to 1: the share of the shorter name's words found in the other
 * (overlap coefficient), a word matching an equal word or one it starts (3 letters at least:
 * `dir` in `directory`); 0 when their last words (the thing named) differ. `path` and
 * `file_path` give 1; `page` and `page_size` 0 (a page is not a size); `limit` and `offset` 0.
 */
export function nameSimilarity(a: string, b: string): number {
  const x = nameWords(a);
  const y = nameWords(b);
  if (!x.length || !y.length) return 0;
  const same = (w: string, v: string) =>
    v === w || (w.length >= 3 && v.startsWith(w)) || (v.length >= 3 && w.startsWith(v));
  if (!same(x.at(-1) as string, y.at(-1) as string)) return 0;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return short.filter((w) => long.some((v) => same(w, v))).length / short.length;
}

/** True when two descriptions are the same text (ignoring case and spacing) and not empty. */
export function sameDescription(a: string, b: string): boolean {
  const norm = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();
  return norm(a) !== '' && norm(a) === norm(b);
}
