import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { type Approver, approvalMessage } from '../approvals/approvals.js';
import type { SessionStore } from '../store/store.js';
import type { Elicitor, ServerAnswer } from '../upstream/elicitation.js';

/** The approval form: one yes/no field (elicitation's `requestedSchema` takes flat primitives only). */
export const APPROVAL_FORM = {
  type: 'object' as const,
  properties: {
    approve: {
      type: 'boolean' as const,
      title: 'Approve',
      description: 'Run this call now.',
      default: false,
    },
  },
  required: ['approve'],
};

/** A question to the person: an approval (`key` "approve") or an upstream server's own (`key` "question"). */
export interface Question {
  key: 'approve' | 'question';
  message: string;
  requestedSchema: Record<string, unknown>;
}

/**
 * Where a paused script stands when a request about it ends: finished with its answer, or
 * waiting at question number `step` (1, 2, …) for the person.
 */
export type Stop = { kind: 'done'; result: CallToolResult } | ({ kind: 'ask'; step: number } & Question);

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
  private waiting: ((answer: ServerAnswer) => void) | undefined;
  private stops = deferred<Stop>();
  /** Cancels the script (its own, not any request's: requests end while it waits). */
  readonly controller = new AbortController();

  /** @param questionTimeoutMs how long an upstream server's question waits for the person, in ms. */
  constructor(
    readonly id: string,
    private readonly questionTimeoutMs: number,
  ) {}

  /** Puts `question` to the person: a stop the open request answers with, until `signal` aborts. */
  private ask(question: Question, signal: AbortSignal): Promise<ServerAnswer> {
    return new Promise<ServerAnswer>((resolve) => {
      this.step++;
      this.waiting = resolve;
      // The gateway stopped waiting (approvals.timeoutMs, a cancel): nothing is asked any more.
      signal.addEventListener('abort', () => {
        if (this.waiting !== resolve) return;
        this.waiting = undefined;
        resolve({ action: 'cancel' });
      });
      this.emit({ kind: 'ask', step: this.step, ...question });
    });
  }

  /** The approver of the script's approvals: `accept` only when the person approved. */
  readonly approver: Approver = async (request, signal) => {
    const answer = await this.ask(
      { key: 'approve', message: approvalMessage(request), requestedSchema: APPROVAL_FORM },
      signal,
    );
    if (answer.action !== 'accept') return answer.action;
    return answer.content?.approve === true ? 'accept' : 'decline';
  };

  /** Passes an upstream server's question on, saying which server asks. */
  readonly elicitor: Elicitor = (question, signal) =>
    // Approvals bound their own wait (approvals.timeoutMs); a server's question gets the same.
    this.ask(
      {
        key: 'question',
        message: `Server ${question.server} asks: ${question.message}`,
        requestedSchema: question.requestedSchema,
      },
      AbortSignal.any([signal, AbortSignal.timeout(this.questionTimeoutMs)]),
    );

  /** The next stop (taken before whatever leads to it starts). */
  next(): Promise<Stop> {
    return this.stops.promise;
  }

  /** The run's end: its answer. */
  finish(result: CallToolResult): void {
    this.emit({ kind: 'done', result });
  }

  /** Resumes question `step` with `answer`; the next stop, or undefined when it is not waiting there. */
  answer(step: number, answer: ServerAnswer): Promise<Stop> | undefined {
    const waiting = this.waiting;
    if (step !== this.step || !waiting) return undefined;
    this.waiting = undefined;
    const next = this.next();
    waiting(answer);
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

  /**
   * @param store where other replicas are reached (its pub/sub); without one, runs are held and
   *   answered on this replica only.
   * @param questionTimeoutMs how long an upstream server's question waits for the person, in ms
   *   (`approvals.timeoutMs`); unanswered, the server gets `cancel`.
   */
  constructor(
    private readonly store: SessionStore | undefined,
    private readonly questionTimeoutMs: number,
  ) {}

  /**
   * Starts `run` (a script that asks `approver` at each approval and ends with its answer) and
   * returns its first stop; it keeps going while no request is open.
   */
  start(
    run: (ask: { approver: Approver; elicitor: Elicitor }, signal: AbortSignal) => Promise<CallToolResult>,
  ): {
    id: string;
    first: Promise<Stop>;
    cancel: () => void;
  } {
    const paused = new PausedRun(randomBytes(12).toString('hex'), this.questionTimeoutMs);
    this.runs.set(paused.id, paused);
    const first = paused.next();
    void run(paused, paused.controller.signal)
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
   * Resumes question `step` of run `id` held by `replica` with the person's `answer`.
   * @returns the run's next stop, or why there was nothing to resume.
   */
  async answer(replica: string, id: string, step: number, answer: ServerAnswer): Promise<Stop | Missing> {
    if (replica === this.replica) return (await this.runs.get(id)?.answer(step, answer)) ?? { kind: 'used' };
    const store = this.store;
    if (!store) return { kind: 'gone', replica };
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
      JSON.stringify({ type: 'answer', id, step, answer, from: this.replica, message }),
    );
    return stop.finally(() => this.replies.delete(message));
  }

  /** Subscribes to this replica's relay channel (once): answers for runs held here, and replies. */
  listen(): Promise<void> {
    const store = this.store;
    if (!store) return Promise.resolve();
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
      store.publish(channel(message.from), JSON.stringify({ ...body, message: message.message }));
    await reply({ type: 'ack' });
    const next = this.runs.get(message.id)?.answer(message.step, message.answer);
    await reply({ type: 'stop', stop: next ? await next : { kind: 'used' } });
  }
}

type Relayed =
  | { type: 'answer'; id: string; step: number; answer: ServerAnswer; from: string; message: string }
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
