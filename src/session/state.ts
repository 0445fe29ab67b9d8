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

  /**
   * Writes what changed since the last save. Each part counts as saved only once its write
   * succeeded, so after a failed save the next one writes it again.
   * @throws the first write's error when the store is unreachable (after every write has ended).
   */
  async save(parts: SessionParts): Promise<void> {
    const writes: Promise<void>[] = [
      this.store.putBlob(this.id, 'ledger', Buffer.from(parts.ledger.snapshot())),
    ];
    const { vault, workspace } = parts;
    if (vault && this.key && vault.size !== this.savedVault) {
      const size = vault.size;
      writes.push(
        this.store.putBlob(this.id, 'vault', vault.seal(this.key)).then(() => {
          this.savedVault = size;
        }),
      );
    }
    const revision = workspace.revision;
    if (revision !== this.savedRevision) {
      writes.push(
        workspace
          .exclusive(() => readFolder(workspace.root))
          .then((files) => this.store.putFiles(this.id, files))
          .then(() => {
            this.savedRevision = revision;
          }),
      );
    }
    // Every write ends (succeeds or fails) before the save does, so a failed save leaves nothing
    // under way that could still land, and each part's mark says what the store holds.
    const failed = (await Promise.allSettled(writes)).find((write) => write.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
