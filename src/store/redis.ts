import type { EventStore } from '@modelcontextprotocol/server';
import { requirePeer } from '../util/peers.js';
import { type CacheCommands, RedisResultCache } from './redis-cache.js';
import { RedisEventStore, type StreamCommands } from './redis-events.js';
import type { SessionBlob, SessionRecord, SessionStore } from './store.js';

/** Longest wait for Redis at start-up, in ms. */
const CONNECT_MS = 5_000;

/** Options of {@link RedisStore.connect}. */
export interface RedisStoreOptions {
  /** What a session saved (vault, ledger, files) expires after this long unused, in ms. */
  dataTtlMs: number;
  /** Prefix of every key. @default "toolscript:" */
  prefix?: string;
}

/**
 * A {@link SessionStore} in Redis, through node-redis (`@redis/client`). Keys, under the prefix:
 * `session:<id>` (a hash: the record), `session:<id>:vault` and `session:<id>:ledger` (strings),
 * `session:<id>:files` (a hash: path → bytes), `session:<id>:events` (a stream: the SSE events
 * the client may resume from; see {@link RedisEventStore}), `shared:<name>` (a hash: a folder
 * every replica shares, e.g. `shared:skills`) and the pub/sub channel of the same name, and
 * `log:<name>` (a stream: a log every replica appends to, e.g. `log:insights`) and `cache:…`
 * (memoized call results; see {@link RedisResultCache}). Commands
 * fail at once while Redis is unreachable (no offline queue), and the client reconnects in the
 * background.
 */
export class RedisStore implements SessionStore {
  /** A second connection for pub/sub (a subscribed connection takes no other commands). */
  private subscriber: ReturnType<typeof createBufferClient> | undefined;

  private constructor(
    private readonly client: ReturnType<typeof createBufferClient>,
    readonly location: string,
    private readonly options: Required<RedisStoreOptions>,
  ) {}

  /**
   * Connects to the Redis at `url` (`redis://[user:password@]host[:port][/db]`, or `rediss://`).
   * @throws when Redis cannot be reached within 5 s, with the reason and what to do.
   * @throws {MissingPackageError} when @redis/client is not installed.
   */
  static async connect(url: string, options: RedisStoreOptions): Promise<RedisStore> {
    const location = redact(url);
    const client = createBufferClient(url);
    let lastError: Error | undefined;
    client.on('error', (error: Error) => {
      lastError = error;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(lastError ?? new Error(`no answer within ${CONNECT_MS} ms`)),
            CONNECT_MS,
          );
        }),
      ]);
    } catch (error) {
      client.destroy();
      throw new Error(
        `Cannot reach the session store at ${location}: ${describe(error)}. Start Redis there, or fix "store" (or TOOLSCRIPT_STORE).`,
      );
    } finally {
      clearTimeout(timer);
    }
    return new RedisStore(client, location, { prefix: 'toolscript:', ...options });
  }

  private key(id: string, part = ''): string {
    return `${this.options.prefix}session:${id}${part}`;
  }

  async putSession(record: SessionRecord, ttlMs: number): Promise<void> {
    // Two commands sent together (node-redis pipelines what is issued in one tick); a record
    // without its expiry lives until DELETE, which is harmless.
    const key = this.key(record.id);
    await Promise.all([
      this.client.hSet(key, {
        created: String(record.created),
        lastSeen: String(record.lastSeen),
        tokenHash: record.tokenHash,
        initialize: JSON.stringify(record.initialize),
        ...(record.kind ? { kind: record.kind } : {}),
        ...(record.expose ? { expose: record.expose } : {}),
      }),
      this.client.pExpire(key, ttlMs),
    ]);
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const fields = (await this.client.hGetAll(this.key(id))) as unknown as Record<string, Buffer>;
    if (!fields.initialize) return undefined;
    return {
      id,
      created: Number(fields.created),
      lastSeen: Number(fields.lastSeen),
      tokenHash: fields.tokenHash?.toString() ?? '',
      initialize: JSON.parse(fields.initialize.toString()),
      ...(fields.kind?.toString() === 'context' ? { kind: 'context' as const } : {}),
      ...exposeOf(fields.expose?.toString()),
    };
  }

  async touch(id: string, ttlMs: number): Promise<void> {
    const key = this.key(id);
    await Promise.all([
      this.client.hSet(key, 'lastSeen', String(Date.now())),
      this.client.pExpire(key, ttlMs),
    ]);
  }

  async deleteSession(id: string): Promise<void> {
    await this.client.del([
      this.key(id),
      this.key(id, ':vault'),
      this.key(id, ':ledger'),
      this.key(id, ':files'),
      this.key(id, ':events'),
    ]);
  }

  async putBlob(id: string, kind: SessionBlob, data: Buffer): Promise<void> {
    await this.client.set(this.key(id, `:${kind}`), data, {
      expiration: { type: 'PX', value: this.options.dataTtlMs },
    });
  }

  async getBlob(id: string, kind: SessionBlob): Promise<Buffer | undefined> {
    return ((await this.client.get(this.key(id, `:${kind}`))) as Buffer | null) ?? undefined;
  }

  async putFiles(id: string, files: Map<string, Buffer>): Promise<void> {
    const key = this.key(id, ':files');
    const multi = this.client.multi().del(key);
    if (files.size > 0) multi.hSet(key, Object.fromEntries(files)).pExpire(key, this.options.dataTtlMs);
    await multi.exec();
  }

  async getFiles(id: string): Promise<Map<string, Buffer>> {
    const fields = (await this.client.hGetAll(this.key(id, ':files'))) as unknown as Record<string, Buffer>;
    return new Map(Object.entries(fields));
  }

  async getShared(name: string): Promise<Map<string, Buffer>> {
    const fields = (await this.client.hGetAll(this.sharedKey(name))) as unknown as Record<string, Buffer>;
    return new Map(Object.entries(fields));
  }

  async updateShared(name: string, files: Map<string, Buffer>, removed: string[]): Promise<void> {
    const writes: Promise<unknown>[] = [];
    if (files.size > 0) writes.push(this.client.hSet(this.sharedKey(name), Object.fromEntries(files)));
    if (removed.length > 0) writes.push(this.client.hDel(this.sharedKey(name), removed));
    await Promise.all(writes);
  }

  async cacheSet(
    key: string,
    groups: string[],
    value: Buffer,
    ttlMs: number,
    maxBytes: number,
  ): Promise<void> {
    await this.results.set(key, groups, value, ttlMs, maxBytes);
  }

  async cacheGet(key: string): Promise<Buffer | undefined> {
    return this.results.get(key);
  }

  async cacheDrop(group: string): Promise<number> {
    return this.results.drop(group);
  }

  private cache: RedisResultCache | undefined;

  /** The shared call cache's keys and commands (see {@link RedisResultCache}), made on first use. */
  private get results(): RedisResultCache {
    this.cache ??= new RedisResultCache(this.client as unknown as CacheCommands, this.options.prefix);
    return this.cache;
  }

  /** Log `name` is the stream `log:<name>`: entry ids are times, so reading from a time is a range. */
  async appendLog(name: string, entries: string[], keep: number): Promise<void> {
    const key = `${this.options.prefix}log:${name}`;
    await Promise.all(
      entries.map((entry) =>
        this.client.xAdd(
          key,
          '*',
          { entry },
          { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: keep } },
        ),
      ),
    );
  }

  async readLog(name: string, sinceMs: number): Promise<string[]> {
    const entries = await this.client.xRange(
      `${this.options.prefix}log:${name}`,
      String(Math.max(0, Math.floor(sinceMs))),
      '+',
    );
    return (entries ?? []).map((e) => String((e.message as Record<string, unknown>).entry));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(this.sharedKey(channel), message);
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    if (!this.subscriber) {
      const subscriber = this.client.duplicate();
      subscriber.on('error', () => {});
      await subscriber.connect();
      this.subscriber = subscriber;
    }
    await this.subscriber.subscribe(this.sharedKey(channel), (message: unknown) => listener(String(message)));
  }

  private sharedKey(name: string): string {
    return `${this.options.prefix}shared:${name}`;
  }

  eventStore(id: string): EventStore {
    return new RedisEventStore(
      this.client as unknown as StreamCommands,
      this.key(id, ':events'),
      this.options.dataTtlMs,
    );
  }

  /** False while node-redis's connection is down and reconnecting (see {@link SessionStore.connected}). */
  get connected(): boolean {
    return this.client.isReady;
  }

  async ping(): Promise<{ ok: boolean; error?: string }> {
    try {
      await this.client.ping();
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `session store ${this.location}: ${describe(error)}` };
    }
  }

  async close(): Promise<void> {
    this.subscriber?.destroy();
    try {
      await this.client.close();
    } catch {
      this.client.destroy();
    }
  }
}

/**
 * A client whose string replies are Buffers (files are bytes), failing fast while disconnected.
 * @throws {MissingPackageError} when @redis/client (an optional peer dependency) is not installed.
 */
function createBufferClient(url: string) {
  const { createClient, RESP_TYPES } = requirePeer<typeof import('@redis/client')>(
    '@redis/client',
    'A Redis session store (store, TOOLSCRIPT_STORE)',
  );
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_MS,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
    },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/** `url` without a password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return describe(error.errors[0]);
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message || String(code);
}

/** A record's `expose`, when it holds one of the three. */
function exposeOf(value: string | undefined): Pick<SessionRecord, 'expose'> {
  return value === 'code' || value === 'tools' || value === 'both' ? { expose: value } : {};
}
