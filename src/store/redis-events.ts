import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

/** Events kept per session (approximately: Redis trims whole nodes), the oldest dropped first. */
export const MAX_EVENTS = 1_000;

/** The few stream commands {@link RedisEventStore} needs (the store's node-redis client). */
export interface StreamCommands {
  xAdd(
    key: string,
    id: string,
    message: Record<string, string>,
    options: { TRIM: { strategy: 'MAXLEN'; strategyModifier: '~'; threshold: number } },
  ): Promise<unknown>;
  xRange(
    key: string,
    start: string,
    end: string,
  ): Promise<{ id: unknown; message: Record<string, unknown> }[]>;
  pExpire(key: string, ms: number): Promise<unknown>;
}

/**
 * The MCP SDK's `EventStore` for one session, in a Redis Stream (`session:<id>:events`): each SSE
 * event the transport sends is appended with its stream id, and a client that reconnects with
 * `Last-Event-ID` (to this replica or another) gets the later events of the same stream. Event
 * ids are the Redis entry ids. The stream is capped at about {@link MAX_EVENTS} entries and
 * expires with the session's data.
 */
export class RedisEventStore implements EventStore {
  private expirySet = false;
  private unsaved = 0;

  /**
   * @param key the session's stream key.
   * @param ttlMs how long the stream lives after its first event, in ms.
   */
  constructor(
    private readonly client: StreamCommands,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /**
   * Appends one event. When Redis cannot take it, the event still goes out, under an id no replica
   * can resume from (`unsaved-<n>`): an answer to a call that ran is never held back by the store.
   */
  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    try {
      return await this.append(streamId, message);
    } catch {
      return `unsaved-${++this.unsaved}`;
    }
  }

  private async append(streamId: string, message: JSONRPCMessage): Promise<string> {
    const added = this.client.xAdd(
      this.key,
      '*',
      { s: streamId, m: JSON.stringify(message) },
      { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: MAX_EVENTS } },
    );
    let expiry: Promise<unknown> | undefined;
    if (!this.expirySet) {
      this.expirySet = true;
      expiry = this.client.pExpire(this.key, this.ttlMs);
    }
    const [id] = await Promise.all([added, expiry]);
    return String(id);
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    if (!/^\d+-\d+$/.test(eventId)) return undefined;
    const [entry] = await this.client.xRange(this.key, eventId, eventId);
    return entry ? String(entry.message.s) : undefined;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const streamId = await this.getStreamIdForEventId(lastEventId);
    if (streamId === undefined) throw new Error(`Unknown event id ${lastEventId}`);
    for (const entry of await this.client.xRange(this.key, `(${lastEventId}`, '+')) {
      if (String(entry.message.s) !== streamId) continue;
      const text = String(entry.message.m);
      // The transport's priming events carry no message.
      if (text === '{}') continue;
      await send(String(entry.id), JSON.parse(text) as JSONRPCMessage);
    }
    return streamId;
  }
}
