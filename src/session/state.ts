import type { SessionLedger } from '../accounting/session.js';
import type { PiiVault } from '../pii/vault.js';
import { readFolder, syncFolder } from '../store/folder.js';
import type { SessionStore } from '../store/store.js';
import type { Workspace } from '../workspace/workspace.js';

/** What of a session a store keeps: its vault (PII on), its ledger, and its workspace folder. */
export interface SessionParts {
  vault: PiiVault | undefined;
  ledger: SessionLedger;
  workspace: Workspace;
}

/**
 * One session's state in a {@link SessionStore}: {@link restore} when a replica takes the session
 * over, {@link save} after each call that may have changed it. Only what changed is written: the
 * vault when it holds new values (sealed with AES-256-GCM), the workspace folder when an
 * operation changed it (`Workspace.revision`), the ledger always (a few bytes).
 */
export class StoredSessionState {
  private savedVault = 0;
  private savedRevision: number;

  /**
   * @param key 32-byte key of the vault (required when the session has one).
   */
  constructor(
    private readonly store: SessionStore,
    private readonly id: string,
    private readonly key: Buffer | undefined,
    workspace: Workspace,
  ) {
    this.savedRevision = workspace.revision;
  }

  /**
   * Loads what the store holds for the session into its parts; the workspace folder is made to
   * hold exactly the stored files (a folder left from an earlier stay on this replica may be stale).
   * @throws when the store is unreachable, or the vault does not open with the key.
   */
  async restore(parts: SessionParts): Promise<void> {
    const [vault, ledger, files] = await Promise.all([
      parts.vault && this.key ? this.store.getBlob(this.id, 'vault') : undefined,
      this.store.getBlob(this.id, 'ledger'),
      this.store.getFiles(this.id),
    ]);
    if (vault && parts.vault && this.key) {
      parts.vault.unseal(vault, this.key);
      this.savedVault = parts.vault.size;
    }
    if (ledger) parts.ledger.restore(ledger.toString('utf8'));
    await parts.workspace.exclusive(() => syncFolder(parts.workspace.root, files));
    this.savedRevision = parts.workspace.revision;
  }

  /** Writes what changed since the last save. @throws when the store is unreachable. */
  async save(parts: SessionParts): Promise<void> {
    const writes: Promise<void>[] = [
      this.store.putBlob(this.id, 'ledger', Buffer.from(parts.ledger.snapshot())),
    ];
    if (parts.vault && this.key && parts.vault.size !== this.savedVault) {
      this.savedVault = parts.vault.size;
      writes.push(this.store.putBlob(this.id, 'vault', parts.vault.seal(this.key)));
    }
    const revision = parts.workspace.revision;
    if (revision !== this.savedRevision) {
      this.savedRevision = revision;
      const { workspace } = parts;
      writes.push(
        workspace
          .exclusive(() => readFolder(workspace.root))
          .then((files) => this.store.putFiles(this.id, files)),
      );
    }
    await Promise.all(writes);
  }
}
