import { randomBytes } from 'node:crypto';
import { ToolscriptError } from '../errors.js';
import type { Gateway } from '../gateway/gateway.js';
import { GatewaySession } from '../session/gateway-session.js';

/** Prefix of a context handle; the rest is 32 hex digits (128 random bits). */
const PREFIX = 'ctx-';
const HANDLE = /^ctx-[0-9a-f]{32}$/;

/** A context handle that does not (or no longer) name a context of this caller. */
export class UnknownContextError extends ToolscriptError {
  static override readonly kind: string = 'UnknownContextError';
  constructor(handle: string) {
    super(
      'UNKNOWN_CONTEXT',
      `Unknown or expired context "${handle.slice(0, 80)}": contexts end after being idle, and belong to the credential that made them. Omit "context" to start a new one (its workspace and state start empty).`,
      { handle: handle.slice(0, 80) },
    );
    this.name = 'UnknownContextError';
  }
}

/** Options of {@link Contexts}. */
export interface ContextsOptions {
  /** A context unused this long (ms) ends: its handle is refused, its state is dropped. */
  idleMs: number;
  /** Most contexts held in memory without a store; the least recently used end first. @default 10000 */
  maxInMemory?: number;
}

/**
 * What carries a 2026-07-28 client's state from one `execute_code` to the next, since the revision
 * has no sessions: a context, named by an opaque handle (`ctx-` and 128 random bits) that each
 * answer gives and the next call passes back in its `context` argument. A context is a
 * {@link GatewaySession} by another name: its workspace and `state`, its PII vault (tokens the model
 * saw untokenize in the next call) and its token ledger.
 *
 * With a session store (Redis) a context's record (its caller, with the same idle expiry as a
 * session) and its state live in the store, and every call loads the state afresh and saves what
 * changed, so consecutive calls may land on any replica. Without one they live in this process.
 * A handle selects state and never authenticates: the request passed the bearer check first, and a
 * context made under one credential is unknown to every other (`caller`, the credential's hash).
 * Two calls with one handle at the same time both run; the one that ends last is what the next
 * call sees of the workspace.
 */
export class Contexts {
  private readonly held = new Map<string, { session: GatewaySession; caller: string; used: number }>();
  private readonly maxInMemory: number;

  constructor(
    private readonly gateway: Gateway,
    private readonly options: ContextsOptions,
  ) {
    this.maxInMemory = options.maxInMemory ?? 10_000;
  }

  /**
   * The session of context `handle` for `caller`, or of a new context when `handle` is undefined.
   * @throws {UnknownContextError} when `handle` names no live context of `caller`.
   * @throws when the store cannot be read or written.
   */
  async take(handle: string | undefined, caller: string): Promise<GatewaySession> {
    const store = this.gateway.store;
    if (handle === undefined) {
      const id = `${PREFIX}${randomBytes(16).toString('hex')}`;
      const now = Date.now();
      if (store) {
        await store.putSession(
          { id, created: now, lastSeen: now, tokenHash: caller, initialize: null, kind: 'context' },
          this.options.idleMs,
        );
        return new GatewaySession(this.gateway, { id });
      }
      const session = new GatewaySession(this.gateway, { id });
      this.hold(id, session, caller);
      return session;
    }
    if (!HANDLE.test(handle)) throw new UnknownContextError(handle);
    if (store) {
      const record = await store.getSession(handle);
      if (record?.kind !== 'context' || record.tokenHash !== caller) throw new UnknownContextError(handle);
      await store.touch(handle, this.options.idleMs);
      // Loaded afresh: the last call may have run on another replica.
      return new GatewaySession(this.gateway, { id: handle, restore: true });
    }
    const held = this.held.get(handle);
    if (!held || held.caller !== caller || Date.now() - held.used > this.options.idleMs)
      throw new UnknownContextError(handle);
    held.used = Date.now();
    // Most recently used last, so the oldest is first to go.
    this.held.delete(handle);
    this.held.set(handle, held);
    return held.session;
  }

  /** Drops contexts idle for longer than `idleMs` (in memory; the store expires its own). */
  sweep(now = Date.now()): void {
    for (const [id, held] of this.held) if (now - held.used > this.options.idleMs) this.held.delete(id);
  }

  private hold(id: string, session: GatewaySession, caller: string): void {
    this.held.set(id, { session, caller, used: Date.now() });
    for (const oldest of this.held.keys()) {
      if (this.held.size <= this.maxInMemory) break;
      this.held.delete(oldest);
    }
  }
}
