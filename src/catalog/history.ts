import type { ToolChange, ToolDefinition } from './changes.js';
import { diffTools } from './changes.js';
import {
  definitionOf,
  fingerprintOf,
  isRecord,
  merge,
  renamedChange,
  successor,
  type ToolRecord,
  type ToolVersion,
  trim,
  versionsOf,
} from './history-records.js';
import { toolKey as keyOf, type SharedStore, ToolFiles } from './tool-files.js';

export type { ToolVersion } from './history-records.js';

/** What changed for a caller written against an earlier schema of a tool (see {@link ToolHistory.changesSince}). */
export interface ChangesSince {
  /** The version the caller was written against, and the tool's version now (under its new name after a rename). */
  from: ToolVersion;
  to: ToolVersion;
  /** The tool's current name: its own, or the new one after a rename. */
  tool: string;
  changes: ToolChange[];
}

const SHARED = 'tool-history';

/**
 * A version history of every upstream tool: each definition the gateway has seen, when, and the
 * change from the one before (see `changes.ts` for the classification and the derived versions).
 * Fed with each tool list a server returns ({@link observe}); a tool missing from a later list is
 * recorded as removed, or as renamed when a tool with the same input and output schemas and a
 * close name (or the one its deprecation note names) is there instead.
 *
 * Saved to `<dataDir>/tool-history.json`, or, with a session store, to its shared folder
 * `tool-history` (merged with what other replicas saw: snapshots are united by time).
 */
export class ToolHistory {
  private readonly records = new Map<string, ToolRecord>();
  private readonly dirty = new Set<string>();
  private saving: Promise<void> = Promise.resolve();
  private readonly files: ToolFiles<ToolRecord>;

  /**
   * @param file where the history is saved without a store (`undefined`: kept in memory only).
   * @param store a session store with a shared folder; then the file is not used.
   */
  constructor(file: string | undefined, store?: SharedStore) {
    this.files = new ToolFiles(file, store, SHARED, isRecord);
  }

  /** Loads the saved history; a missing or unreadable file starts empty. */
  async load(): Promise<void> {
    const take = (records: Map<string, ToolRecord>) => {
      for (const [key, record] of records) this.records.set(key, merge(this.records.get(key), record));
    };
    take(await this.files.load(take));
  }

  /**
   * Records a server's tool list as `tools/list` returned it (after the config's tool policy).
   * Saves in the background; {@link flush} waits for it.
   */
  observe(server: string, tools: readonly ToolDefinition[], serverVersion?: string): void {
    const now = new Date().toISOString();
    const current = new Map(tools.map((tool) => [tool.name, tool]));
    const fresh: string[] = [];
    for (const tool of tools) {
      const key = keyOf(server, tool.name);
      const record = this.records.get(key) ?? { server, tool: tool.name, base: '1.0.0', snapshots: [] };
      this.records.set(key, record);
      const last = record.snapshots.at(-1);
      const fingerprint = fingerprintOf(tool);
      if (last?.fingerprint === fingerprint) {
        last.lastSeen = now;
        if (serverVersion && last.serverVersions.at(-1) !== serverVersion)
          last.serverVersions.push(serverVersion);
      } else {
        if (!last || last.definition === null) fresh.push(tool.name);
        record.snapshots.push({
          fingerprint,
          definition: definitionOf(tool),
          firstSeen: now,
          lastSeen: now,
          serverVersions: serverVersion ? [serverVersion] : [],
        });
      }
      this.dirty.add(key);
    }
    for (const record of this.records.values()) {
      const last = record.snapshots.at(-1);
      if (record.server !== server || current.has(record.tool) || !last?.definition) continue;
      const renamedTo = successor(last.definition, tools, fresh);
      record.snapshots.push({
        fingerprint: 'removed',
        definition: null,
        firstSeen: now,
        lastSeen: now,
        serverVersions: serverVersion ? [serverVersion] : [],
        ...(renamedTo ? { renamedTo } : {}),
      });
      if (renamedTo) {
        const first = this.records.get(keyOf(server, renamedTo))?.snapshots.at(-1);
        if (first && first.firstSeen === now) first.renamedFrom = record.tool;
      }
      this.dirty.add(keyOf(server, record.tool));
    }
    for (const key of this.dirty) trim(this.records.get(key));
    this.saving = this.saving.then(() => this.save()).catch(() => {});
  }

  /** Tools with a history on `server`, by name. */
  tools(server: string): string[] {
    return [...this.records.values()]
      .filter((r) => r.server === server)
      .map((r) => r.tool)
      .sort();
  }

  /** The versions of a tool, oldest first; empty when it was never seen. */
  versions(server: string, tool: string): ToolVersion[] {
    const record = this.records.get(keyOf(server, tool));
    return record ? versionsOf(record) : [];
  }

  /**
   * What changed for a caller of `tool` written against the schema `hash`: the minor and major
   * changes from the last definition with that hash to the tool now, following a rename to the
   * new name.
   * @returns undefined when that schema was never seen, or nothing that matters changed since.
   */
  changesSince(server: string, tool: string, hash: string): ChangesSince | undefined {
    const record = this.records.get(keyOf(server, tool));
    const versions = this.versions(server, tool);
    let at = versions.length - 1;
    while (at >= 0 && versions[at]?.schemaHash !== hash) at--;
    if (!record || at < 0) return undefined;
    const old = record.snapshots[at]?.definition;
    let last = versions.at(-1) as ToolVersion;
    let now = record.snapshots.at(-1)?.definition ?? null;
    let name = tool;
    const changes: ToolChange[] = [];
    if (!now && last.renamedTo) {
      name = last.renamedTo;
      const renamed = this.records.get(keyOf(server, name));
      now = renamed?.snapshots.at(-1)?.definition ?? null;
      if (now) {
        changes.push(renamedChange(tool, name));
        last = this.versions(server, name).at(-1) as ToolVersion;
      }
    }
    if (!old) return undefined;
    if (!now) changes.push({ kind: 'tool-removed', level: 'major', text: `tool \`${tool}\` removed` });
    // Words alone (a patch) change nothing for a caller.
    else changes.push(...diffTools(old, { ...now, name: tool }).filter((c) => c.level !== 'patch'));
    if (!changes.length) return undefined;
    return { from: versions[at] as ToolVersion, to: last, tool: name, changes };
  }

  /** Waits for pending saves. */
  flush(): Promise<void> {
    return this.saving;
  }

  private async save(): Promise<void> {
    if (this.dirty.size === 0) return;
    const changed = [...this.dirty].flatMap((key) => this.records.get(key) ?? []);
    this.dirty.clear();
    const saved = await this.files.save(changed, () => this.records.values(), merge);
    for (const record of saved) this.records.set(keyOf(record.server, record.tool), record);
  }
}
