import { createHash } from 'node:crypto';

/** The few commands {@link RedisResultCache} needs (the store's node-redis client, in a MULTI or not). */
export interface CacheCommands {
  get(key: string): Promise<unknown>;
  set(key: string, value: Buffer, options: { PX: number }): Promise<unknown>;
  del(keys: string[]): Promise<number>;
  sAdd(key: string, members: string[]): Promise<unknown>;
  sMembers(key: string): Promise<unknown[]>;
  pExpire(key: string, ms: number, mode?: 'NX' | 'GT'): Promise<unknown>;
  zAdd(
    key: string,
    members: { score: number; value: string }[],
    options?: { XX?: boolean },
  ): Promise<unknown>;
  zRange(key: string, start: number, stop: number): Promise<unknown[]>;
  zRem(key: string, members: string[]): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hmGet(key: string, fields: string[]): Promise<unknown[]>;
  hDel(key: string, fields: string[]): Promise<unknown>;
  incrBy(key: string, n: number): Promise<unknown>;
}

/** Values dropped per round while the cache is over its size. */
const EVICT_BATCH = 16;

/**
 * The store's shared cache in Redis (see `SessionStore.cacheSet`). Keys, under the prefix, with
 * `<h>` the SHA-256 of a key or group: `cache:v:<h>` (the value, with its TTL), `cache:g:<h>` (a
 * set: the values of one group, expiring with the longest-lived of them), `cache:lru` (a sorted
 * set: each value by its last use, in ms), `cache:size` (a hash: each value's bytes) and
 * `cache:bytes` (their sum). Over the bound, the least recently used values go first. The sum
 * counts values that expired until they are evicted or dropped, so the bound is met early
 * rather than late; replicas that write at once may overshoot it by a value or two.
 */
export class RedisResultCache {
  constructor(
    private readonly client: CacheCommands,
    private readonly prefix: string,
  ) {}

  async set(key: string, groups: string[], value: Buffer, ttlMs: number, maxBytes: number): Promise<void> {
    const id = hash(key);
    const [before] = await this.client.hmGet(this.key('size'), [id]);
    await Promise.all([
      this.client.set(this.key('v', id), value, { PX: ttlMs }),
      this.client.zAdd(this.key('lru'), [{ score: now(), value: id }]),
      this.client.hSet(this.key('size'), id, String(value.length)),
      this.client.incrBy(this.key('bytes'), value.length - Number(before ?? 0)),
      // A group lives as long as its longest-lived value: NX gives a new set its TTL (GT leaves a
      // set without one as it is), GT lengthens it. One connection keeps the commands' order.
      ...groups.flatMap((group) => [
        this.client.sAdd(this.key('g', hash(group)), [id]),
        this.client.pExpire(this.key('g', hash(group)), ttlMs, 'NX'),
        this.client.pExpire(this.key('g', hash(group)), ttlMs, 'GT'),
      ]),
    ]);
    for (let total = Number(await this.client.get(this.key('bytes'))); total > maxBytes; ) {
      const oldest = (await this.client.zRange(this.key('lru'), 0, EVICT_BATCH - 1)).map(String);
      if (!oldest.length) break;
      // The oldest first, only as many as bring the sum under the bound.
      const sizes = await this.client.hmGet(this.key('size'), oldest);
      const going: string[] = [];
      let over = total - maxBytes;
      for (const [i, id] of oldest.entries()) {
        if (over <= 0) break;
        going.push(id);
        over -= Number(sizes[i] ?? 0);
      }
      total -= await this.forget(going);
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    const id = hash(key);
    const value = await this.client.get(this.key('v', id));
    if (!Buffer.isBuffer(value)) return undefined;
    await this.client.zAdd(this.key('lru'), [{ score: now(), value: id }], { XX: true });
    return value;
  }

  async drop(group: string): Promise<number> {
    const setKey = this.key('g', hash(group));
    const ids = (await this.client.sMembers(setKey)).map(String);
    await this.client.del([setKey]);
    if (!ids.length) return 0;
    const kept = await this.client.del(ids.map((id) => this.key('v', id)));
    await this.forget(ids);
    return kept;
  }

  /** Removes values `ids` with their bookkeeping. @returns the bytes they counted for. */
  private async forget(ids: string[]): Promise<number> {
    const sizes = await this.client.hmGet(this.key('size'), ids);
    const bytes = sizes.reduce<number>((sum, size) => sum + Number(size ?? 0), 0);
    await Promise.all([
      this.client.del(ids.map((id) => this.key('v', id))),
      this.client.zRem(this.key('lru'), ids),
      this.client.hDel(this.key('size'), ids),
      this.client.incrBy(this.key('bytes'), -bytes),
    ]);
    return bytes;
  }

  private key(...parts: string[]): string {
    return `${this.prefix}cache:${parts.join(':')}`;
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Now in ms since the epoch, to the microsecond: reads a millisecond apart stay in order. */
function now(): number {
  return performance.timeOrigin + performance.now();
}
