import { Piscina } from 'piscina';
import type { CountTask } from './count-worker.js';
import {
  type AccountingInput,
  type accountExecution,
  accountWith,
  countSample,
  countSampleRoughly,
} from './execution.js';
import { countTokens, truncateToTokens } from './tokens.js';

/**
 * Token counting off the event loop: one worker thread (piscina) holds the o200k_base tokenizer
 * and does every count the gateway makes while serving, so a long, CJK or hostile text delays
 * only the execution it belongs to. Each count has a deadline; past it the worker is stopped and
 * the figure is estimated from the text's length (`estimated: true`).
 */

/** Default deadline of one count, in ms, when the caller gives none. */
export const COUNT_DEADLINE_MS = 5_000;
/** How long the idle worker stays up (keeping its loaded tokenizer), in ms. */
const IDLE_MS = 60_000;

/** Longest wait for the worker to start (thread, module and rank table), in ms. */
const STARTUP_MS = 30_000;

let pool: Piscina | undefined;
let unavailable = false;
/** Resolves when a worker is up with its tokenizer loaded; replaced when the worker stops. */
let ready: Promise<void> = Promise.resolve();
let markReady: () => void = () => {};

function expectWorker(): void {
  ready = new Promise((resolve) => {
    markReady = resolve;
  });
}

/**
 * The worker pool, started on first use. From a source checkout (`.ts` files, as under tsx or
 * vitest) the worker loads through tsx; from the built package it is plain JavaScript.
 */
function counterPool(): Piscina | undefined {
  if (unavailable) return undefined;
  if (pool) return pool;
  const source = import.meta.url.endsWith('.ts');
  const filename = new URL(`./count-worker.${source ? 'ts' : 'js'}`, import.meta.url).href;
  const inherited = process.execArgv.some((arg) => arg.includes('tsx'));
  try {
    pool = new Piscina({
      filename,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: IDLE_MS,
      ...(source && !inherited ? { execArgv: [...process.execArgv, '--import', 'tsx'] } : {}),
    });
    expectWorker();
    pool.on('workerCreate', () => markReady());
    pool.on('workerDestroy', () => expectWorker());
  } catch {
    unavailable = true;
  }
  return pool;
}

/**
 * Starts the counting worker now, so the first execution does not wait for it (servers call this;
 * one-shot commands let it start on first use).
 */
export function warmCounter(): void {
  void countTokensOffThread(['']);
}

/**
 * Runs `task` on the worker. The deadline (`deadlineMs`) starts once the worker is up, so
 * start-up is not charged to the task; past it the worker is stopped. Past the deadline, when the
 * worker cannot start (e.g. in a bundle without `count-worker.js`), the answer is `fallback()`,
 * which must be cheap and linear in its input.
 */
async function offThread<T>(task: CountTask, deadlineMs: number, fallback: () => T): Promise<T> {
  const workers = counterPool();
  if (!workers) return fallback();
  const controller = new AbortController();
  const answer = workers.run(task, { signal: controller.signal }) as Promise<T>;
  answer.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const startup = setTimeout(() => controller.abort(), STARTUP_MS);
  void ready.then(() => {
    clearTimeout(startup);
    timer = setTimeout(() => controller.abort(), Math.max(1, deadlineMs));
  });
  try {
    return await answer;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'AbortError')) unavailable = isLoadError(error);
    return fallback();
  } finally {
    clearTimeout(startup);
    clearTimeout(timer);
  }
}

/** True when the worker file itself cannot load: then counting stays on this thread from now on. */
function isLoadError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'ERR_UNKNOWN_FILE_EXTENSION' ||
    code === 'ERR_WORKER_INIT_FAILED'
  );
}

/** Rough o200k_base count of a text from its length: about 4 characters per token. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * o200k_base tokens of each text, counted on the worker thread (see {@link countTokens} for
 * how long texts are sampled).
 * @param deadlineMs time allowed, in ms; past it each count is estimated from length.
 * @returns one count per text, in order.
 */
export function countTokensOffThread(
  texts: string[],
  deadlineMs = COUNT_DEADLINE_MS,
): Promise<{ tokens: number; estimated: boolean }[]> {
  return offThread({ kind: 'count', texts }, deadlineMs, () =>
    texts.map((text) => (unavailable ? countTokens(text) : { tokens: roughTokens(text), estimated: true })),
  );
}

/** {@link accountExecution} on the worker thread, within `deadlineMs` (then estimated from lengths). */
export function accountOffThread(
  input: AccountingInput,
  deadlineMs = COUNT_DEADLINE_MS,
): Promise<ReturnType<typeof accountExecution>> {
  return offThread({ kind: 'account', input }, deadlineMs, () =>
    accountWith(input, unavailable ? countSample : countSampleRoughly),
  );
}

/**
 * {@link truncateToTokens} on the worker thread, within `deadlineMs`. Only called for a text
 * longer than `maxTokens` UTF-8 bytes; past the deadline it is cut at `maxTokens` bytes (never
 * more than `maxTokens` tokens) and the total is estimated.
 */
export function truncateOffThread(
  text: string,
  maxTokens: number,
  deadlineMs = COUNT_DEADLINE_MS,
): Promise<ReturnType<typeof truncateToTokens>> {
  return offThread({ kind: 'truncate', text, maxTokens }, deadlineMs, () =>
    unavailable
      ? truncateToTokens(text, maxTokens)
      : {
          text: cutToBytes(text, maxTokens),
          truncated: true,
          totalTokens: roughTokens(text),
          estimated: true,
        },
  );
}

/** The longest prefix of `text` of at most `bytes` UTF-8 bytes (an o200k_base token is at least one). */
function cutToBytes(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    used += Buffer.byteLength(char);
    if (used > bytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/** Stops the counting worker (it also stops by itself after a minute idle). */
export async function closeCounter(): Promise<void> {
  const closing = pool;
  pool = undefined;
  await closing?.destroy();
}
