import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  Client,
  McpSubscription,
  PriorDiscovery,
  SubscriptionFilter,
  VersionNegotiationOptions,
} from '@modelcontextprotocol/client';

/**
 * Which MCP revision toolscript speaks to one upstream server (its config's `protocol`):
 * - `"auto"` (the default): probe with `server/discover` and speak 2026-07-28 to a server that
 *   offers it, else the 2025 `initialize` handshake;
 * - `"2025-11-25"`: the 2025 handshake only, no probe;
 * - `"2026-07-28"`: that revision or nothing (a 2025-only server is refused with the SDK's
 *   `ERA_NEGOTIATION_FAILED`).
 *
 * Source: the MCP specification's revisions 2025-11-25 and 2026-07-28, and the SDK's
 * `versionNegotiation` modes (legacy, auto, pin).
 */
export type UpstreamProtocol = 'auto' | '2025-11-25' | '2026-07-28';

/** The revision that made MCP stateless. */
export const MODERN_REVISION = '2026-07-28';

/** The SDK's negotiation options for a server's `protocol` (see {@link UpstreamProtocol}). */
export function versionNegotiation(
  protocol: UpstreamProtocol | undefined,
  probeTimeoutMs: number,
): VersionNegotiationOptions {
  if (protocol === '2025-11-25') return { mode: 'legacy' };
  if (protocol === MODERN_REVISION)
    return { mode: { pin: MODERN_REVISION }, probe: { timeoutMs: probeTimeoutMs } };
  return { mode: 'auto', probe: { timeoutMs: probeTimeoutMs } };
}

/** How long a probe's verdict on a stdio server is reused before it is probed again, in ms: a day. */
export const VERDICT_HORIZON_MS = 24 * 60 * 60 * 1000;

interface StoredVerdict {
  verdict: PriorDiscovery;
  /** When it was probed, in ms since the epoch. */
  at: number;
}

/**
 * Verdicts of `server/discover` probes on stdio servers, kept in a JSON file in the data folder.
 * Probing a stdio server starts it a second time (the SDK probes on a short-lived sibling
 * process), which costs as much as starting it; a verdict younger than {@link VERDICT_HORIZON_MS}
 * lets the next start skip the probe (the SDK's `connect(…, { prior })`). A modern verdict that is
 * stale fails loudly at the first request and is probed again; a legacy one would go on working
 * against an upgraded server, hence the horizon.
 */
export class EraVerdicts {
  private verdicts: Record<string, StoredVerdict> | undefined;

  /** @param file where verdicts are kept; `undefined` keeps them in memory only. */
  constructor(private readonly file: string | undefined) {}

  /** The fresh verdict for `key`, if any. */
  get(key: string): PriorDiscovery | undefined {
    const stored = this.load()[key];
    return stored && Date.now() - stored.at < VERDICT_HORIZON_MS ? stored.verdict : undefined;
  }

  /** Records what connecting to `key` found; `undefined` forgets it (it was wrong). */
  set(key: string, verdict: PriorDiscovery | undefined): void {
    const verdicts = this.load();
    if (verdict) verdicts[key] = { verdict, at: Date.now() };
    else delete verdicts[key];
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(verdicts));
      renameSync(temporary, this.file);
    } catch {
      // Only a cache: the next start probes again.
    }
  }

  private load(): Record<string, StoredVerdict> {
    if (this.verdicts) return this.verdicts;
    this.verdicts = {};
    if (!this.file) return this.verdicts;
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        this.verdicts = parsed as Record<string, StoredVerdict>;
    } catch {
      // Missing or unreadable: probe again.
    }
    return this.verdicts;
  }
}

/** The key of a stdio server's verdict: a hash of how it is started. */
export function verdictKey(start: {
  command: string;
  args: string[];
  cwd?: string | undefined;
  env?: object | undefined;
}): string {
  return createHash('sha256')
    .update(JSON.stringify([start.command, start.args, start.cwd ?? '', start.env ?? {}]))
    .digest('hex')
    .slice(0, 32);
}

/** First wait before listening again after the server dropped the stream, in ms; doubled per drop. */
const RELISTEN_MS = 500;
const MAX_RELISTEN_MS = 30_000;

/**
 * On a 2026-07-28 connection, change notifications arrive only on a `subscriptions/listen` stream
 * the client opens: this opens one for the `list_changed` kinds in `filter` (each delivered to the
 * handlers registered with `setNotificationHandler`, as 2025 notifications are) and opens it
 * again, with backoff, when the server drops it; until the client closes. Nothing on a 2025
 * connection, where the server sends them unasked.
 */
function listenForChanges(client: Client, filter: SubscriptionFilter): void {
  if (client.getProtocolEra() !== 'modern' || !Object.values(filter).some(Boolean)) return;
  let closed = false;
  let current: McpSubscription | undefined;
  const previous = client.onclose;
  client.onclose = () => {
    closed = true;
    void current?.close().catch(() => {});
    previous?.();
  };
  const loop = async () => {
    let wait = RELISTEN_MS;
    while (!closed) {
      try {
        current = await client.listen(filter);
        const reason = await current.closed;
        if (reason !== 'remote') return;
        wait = RELISTEN_MS;
      } catch {
        // The server refused or the connection failed: try again later, unless it is closed.
      }
      if (closed) return;
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
      wait = Math.min(wait * 2, MAX_RELISTEN_MS);
    }
  };
  void loop();
}

/**
 * Calls `handlers.tools` when the server's tools change and `handlers.other` when its resources or
 * prompts do, for the kinds its capabilities announce (`listChanged`): from its unasked
 * notifications on a 2025 connection, from a `subscriptions/listen` stream on a 2026-07-28 one.
 */
export function watchChanges(
  client: Client,
  handlers: { tools?: () => Promise<void>; other?: (kind: 'resources' | 'prompts') => void },
): void {
  const capabilities = client.getServerCapabilities();
  const filter: SubscriptionFilter = {};
  if (handlers.tools && capabilities?.tools?.listChanged) {
    client.setNotificationHandler('notifications/tools/list_changed', handlers.tools);
    filter.toolsListChanged = true;
  }
  const other = handlers.other;
  if (other && capabilities?.resources?.listChanged) {
    client.setNotificationHandler('notifications/resources/list_changed', async () => other('resources'));
    filter.resourcesListChanged = true;
  }
  if (other && capabilities?.prompts?.listChanged) {
    client.setNotificationHandler('notifications/prompts/list_changed', async () => other('prompts'));
    filter.promptsListChanged = true;
  }
  listenForChanges(client, filter);
}
