import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../catalog/catalog.js';
import { toolMatcher } from '../catalog/policy.js';
import type { ToolscriptConfig } from '../config/index.js';
import type { SessionStore } from '../store/store.js';
import { deepFreeze } from '../util/frozen.js';
import { resultBytes } from './result-size.js';

/** A server's cache policy (config `cache`, or the server's own). */
interface Policy {
  cached: (tool: Tool) => boolean;
  ttlMs: number;
  shared: boolean;
}

/** One kept result in memory. */
interface Kept {
  result: CallToolResult;
  bytes: number;
  /** The scope and server it belongs to (see {@link CallCache.invalidate}). */
  group: string;
}

/** What {@link CallCache.lookup} says of one call. */
export type CacheLookup =
  | { cached: false }
  /** The call is cacheable: `hit` is the kept result, if any; `keep` keeps a fresh one. */
  | { cached: true; hit: CallToolResult | undefined; keep: (result: CallToolResult) => Promise<void> };

/** Default of `cache.maxMb`. */
const DEFAULT_MAX_MB = 64;

/**
 * Memoized tool calls (config `cache`, top level or per server; off unless set). A result is kept
 * per scope (the caller, or everyone with `scope: "shared"`), server, tool, schema hash and the
 * canonical JSON of the arguments, for `ttlMs`; at most `maxMb` MiB in all, least recently used
 * first out. A call of a tool of the same server that is not cached drops that server's results
 * in its scope, before and after it runs (a write may change what a read returns); a change of
 * the server's tools drops all of its results. Error results are never kept. A kept result is
 * frozen (deeply) and handed out as it is: no caller can change what another reads.
 *
 * Results live in this process, or, with a session store, in the store (see
 * `SessionStore.cacheSet`), so every replica reads what any of them kept and a write through one
 * replica drops the reads of all. A store that fails is not a failed call: the call goes to the
 * server, and the failure is said once on stderr.
 */
export class CallCache {
  private readonly policies = new Map<string, Policy | undefined>();
  private readonly kept: LRUCache<string, Kept>;
  /** Keys by scope and server, for dropping a server's results at once (in memory). */
  private readonly groups = new Map<string, Set<string>>();
  private readonly maxBytes: number;
  private warned = false;
  /** Calls answered from the cache, and cacheable calls that were not. */
  hits = 0;
  misses = 0;

  /**
   * @param store keep results in this store (shared by replicas) rather than in the process.
   * @param warn where a store failure is said, once.
   */
  constructor(
    private readonly config: Pick<ToolscriptConfig, 'cache' | 'mcpServers'>,
    private readonly store?: SessionStore,
    private readonly warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
  ) {
    this.maxBytes = Math.round((config.cache?.maxMb ?? DEFAULT_MAX_MB) * 1024 * 1024);
    this.kept = new LRUCache<string, Kept>({
      maxSize: this.maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      ttlAutopurge: false,
      dispose: (entry, key) => this.groups.get(entry.group)?.delete(key),
    });
  }

  /** True when some server has a cache policy. */
  get enabled(): boolean {
    return Boolean(this.config.cache) || Object.values(this.config.mcpServers).some((s) => s.cache);
  }

  /**
   * Looks a call up. For a tool that is not cached, drops the server's results in the caller's
   * scope (call {@link invalidate} again when it ends).
   * @param caller who calls (the session); ignored under `scope: "shared"`.
   */
  async lookup(
    caller: string,
    server: string,
    tool: Tool,
    schemaHash: string,
    args: unknown,
  ): Promise<CacheLookup> {
    const policy = this.policy(server);
    if (!policy) return { cached: false };
    const group = groupOf(policy.shared ? '' : caller, server);
    if (!policy.cached(tool)) {
      await this.invalidate(caller, server);
      return { cached: false };
    }
    const key = `${group}\u0000${tool.name}\u0000${schemaHash}\u0000${canonicalJson(args)}`;
    const hit = await this.get(key);
    if (hit) this.hits++;
    else this.misses++;
    return {
      cached: true,
      hit,
      keep: async (result) => {
        if (result.isError) return;
        await this.keep(key, group, server, result, policy.ttlMs);
      },
    };
  }

  /** Drops the results of `server` kept for `caller` (and the shared ones, under `scope: "shared"`). */
  async invalidate(caller: string, server: string): Promise<void> {
    const policy = this.policy(server);
    await this.dropGroup(groupOf(policy?.shared ? '' : caller, server));
  }

  /**
   * Drops every result of `server` (its tools changed, or `toolscript cache clear`), or of every
   * server. @returns how many results were kept.
   */
  async clear(server?: string): Promise<number> {
    if (this.store)
      return this.safely(() => this.store?.cacheDrop(server === undefined ? ALL : serverGroup(server)), 0);
    const before = this.kept.size;
    if (server === undefined) {
      this.kept.clear();
      this.groups.clear();
    } else
      for (const group of [...this.groups.keys()])
        if (group.endsWith(`\u0000${server}`)) await this.dropGroup(group);
    return before - this.kept.size;
  }

  /** Results kept in this process now, and their bytes (none with a store). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.kept.size, bytes: this.kept.calculatedSize };
  }

  private async get(key: string): Promise<CallToolResult | undefined> {
    if (!this.store) return this.kept.get(key)?.result;
    const data = await this.safely(() => this.store?.cacheGet(key), undefined);
    return data ? deepFreeze(JSON.parse(data.toString('utf8')) as CallToolResult) : undefined;
  }

  private async keep(
    key: string,
    group: string,
    server: string,
    result: CallToolResult,
    ttl: number,
  ): Promise<void> {
    if (this.store) {
      const data = Buffer.from(JSON.stringify(result));
      await this.safely(
        () => this.store?.cacheSet(key, [group, serverGroup(server), ALL], data, ttl, this.maxBytes),
        undefined,
      );
      return;
    }
    this.kept.set(key, { result: deepFreeze(result), bytes: resultBytes(result), group }, { ttl });
    const keys = this.groups.get(group) ?? new Set<string>();
    this.groups.set(group, keys);
    keys.add(key);
  }

  private async dropGroup(group: string): Promise<void> {
    if (this.store) {
      await this.safely(() => this.store?.cacheDrop(group), 0);
      return;
    }
    const keys = this.groups.get(group);
    if (!keys) return;
    this.groups.delete(group);
    for (const key of keys) this.kept.delete(key);
  }

  /** `run`'s value, or `fallback` when the store fails (said once). */
  private async safely<T>(run: () => Promise<T> | undefined, fallback: T): Promise<T> {
    try {
      return (await run()) ?? fallback;
    } catch (error) {
      if (!this.warned)
        this.warn(
          `toolscript: the call cache cannot reach the store (${(error as Error).message}); calls go to their servers until it answers.`,
        );
      this.warned = true;
      return fallback;
    }
  }

  private policy(server: string): Policy | undefined {
    if (this.policies.has(server)) return this.policies.get(server);
    const config = this.config.mcpServers[server]?.cache ?? this.config.cache;
    let policy: Policy | undefined;
    if (config) {
      const patterns = config.tools.filter((p) => p !== '@readOnly');
      const readOnly = config.tools.includes('@readOnly');
      const matches = patterns.length ? toolMatcher(patterns) : () => false;
      policy = {
        cached: (tool) => matches(tool.name) || (readOnly && tool.annotations?.readOnlyHint === true),
        ttlMs: config.ttlMs,
        shared: config.scope === 'shared',
      };
    }
    this.policies.set(server, policy);
    return policy;
  }
}

/** The store's group of every result. */
const ALL = '\u0000all';

/** The store's group of every result of `server`. */
function serverGroup(server: string): string {
  return `\u0000server\u0000${server}`;
}

function groupOf(scope: string, server: string): string {
  return `${scope}\u0000${server}`;
}
