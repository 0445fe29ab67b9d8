import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../catalog/catalog.js';
import { toolMatcher } from '../catalog/policy.js';
import type { ToolscriptConfig } from '../config/index.js';
import { deepFreeze } from '../util/frozen.js';
import { resultBytes } from './result-size.js';

/** A server's cache policy (config `cache`, or the server's own). */
interface Policy {
  cached: (tool: Tool) => boolean;
  ttlMs: number;
  shared: boolean;
}

/** One kept result. */
interface Kept {
  result: CallToolResult;
  bytes: number;
  /** The scope and server it belongs to (see {@link CallCache.invalidate}). */
  group: string;
}

/** What {@link CallCache.lookup} says of one call. */
export type CacheLookup =
  | { cached: false }
  /** The call is cacheable: `hit` is the kept result (a copy), if any; `keep` keeps a fresh one. */
  | { cached: true; hit: CallToolResult | undefined; keep: (result: CallToolResult) => void };

/** Default of `cache.maxMb`. */
const DEFAULT_MAX_MB = 64;

/**
 * Memoized tool calls (config `cache`, top level or per server; off unless set). A result is kept
 * per scope (the caller, or everyone with `scope: "shared"`), server, tool, schema hash and the
 * canonical JSON of the arguments, for `ttlMs`; at most `maxMb` MiB in all, least recently used
 * first out. A call of a tool of the same server that is not cached drops that server's results
 * in its scope, before and after it runs (a write may change what a read returns); a change of
 * the server's tools drops all of its results. Error results are never kept. A kept result is
 * frozen (deeply) and handed out as it is: no caller can change what another reads, and a hit
 * costs no copy.
 */
export class CallCache {
  private readonly policies = new Map<string, Policy | undefined>();
  private readonly kept: LRUCache<string, Kept>;
  /** Keys by scope and server, for dropping a server's results at once. */
  private readonly groups = new Map<string, Set<string>>();
  /** Calls answered from the cache, and cacheable calls that were not. */
  hits = 0;
  misses = 0;

  constructor(private readonly config: Pick<ToolscriptConfig, 'cache' | 'mcpServers'>) {
    this.kept = new LRUCache<string, Kept>({
      maxSize: Math.round((config.cache?.maxMb ?? DEFAULT_MAX_MB) * 1024 * 1024),
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
  lookup(caller: string, server: string, tool: Tool, schemaHash: string, args: unknown): CacheLookup {
    const policy = this.policy(server);
    if (!policy) return { cached: false };
    const group = groupOf(policy.shared ? '' : caller, server);
    if (!policy.cached(tool)) {
      this.invalidate(caller, server);
      return { cached: false };
    }
    const key = `${group}\u0000${tool.name}\u0000${schemaHash}\u0000${canonicalJson(args)}`;
    const found = this.kept.get(key);
    if (found) this.hits++;
    else this.misses++;
    return {
      cached: true,
      hit: found?.result,
      keep: (result) => {
        if (result.isError) return;
        const bytes = resultBytes(result);
        this.kept.set(key, { result: deepFreeze(result), bytes, group }, { ttl: policy.ttlMs });
        const keys = this.groups.get(group) ?? new Set<string>();
        this.groups.set(group, keys);
        keys.add(key);
      },
    };
  }

  /** Drops the results of `server` kept for `caller` (and the shared ones, under `scope: "shared"`). */
  invalidate(caller: string, server: string): void {
    const policy = this.policy(server);
    this.dropGroup(groupOf(policy?.shared ? '' : caller, server));
  }

  /** Drops every result of `server` (its tools changed), or of every server. */
  clear(server?: string): void {
    if (server === undefined) {
      this.kept.clear();
      this.groups.clear();
      return;
    }
    for (const group of [...this.groups.keys()]) if (group.endsWith(`\u0000${server}`)) this.dropGroup(group);
  }

  /** Results kept now, and their bytes. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.kept.size, bytes: this.kept.calculatedSize };
  }

  private dropGroup(group: string): void {
    const keys = this.groups.get(group);
    if (!keys) return;
    this.groups.delete(group);
    for (const key of keys) this.kept.delete(key);
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

function groupOf(scope: string, server: string): string {
  return `${scope}\u0000${server}`;
}
