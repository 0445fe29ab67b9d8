import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import { LRUCache } from 'lru-cache';
import type { SessionBlob, SessionRecord, SessionStore } from './store.js';

/** Events kept per session's event store; older ones can no longer be resumed from. */
const MAX_EVENTS = 1000;

/**
 * A {@link SessionStore} in this process's memory: what a library embedding toolscript passes
 * as `store` to keep sessions across MCP connections of one process, and what the tests run the
 * store's contract against beside Redis. Records expire `ttlMs` after their last
 * {@link touch}, taking their data with them; copies go in and out, so a caller's later change
 * to a buffer or map never reaches the store. Nothing is shared with another process.
 */
export class MemoryStore implements SessionStore {
  readonly location = 'memory';
  private readonly sessions = new Map<string, { record: SessionRecord; expires: number }>();
  private readonly blobs = new Map<string, Buffer>();
  private readonly files = new Map<string, Map<string, Buffer>>();
  private readonly events = new Map<string, MemoryEventStore>();
  private readonly shared = new Map<string, Map<string, Buffer>>();
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  private readonly logs = new Map<string, { time: number; entry: string }[]>();
  /** The shared cache: made with the first call's bound (one gateway gives one). */
  private results: LRUCache<string, Buffer> | undefined;
  private readonly resultGroups = new Map<string, Set<string>>();
  private readonly groupsOf = new Map<string, string[]>();
  private closed = false;

  /** True until {@link close}. */
  get connected(): boolean {
    return !this.closed;
  }

  /** Saves the record; sessions that expired meanwhile are dropped with their data here. */
  async putSession(record: SessionRecord, ttlMs: number): Promise<void> {
    const now = Date.now();
    for (const [id, entry] of this.sessions) if (entry.expires <= now) await this.deleteSession(id);
    this.sessions.set(record.id, { record: structuredClone(record), expires: now + ttlMs });
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const entry = this.sessions.get(id);
    if (!entry) return undefined;
    if (entry.expires > Date.now()) return structuredClone(entry.record);
    await this.deleteSession(id);
    return undefined;
  }

  async touch(id: string, ttlMs: number): Promise<void> {
    const entry = this.sessions.get(id);
    if (!entry) return;
    entry.expires = Date.now() + ttlMs;
    entry.record.lastSeen = Date.now();
  }

  async deleteSession(id: string): Promise<void> {
    this.sessions.delete(id);
    for (const kind of ['vault', 'ledger'] as const) this.blobs.delete(`${id}:${kind}`);
    this.files.delete(id);
    this.events.delete(id);
  }

  async putBlob(id: string, kind: SessionBlob, data: Buffer): Promise<void> {
    this.blobs.set(`${id}:${kind}`, Buffer.from(data));
  }

  async getBlob(id: string, kind: SessionBlob): Promise<Buffer | undefined> {
    const data = this.blobs.get(`${id}:${kind}`);
    return data && Buffer.from(data);
  }

  async putFiles(id: string, files: Map<string, Buffer>): Promise<void> {
    this.files.set(id, copyFiles(files));
  }

  async getFiles(id: string): Promise<Map<string, Buffer>> {
    return copyFiles(this.files.get(id) ?? new Map());
  }

  eventStore(id: string): EventStore {
    let store = this.events.get(id);
    if (!store) {
      store = new MemoryEventStore();
      this.events.set(id, store);
    }
    return store;
  }

  async getShared(name: string): Promise<Map<string, Buffer>> {
    return copyFiles(this.shared.get(name) ?? new Map());
  }

  async updateShared(name: string, files: Map<string, Buffer>, removed: string[]): Promise<void> {
    const folder = this.shared.get(name) ?? new Map<string, Buffer>();
    for (const [path, data] of files) folder.set(path, Buffer.from(data));
    for (const path of removed) folder.delete(path);
    this.shared.set(name, folder);
  }

  async cacheSet(
    key: string,
    groups: string[],
    value: Buffer,
    ttlMs: number,
    maxBytes: number,
  ): Promise<void> {
    this.results ??= new LRUCache<string, Buffer>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (v) => Math.max(1, v.length),
      // Out of the cache, out of its groups.
      dispose: (_, gone) => {
        for (const group of this.groupsOf.get(gone) ?? []) this.resultGroups.get(group)?.delete(gone);
        this.groupsOf.delete(gone);
      },
    });
    this.results.set(key, Buffer.from(value), { ttl: ttlMs });
    this.groupsOf.set(key, groups);
    for (const group of groups) {
      const keys = this.resultGroups.get(group) ?? new Set<string>();
      keys.add(key);
      this.resultGroups.set(group, keys);
    }
  }

  async cacheGet(key: string): Promise<Buffer | undefined> {
    const value = this.results?.get(key);
    return value && Buffer.from(value);
  }

  async cacheDrop(group: string): Promise<number> {
    let dropped = 0;
    for (const key of this.resultGroups.get(group) ?? []) if (this.results?.delete(key)) dropped++;
    this.resultGroups.delete(group);
    return dropped;
  }

  async appendLog(name: string, entries: string[], keep: number): Promise<void> {
    const log = this.logs.get(name) ?? [];
    const time = Date.now();
    for (const entry of entries) log.push({ time, entry });
    if (log.length > keep) log.splice(0, log.length - keep);
    this.logs.set(name, log);
  }

  async readLog(name: string, sinceMs: number): Promise<string[]> {
    return (this.logs.get(name) ?? []).filter((line) => line.time >= sinceMs).map((line) => line.entry);
  }

  /** Delivers `message` to every subscriber of `channel` on a later turn of the event loop, as Redis would. */
  async publish(channel: string, message: string): Promise<void> {
    for (const listener of this.channels.get(channel) ?? []) setImmediate(() => listener(message));
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    const listeners = this.channels.get(channel) ?? new Set();
    listeners.add(listener);
    this.channels.set(channel, listeners);
  }

  async ping(): Promise<{ ok: boolean; error?: string }> {
    return this.closed ? { ok: false, error: 'session store memory: closed' } : { ok: true };
  }

  /** Drops every session and subscription. */
  async close(): Promise<void> {
    this.closed = true;
    for (const map of [
      this.sessions,
      this.blobs,
      this.files,
      this.events,
      this.shared,
      this.channels,
      this.logs,
    ])
      map.clear();
  }
}

/** One session's SSE events, in order, with ids `<n>` unique within the session. */
class MemoryEventStore implements EventStore {
  private readonly events: { id: string; stream: string; message: JSONRPCMessage }[] = [];
  private next = 1;

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = String(this.next++);
    this.events.push({ id, stream: streamId, message: structuredClone(message) });
    if (this.events.length > MAX_EVENTS) this.events.shift();
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.find((event) => event.id === eventId)?.stream;
  }

  /**
   * Sends the events of `lastEventId`'s stream that came after it (not the transport's priming
   * events, which carry no message).
   * @throws when no event has that id (it was never stored, or has been dropped).
   */
  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const index = this.events.findIndex((event) => event.id === lastEventId);
    const stream = this.events[index]?.stream;
    if (stream === undefined) throw new Error(`Unknown event id ${lastEventId}`);
    for (const event of this.events.slice(index + 1)) {
      if (event.stream !== stream || Object.keys(event.message).length === 0) continue;
      await send(event.id, structuredClone(event.message));
    }
    return stream;
  }
}

function copyFiles(files: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...files].map(([path, data]) => [path, Buffer.from(data)]));
}
