import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { removeIdleWorkspaces, Workspace } from './workspace.js';

/**
 * Every session's workspace under `<dataDir>/workspaces/<session>/`, created on first use, and the
 * hourly removal of workspaces unused for `ttlDays`.
 */
export class SessionWorkspaces {
  private readonly open = new Map<string, Workspace>();
  private timer: NodeJS.Timeout | undefined;

  private readonly quotaBytes: number;
  private readonly ttlMs: number;

  /**
   * @param dataDir the gateway's data folder (absolute).
   * @param limits `workspace.quotaMb` (what one session may hold) and `workspace.ttlDays` (how
   *   long an unused workspace is kept).
   */
  constructor(
    private readonly dataDir: string,
    limits: { quotaMb: number; ttlDays: number },
  ) {
    this.quotaBytes = limits.quotaMb * 1024 * 1024;
    this.ttlMs = limits.ttlDays * 24 * 3600 * 1000;
  }

  /**
   * The workspace of a session. Session names outside `[A-Za-z0-9_.-]{1,128}` (or starting with
   * a dot) are replaced by their SHA-256, so a name never climbs out of `workspaces/`.
   */
  get(session: string): Workspace {
    let workspace = this.open.get(session);
    if (!workspace) {
      const folder = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/.test(session)
        ? session
        : createHash('sha256').update(session).digest('hex');
      workspace = new Workspace(resolve(this.dataDir, 'workspaces', folder), this.quotaBytes);
      this.open.set(session, workspace);
    }
    return workspace;
  }

  /** Removes idle workspaces now, then hourly until {@link stop}. */
  async startCleanup(): Promise<void> {
    const cleanup = () => removeIdleWorkspaces(this.dataDir, this.ttlMs).catch(() => []);
    await cleanup();
    this.timer = setInterval(cleanup, 3600 * 1000);
    this.timer.unref();
  }

  /** Stops the hourly cleanup. */
  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Stops the hourly cleanup and waits for every workspace operation already running (one a
   * cancelled or timed-out script started keeps going until done), so nothing writes to the data
   * folder after this resolves.
   */
  async drain(): Promise<void> {
    this.stop();
    await Promise.all([...this.open.values()].map((workspace) => workspace.exclusive(async () => {})));
  }
}
