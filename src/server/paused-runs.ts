import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { type Approver, approvalMessage } from '../approvals/approvals.js';
import type { SessionStore } from '../store/store.js';

/** What a person answered (MCP elicitation's actions; `accept` only when they approved). */
export type Decision = 'accept' | 'decline' | 'cancel';

/**
 * Where a paused script stands when a request about it ends: finished with its answer, or
 * waiting at approval number `step` (1, 2, …) for the person to answer `message`.
 */
export type Stop = { kind: 'done'; result: CallToolResult } | { kind: 'ask'; message: string; step: number };

/** Why an answer about a paused script found nothing to resume. */
export type Missing =
  /** This approval was answered already (a replayed `requestState`), or the script has moved on. */
  | { kind: 'used' }
  /** The replica holding the script is gone or does not answer. */
  | { kind: 'gone'; replica: string };

/** Time the replica holding a paused script has to acknowledge an answer relayed to it, in ms. */
export const RELAY_ACK_MS = 3_000;

/** One script of a 2026-07-28 client that may stop at approvals while no request is open. */
class PausedRun {
  private step = 0;
  private waiting: ((decision: Decision) => void) | undefined;
  private stops = deferred<Stop>();
  /** Cancels the script (its own, not any request's: requests end while it waits). */
  readonly controller = new AbortController();

  constructor(readonly id: string) {}

  /** The approver the script's approvals ask: each question is a stop the open request answers with. */
  readonly approver: Approver = (request, signal) =>
    new Promise<Decision>((resolve) => {
      this.step++;
      this.waiting = resolve;
      // Approvals' own timer (approvals.timeoutMs) ended the wait: nothing is asked any more.
      signal?.addEventListener('abort', () => {
        if (this.waiting === resolve) this.waiting = undefined;
      });
      this.emit({ kind: 'ask', message: approvalMessage(request), step: this.step });
    });

  /** The next stop (taken before whatever leads to it starts). */
  next(): Promise<Stop> {
    return this.stops.promise;
  }

  /** The run's end: its answer. */
  finish(result: CallToolResult): void {
    this.emit({ kind: 'done', result });
  }

  /** Resumes approval `step` with `decision`; the next stop, or undefined when it is not waiting there. */
  answer(step: number, decision: Decision): Promise<Stop> | undefined {
    const waiting = this.waiting;
    if (step !== this.step || !waiting) return undefined;
    this.waiting = undefined;
    const next = this.next();
    waiting(decision);
    return next;
  }

  private emit(stop: Stop): void {
    const current = this.stops;
    this.stops = deferred();
    current.resolve(stop);
  }
}

/**
 * The paused scripts of this replica's 2026-07-28 clients, and the relay that resumes one held by
 * another replica. A script that reaches an approval answers its request with `input_required`
 * and waits here; the client's retry, with the person's answer and the sealed `requestState`
 * (which names the run, its replica and the step), resumes it where it is held: here, or over the
 * store's pub/sub on the replica named (which acknowledges within {@link RELAY_ACK_MS} and then
 * sends the next stop back). An answer is taken once: a replayed one finds the step gone. A
 * script is never run again anywhere: when its replica is gone, the retry says so.
 */
export class PausedRuns {
  /** This replica's name in `requestState` and on the relay channels. */
  readonly replica = randomBytes(8).toString('hex');
  private readonly runs = new Map<string, PausedRun>();
  private readonly replies = new Map<string, { ack: () => void; stop: (stop: Stop | Missing) => void }>();
  private listening: Promise<void> | undefined;

  constructor(private readonly store: SessionStore | undefined) {}

  /**
   * Starts `run` (a script that asks `approver` at each approval and ends with its answer) and
   * returns its first stop; it keeps going while no request is open.
   */
  start(run: (approver: Approver, signal: AbortSignal) => Promise<CallToolResult>): {
    id: string;
    first: Promise<Stop>;
    cancel: () => void;
  } {
    const paused = new PausedRun(randomBytes(12).toString('hex'));
    this.runs.set(paused.id, paused);
    const first = paused.next();
    void run(paused.approver, paused.controller.signal)
      .catch((error: unknown) => ({
        content: [{ type: 'text' as const, text: `Internal error: ${(error as Error).message}` }],
        isError: true,
      }))
      .then((result) => {
        this.runs.delete(paused.id);
        paused.finish(result);
      });
    return { id: paused.id, first, cancel: () => paused.controller.abort() };
  }

  /**
   * Resumes approval `step` of run `id` held by `replica` with `decision`.
   * @returns the run's next stop, or why there was nothing to resume.
   */
  async answer(replica: string, id: string, step: number, decision: Decision): Promise<Stop | Missing> {
    if (replica === this.replica)
      return (await this.runs.get(id)?.answer(step, decision)) ?? { kind: 'used' };
    const store = this.store;
    if (!store?.publish || !store.subscribe) return { kind: 'gone', replica };
    await this.listen();
    const message = randomBytes(12).toString('hex');
    let acknowledged = false;
    const stop = new Promise<Stop | Missing>((resolve) => {
      this.replies.set(message, {
        ack: () => {
          acknowledged = true;
        },
        stop: resolve,
      });
      setTimeout(() => {
        if (!acknowledged) resolve({ kind: 'gone', replica });
      }, RELAY_ACK_MS).unref();
    });
    await store.publish(
      channel(replica),
      JSON.stringify({ type: 'answer', id, step, decision, from: this.replica, message }),
    );
    return stop.finally(() => this.replies.delete(message));
  }

  /** Subscribes to this replica's relay channel (once): answers for runs held here, and replies. */
  listen(): Promise<void> {
    const store = this.store;
    if (!store?.publish || !store.subscribe) return Promise.resolve();
    this.listening ??= store.subscribe(channel(this.replica), (text) => {
      let message: Relayed;
      try {
        message = JSON.parse(text) as Relayed;
      } catch {
        return;
      }
      if (message.type === 'answer') void this.relayed(store, message);
      else if (message.type === 'ack') this.replies.get(message.message)?.ack();
      else if (message.type === 'stop') this.replies.get(message.message)?.stop(message.stop);
    });
    return this.listening;
  }

  private async relayed(store: SessionStore, message: Extract<Relayed, { type: 'answer' }>): Promise<void> {
    const reply = (body: Record<string, unknown>) =>
      store.publish?.(channel(message.from), JSON.stringify({ ...body, message: message.message }));
    await reply({ type: 'ack' });
    const next = this.runs.get(message.id)?.answer(message.step, message.decision);
    await reply({ type: 'stop', stop: next ? await next : { kind: 'used' } });
  }
}

type Relayed =
  | { type: 'answer'; id: string; step: number; decision: Decision; from: string; message: string }
  | { type: 'ack'; message: string }
  | { type: 'stop'; message: string; stop: Stop | Missing };

const channel = (replica: string) => `toolscript:runs:${replica}`;

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
