/**
 * Where sessions live when several replicas serve them: the session record and what a session
 * accumulates (PII vault, token ledger, workspace files and state). Without a store (the default)
 * all of it stays in the process, as before; with one (`store: "redis://…"`), any replica can
 * take a session over when the one holding it dies.
 */

import type { EventStore } from '@modelcontextprotocol/server';

/** What a replica needs to rebuild a session's MCP connection it does not hold, or a context's owner. */
export interface SessionRecord {
  /** The `Mcp-Session-Id`. */
  id: string;
  /** When the session was initialized, in ms since the epoch. */
  created: number;
  /** Last request seen by any replica, in ms since the epoch (updated at most every tenth of the idle time). */
  lastSeen: number;
  /** SHA-256 (hex) of the bearer token the session was opened with, or "" without a token. */
  tokenHash: string;
  /** The client's `initialize` request (JSON-RPC), replayed to rebuild the connection; null for a context. */
  initialize: unknown;
  /**
   * `"context"` for the state of a 2026-07-28 client (see `server/contexts.ts`), which has no
   * connection to rebuild; absent for a 2025 session.
   */
  kind?: 'context';
  /** What the client chose for its connection (`?codemode=false`, `toolscript-expose`), if it chose. */
  expose?: 'code' | 'tools' | 'both';
}

/** Per-session values a store keeps besides the record. */
export type SessionBlob = 'vault' | 'ledger';

/**
 * A session store (see the module comment). Implementations: `RedisStore` (several replicas) and
 * `MemoryStore` (one process: a library's embedded store, and the tests').
 */
export interface SessionStore {
  /** Where the store is, without credentials (for logs and `/readyz`). */
  readonly location: string;
  /**
   * False while the store is known to be unreachable (its connection is down and reconnecting):
   * requests that need it are refused at once rather than left waiting.
   */
  readonly connected: boolean;
  /** Saves a new session's record; it expires after `ttlMs` (ms) without {@link touch}. */
  putSession(record: SessionRecord, ttlMs: number): Promise<void>;
  /** The record of session `id`, or undefined when it never existed or expired. */
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Marks session `id` as used now; it then expires `ttlMs` (ms) from now. */
  touch(id: string, ttlMs: number): Promise<void>;
  /** Removes the session: its record and everything saved for it. */
  deleteSession(id: string): Promise<void>;
  putBlob(id: string, kind: SessionBlob, data: Buffer): Promise<void>;
  getBlob(id: string, kind: SessionBlob): Promise<Buffer | undefined>;
  /** Replaces the session's workspace files (path relative to its folder → bytes). */
  putFiles(id: string, files: Map<string, Buffer>): Promise<void>;
  getFiles(id: string): Promise<Map<string, Buffer>>;
  /**
   * The resumability event store of session `id` for its MCP transport: the SSE events a client
   * that reconnects with `Last-Event-ID` gets again, on any replica.
   */
  eventStore(id: string): EventStore;
  /** The files of a folder every replica shares (path → bytes), e.g. `skills`. */
  getShared(name: string): Promise<Map<string, Buffer>>;
  /** Sets `files` and removes `removed` in shared folder `name`. */
  updateShared(name: string, files: Map<string, Buffer>, removed: string[]): Promise<void>;
  /**
   * Appends `entries` (JSON texts) to log `name`, which every replica shares (e.g. `insights`);
   * about the newest `keep` entries are kept, the oldest dropped first.
   */
  appendLog(name: string, entries: string[], keep: number): Promise<void>;
  /** The entries of log `name` appended at or after `sinceMs` (ms since the epoch), oldest first. */
  readLog(name: string, sinceMs: number): Promise<string[]>;
  /**
   * Keeps `value` under `key` for `ttlMs` ms, listed in each of `groups` (see {@link cacheDrop}),
   * for every replica: memoized call results (config `cache` with a store). At most about
   * `maxBytes` are kept in all, the least recently used dropped first.
   */
  cacheSet(key: string, groups: string[], value: Buffer, ttlMs: number, maxBytes: number): Promise<void>;
  /** The value kept under `key`, now marked as used; undefined when none is (or it expired). */
  cacheGet(key: string): Promise<Buffer | undefined>;
  /** Drops every value listed in `group`. @returns how many were kept. */
  cacheDrop(group: string): Promise<number>;
  /** Sends `message` to every replica subscribed to `channel`. */
  publish(channel: string, message: string): Promise<void>;
  /** Calls `listener` with each message on `channel`, from any replica (this one included). */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  /** Answers whether the store is reachable now, and if not why (one line). */
  ping(): Promise<{ ok: boolean; error?: string }>;
  close(): Promise<void>;
}
