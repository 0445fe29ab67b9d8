import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SessionStore } from '../store/store.js';
import { writeFileAtomic } from '../util/atomic.js';

/** What {@link ToolFiles} needs of a session store. */
export type SharedStore = Pick<SessionStore, 'getShared' | 'updateShared' | 'publish' | 'subscribe'>;

/** An entry kept per upstream tool. */
export interface PerTool {
  server: string;
  tool: string;
}

/** The key of a tool's entry: server and tool name, which neither can forge. */
export function toolKey(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}

/**
 * Where the gateway keeps what it learns per tool (observed result types, the tools' history):
 * one JSON file of all entries in the data folder, or, with a session store, its shared folder
 * `name` with one file per tool, which every replica reads and is told of on each change.
 */
export class ToolFiles<T extends PerTool> {
  /**
   * @param file the JSON file without a store (`undefined`: kept in memory only).
   * @param isEntry checks an entry read back (a bad one is skipped).
   */
  constructor(
    private readonly file: string | undefined,
    private readonly store: SharedStore | undefined,
    private readonly name: string,
    private readonly isEntry: (value: unknown) => value is T,
  ) {}

  /**
   * Reads the saved entries; a missing or unreadable file reads as none. With a store, `onChange`
   * gets the store's entries each time a replica saves.
   */
  async load(onChange: (entries: Map<string, T>) => void): Promise<Map<string, T>> {
    if (this.store) {
      const entries = await this.readShared();
      await this.store.subscribe(this.name, () => void this.readShared().then(onChange, () => {}));
      return entries;
    }
    const entries = new Map<string, T>();
    if (!this.file) return entries;
    try {
      const saved = JSON.parse(await readFile(this.file, 'utf8')) as unknown[];
      for (const entry of saved)
        if (this.isEntry(entry)) entries.set(toolKey(entry.server, entry.tool), entry);
    } catch {}
    return entries;
  }

  /**
   * Saves entries. With a store, each of `changed` is merged with the store's copy first (`merge`)
   * and the replicas are told; without, the file is rewritten with `all`.
   * @returns the entries as saved (merged, with a store).
   */
  async save(
    changed: T[],
    all: () => Iterable<T>,
    merge: (theirs: T | undefined, mine: T) => T,
  ): Promise<T[]> {
    if (this.store) {
      const remote = await this.readShared();
      const files = new Map<string, Buffer>();
      const saved = changed.map((mine) => merge(remote.get(toolKey(mine.server, mine.tool)), mine));
      for (const entry of saved)
        files.set(
          `${encodeURIComponent(entry.server)}/${encodeURIComponent(entry.tool)}.json`,
          Buffer.from(JSON.stringify(entry)),
        );
      await this.store.updateShared(this.name, files, []);
      await this.store.publish(this.name, 'changed');
      return saved;
    }
    if (!this.file) return changed;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify([...all()]));
    return changed;
  }

  private async readShared(): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    for (const data of (await this.store?.getShared(this.name))?.values() ?? []) {
      try {
        const entry = JSON.parse(data.toString('utf8')) as unknown;
        if (this.isEntry(entry)) found.set(toolKey(entry.server, entry.tool), entry);
      } catch {}
    }
    return found;
  }
}
