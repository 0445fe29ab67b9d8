import { createHash, randomUUID } from 'node:crypto';
import { readFolder, syncFolder } from './folder.js';
import type { SessionStore } from './store.js';

/** The store's operations for a folder every replica shares (see {@link SharedFolder}). */
export type SharedStore = Pick<SessionStore, 'getShared' | 'updateShared' | 'publish' | 'subscribe'>;

const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * A data folder every replica keeps the same through the session store (the skills): its files
 * in the store (one hash, path → bytes), and a pub/sub message after each change, on which the
 * other replicas copy the files in and reload. A change sends only the files it added, changed
 * or removed, so two replicas saving different skills at once keep both. Files `keep` accepts
 * stay per replica (e.g. the audit log).
 */
export class SharedFolder {
  /** Digests of the files as the store held them when this replica last read or wrote them. */
  private known = new Map<string, string>();
  private readonly replica = randomUUID();

  /**
   * @param name the folder's name in the store and its pub/sub channel.
   * @param onChange called after another replica's change was copied in.
   */
  constructor(
    private readonly store: SharedStore,
    private readonly name: string,
    private readonly folder: string,
    private readonly onChange: () => Promise<void>,
    private readonly keep: (path: string) => boolean = () => false,
  ) {}

  /**
   * Copies the store's files in (or, when the store has none yet, this replica's files out) and
   * listens for other replicas' changes.
   * @throws when the store cannot be reached.
   */
  async start(): Promise<void> {
    const remote = await this.store.getShared(this.name);
    if (remote.size > 0) await this.copyIn(remote);
    else await this.publish();
    await this.store.subscribe(this.name, (from) => {
      if (from !== this.replica) void this.pull().catch(() => {});
    });
  }

  /** Sends this replica's changes to the store and tells the others. @throws when the store cannot be reached. */
  async publish(): Promise<void> {
    const local = await this.localFiles();
    const changed = new Map<string, Buffer>();
    for (const [path, data] of local) if (this.known.get(path) !== digest(data)) changed.set(path, data);
    const removed = [...this.known.keys()].filter((path) => !local.has(path));
    if (changed.size === 0 && removed.length === 0) return;
    await this.store.updateShared(this.name, changed, removed);
    for (const [path, data] of changed) this.known.set(path, digest(data));
    for (const path of removed) this.known.delete(path);
    await this.store.publish(this.name, this.replica);
  }

  /** Copies another replica's change in and reloads. */
  private async pull(): Promise<void> {
    await this.copyIn(await this.store.getShared(this.name));
    await this.onChange();
  }

  private async localFiles(): Promise<Map<string, Buffer>> {
    const files = await readFolder(this.folder);
    for (const path of [...files.keys()]) if (this.keep(path)) files.delete(path);
    return files;
  }

  /** Makes the folder hold `remote` (files `keep` accepts aside). */
  private async copyIn(remote: Map<string, Buffer>): Promise<void> {
    await syncFolder(this.folder, remote, this.keep);
    this.known = new Map([...remote].map(([path, data]) => [path, digest(data)]));
  }
}
