/**
 * The tool history's records (see `history.ts`): the snapshots of one tool as persisted, the
 * versions derived from them, the tool that took a removed one's place, and the merging of two
 * replicas' copies.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, schemaHash } from './catalog.js';
import {
  bumpVersion,
  type ChangeLevel,
  changeLevel,
  diffTools,
  nameSimilarity,
  RENAME_NAME_SIMILARITY,
  type ToolChange,
  type ToolDefinition,
  typeKey,
} from './changes.js';
import { deprecationNote } from './deprecated.js';

/** One definition of a tool as it was seen, or its absence (`definition: null`, the tool removed). */
export interface Snapshot {
  /** SHA-256 (12 hex digits) of the whole definition, words included. */
  fingerprint: string;
  definition: ToolDefinition | null;
  /** ISO 8601: when this definition was first and last seen. */
  firstSeen: string;
  lastSeen: string;
  /** The server's `serverInfo.version` values while this definition was current, in order. */
  serverVersions: string[];
  /** A removal that is a rename: the tool's new name. */
  renamedTo?: string;
  /** The first definition of a tool that is another renamed: its old name. */
  renamedFrom?: string;
}

/** One tool's history as persisted. */
export interface ToolRecord {
  server: string;
  tool: string;
  /** Version of the first snapshot kept (older ones are dropped past {@link MAX_SNAPSHOTS}). */
  base: string;
  snapshots: Snapshot[];
}

/** One version of a tool, as {@link ToolHistory.versions} derives it. */
export interface ToolVersion {
  /** Derived semantic version: 1.0.0 for the first definition seen, then bumped per change. */
  version: string;
  /** The catalog's schema hash of this definition (`''` for a removal). */
  schemaHash: string;
  /** ISO 8601. */
  firstSeen: string;
  lastSeen: string;
  /** The server's `serverInfo.version` values while this version was current. */
  serverVersions: string[];
  /** What changed from the version before (empty for the first). */
  changes: ToolChange[];
  /** The highest level of `changes`; undefined for the first version. */
  level?: ChangeLevel;
  /** True when the tool was removed (or renamed: `renamedTo`). */
  removed?: true;
  renamedTo?: string;
  renamedFrom?: string;
}

/** Snapshots kept per tool; the oldest go first. */
const MAX_SNAPSHOTS = 100;

/** A record's snapshots as versions: each change from the one before, and the version it bumps to. */
export function versionsOf(record: ToolRecord): ToolVersion[] {
  const { tool } = record;
  const versions: ToolVersion[] = [];
  let previous: Snapshot | undefined;
  let version = record.base;
  for (const snapshot of record.snapshots) {
    let changes: ToolChange[] = [];
    if (previous?.definition && !snapshot.definition) {
      changes = snapshot.renamedTo
        ? [renamedChange(tool, snapshot.renamedTo)]
        : [{ kind: 'tool-removed', level: 'major', text: `tool \`${tool}\` removed` }];
    } else if (previous?.definition && snapshot.definition) {
      changes = diffTools(previous.definition, snapshot.definition);
    } else if (previous && snapshot.definition) {
      // Back after a removal: a new major version, whatever it looks like.
      changes = [{ kind: 'docs', level: 'major', text: `tool \`${tool}\` back after its removal` }];
    }
    const level = changeLevel(changes);
    if (previous && level) version = bumpVersion(version, level);
    versions.push({
      version,
      schemaHash: snapshot.definition ? schemaHash(snapshot.definition) : '',
      firstSeen: snapshot.firstSeen,
      lastSeen: snapshot.lastSeen,
      serverVersions: snapshot.serverVersions,
      changes,
      ...(level && previous ? { level } : {}),
      ...(snapshot.definition ? {} : { removed: true as const }),
      ...(snapshot.renamedTo ? { renamedTo: snapshot.renamedTo } : {}),
      ...(snapshot.renamedFrom ? { renamedFrom: snapshot.renamedFrom } : {}),
    });
    previous = snapshot;
  }
  return versions;
}

export function renamedChange(from: string, to: string): ToolChange {
  return { kind: 'tool-renamed', level: 'major', from, to, text: `tool \`${from}\` renamed to \`${to}\`` };
}

/**
 * The tool that took a removed tool's place: one with the same input and output types whose
 * name is close (or that the removed tool's deprecation note names); one that is new in this list
 * beats one that was there before. Two equally good candidates are no answer.
 */
export function successor(
  gone: ToolDefinition,
  tools: readonly ToolDefinition[],
  fresh: string[],
): string | undefined {
  const note = deprecationNote(gone) ?? '';
  const shape = (t: ToolDefinition) => `${typeKey(t.inputSchema)}|${typeKey(t.outputSchema ?? null)}`;
  const wanted = shape(gone);
  const scored = tools
    .filter((t) => shape(t) === wanted)
    .map((t) => {
      const named = new RegExp(`\\b${t.name.replace(/[^\w]/g, '\\$&')}\\b`).test(note);
      const close = nameSimilarity(gone.name, t.name);
      return {
        name: t.name,
        score: (named ? 4 : 0) + (fresh.includes(t.name) ? 2 : 0) + close,
        named,
        close,
      };
    })
    .filter((c) => c.named || c.close >= RENAME_NAME_SIMILARITY)
    .sort((a, b) => b.score - a.score);
  const [best, next] = scored;
  if (!best || (next && next.score === best.score)) return undefined;
  return best.name;
}

/** Two copies of a record united: snapshots by time, a run of equal definitions as one. */
export function merge(a: ToolRecord | undefined, b: ToolRecord): ToolRecord {
  if (!a) return b;
  const all = [...a.snapshots, ...b.snapshots].sort((x, y) =>
    x.firstSeen < y.firstSeen ? -1 : x.firstSeen > y.firstSeen ? 1 : 0,
  );
  const snapshots: Snapshot[] = [];
  for (const snapshot of all) {
    const last = snapshots.at(-1);
    if (last && last.fingerprint === snapshot.fingerprint) {
      if (snapshot.lastSeen > last.lastSeen) last.lastSeen = snapshot.lastSeen;
      for (const v of snapshot.serverVersions)
        if (!last.serverVersions.includes(v)) last.serverVersions.push(v);
      if (snapshot.renamedTo && !last.renamedTo) last.renamedTo = snapshot.renamedTo;
      if (snapshot.renamedFrom && !last.renamedFrom) last.renamedFrom = snapshot.renamedFrom;
    } else snapshots.push({ ...snapshot, serverVersions: [...snapshot.serverVersions] });
  }
  const record = { ...b, base: older(a.base, b.base), snapshots };
  trim(record);
  return record;
}

/** The lower of two versions (`1.10.0` is above `1.9.0`). */
function older(a: string, b: string): string {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0) ? a : b;
  return a;
}

/** Drops the oldest snapshots past {@link MAX_SNAPSHOTS}, keeping the versions of the rest. */
export function trim(record: ToolRecord | undefined): void {
  if (!record || record.snapshots.length <= MAX_SNAPSHOTS) return;
  const versions = versionsOf(record);
  const drop = record.snapshots.length - MAX_SNAPSHOTS;
  record.base = versions[drop]?.version ?? record.base;
  record.snapshots.splice(0, drop);
}

/** The parts of a tool that versions are about (what `tools/list` says of it). */
export function definitionOf(tool: ToolDefinition): ToolDefinition {
  return {
    name: tool.name,
    ...(tool.title !== undefined ? { title: tool.title } : {}),
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
}

export function fingerprintOf(tool: ToolDefinition): string {
  return createHash('sha256')
    .update(canonicalJson(definitionOf(tool)))
    .digest('hex')
    .slice(0, 12);
}

export function isRecord(value: unknown): value is ToolRecord {
  const r = value as ToolRecord;
  return (
    Boolean(r) &&
    typeof r.server === 'string' &&
    typeof r.tool === 'string' &&
    typeof r.base === 'string' &&
    Array.isArray(r.snapshots)
  );
}
