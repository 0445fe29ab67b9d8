import { randomUUID } from 'node:crypto';
import { ToolscriptError } from '../errors.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Exposure } from '../session/exposure.js';
import { clientExposure } from './exposure-choice.js';
import { createMcpServer } from './mcp-server.js';
import { SessionTransport } from './session-transport.js';

/** This replica holds as many sessions as it may; a session held elsewhere cannot move here now. */
export class SessionsFullError extends ToolscriptError {
  static override readonly kind: string = 'SessionsFullError';
  constructor(readonly maxSessions: number) {
    super('SESSIONS_FULL', `Too many sessions on this replica (${maxSessions}); retry shortly`, {
      maxSessions,
    });
    this.name = 'SessionsFullError';
  }
}

/** Options of {@link HttpSessions}. */
export interface HttpSessionsOptions {
  /** A session unused this long (ms) is closed here, and its record in the store expires. */
  idleMs: number;
  /** Most sessions this replica holds; an initialize beyond it is refused. */
  maxSessions: number;
  /** SHA-256 (hex) of the gateway's bearer token, or "" without one; a record made under another token is not taken over. */
  tokenHash: string;
  /** What a client gets that does not choose (`serve --expose`); default the config's `expose`. */
  expose?: Exposure | undefined;
}

/**
 * The MCP sessions one HTTP server holds: one {@link SessionTransport} and MCP server each, by
 * `Mcp-Session-Id`. With a session store (`Gateway.store`) each new session's record (its
 * `initialize`) is saved, and a request for a session this replica does not hold rebuilds it from
 * the record ({@link SessionTransport.replay}); the session's vault, ledger and workspace follow
 * (see `GatewaySession`'s `restore`). Without a record the request gets 404 and the client
 * re-initializes. Idle sessions are closed here; their records expire in the store by themselves.
 */
export class HttpSessions {
  private readonly transports = new Map<string, SessionTransport>();
  private readonly lastUsed = new Map<string, number>();
  private readonly lastTouched = new Map<string, number>();
  private readonly rebuilding = new Map<string, Promise<SessionTransport | undefined>>();

  constructor(
    private readonly gateway: Gateway,
    private readonly options: HttpSessionsOptions,
  ) {}

  /** Sessions held by this replica. */
  get size(): number {
    return this.transports.size;
  }

  /** True when another session may start here. */
  get hasRoom(): boolean {
    return this.transports.size < this.options.maxSessions;
  }

  /**
   * The transport of session `id`: held here, or rebuilt from the store's record (once, however
   * many requests ask at the same time); undefined when there is no such session (anymore).
   * @throws {SessionsFullError} when the session would be rebuilt here but this replica holds
   *   `maxSessions` already (the client should retry, not re-initialize).
   * @throws when the store cannot be read.
   */
  async find(id: string): Promise<SessionTransport | undefined> {
    const held = this.transports.get(id);
    if (held) {
      this.used(id);
      return held;
    }
    const store = this.gateway.store;
    if (!store) return undefined;
    if (!this.hasRoom && !this.rebuilding.has(id)) throw new SessionsFullError(this.options.maxSessions);
    let rebuilt = this.rebuilding.get(id);
    if (!rebuilt) {
      rebuilt = (async () => {
        const record = await store.getSession(id);
        if (!record || record.kind === 'context' || record.tokenHash !== this.options.tokenHash)
          return undefined;
        const transport = await this.open(id, true, undefined, record.expose);
        await transport.replay(record.initialize);
        return transport;
      })().finally(() => this.rebuilding.delete(id));
      this.rebuilding.set(id, rebuilt);
    }
    const transport = await rebuilt;
    if (transport) this.used(id);
    return transport;
  }

  /**
   * Starts a session with the client's `initialize` request, `body` its JSON already read (the
   * caller checked {@link hasRoom}). @returns the transport's answer.
   */
  async initialize(request: Request, body: unknown): Promise<Response> {
    const id = randomUUID();
    const transport = await this.open(id, false, body, clientExposure(request) ?? this.options.expose);
    const answer = await transport.handleRequest(request, { parsedBody: body });
    // An initialize the transport refused (e.g. 406 for a bad Accept header) made no session:
    // close it now, or its server would stay listening to the catalog outside the session cap.
    if (!this.transports.has(id)) await transport.close().catch(() => {});
    return answer;
  }

  /**
   * Removes session `id` from the store after its HTTP DELETE (the transport has closed it here).
   * @throws when the store cannot be written.
   */
  async remove(id: string): Promise<void> {
    await this.gateway.store?.deleteSession(id);
  }

  /** Closes sessions unused for `idleMs`. */
  sweep(now = Date.now()): void {
    for (const [id, at] of this.lastUsed) {
      if (now - at < this.options.idleMs) continue;
      const transport = this.transports.get(id);
      this.forget(id);
      void transport?.close().catch(() => {});
    }
  }

  /** Closes every session held here (the store keeps their records). */
  async close(): Promise<void> {
    const open = [...this.transports.values()];
    this.transports.clear();
    await Promise.all(open.map((transport) => transport.close().catch(() => {})));
  }

  /**
   * A transport and MCP server for session `id`, registered here once initialized; `initialize`
   * (a new session) is saved in the store when there is one.
   */
  private async open(
    id: string,
    restore: boolean,
    initialize?: unknown,
    expose?: Exposure,
  ): Promise<SessionTransport> {
    const store = this.gateway.store;
    const transport: SessionTransport = new SessionTransport({
      sessionIdGenerator: () => id,
      ...(store ? { eventStore: store.eventStore(id) } : {}),
      onsessioninitialized: async () => {
        this.transports.set(id, transport);
        const now = Date.now();
        // A rebuilt session was just read from the store; a new one is saved now.
        this.lastTouched.set(id, now);
        this.used(id);
        if (store && !restore) {
          const record = {
            id,
            created: now,
            lastSeen: now,
            tokenHash: this.options.tokenHash,
            initialize,
            ...(expose ? { expose } : {}),
          };
          // Saved before the client hears of the session, so any replica can take it over.
          await store.putSession(record, this.options.idleMs).catch(() => {});
        }
      },
    });
    transport.onclose = () => {
      if (this.transports.get(id) === transport) this.forget(id);
    };
    // The Mcp-Session-Id names the session's workspace, state and PII vault.
    await createMcpServer(this.gateway, { session: id, restore, expose }).connect(transport);
    return transport;
  }

  /** Notes a request of session `id`; the store hears of it at most every tenth of the idle time. */
  private used(id: string): void {
    const now = Date.now();
    this.lastUsed.set(id, now);
    const store = this.gateway.store;
    if (!store || now - (this.lastTouched.get(id) ?? 0) < this.options.idleMs / 10) return;
    this.lastTouched.set(id, now);
    void store.touch(id, this.options.idleMs).catch(() => {});
  }

  private forget(id: string): void {
    this.transports.delete(id);
    this.lastUsed.delete(id);
    this.lastTouched.delete(id);
  }
}
