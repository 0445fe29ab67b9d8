import type { ReadonlyCatalog } from '../catalog/catalog.js';
import { HostWorker } from '../util/worker.js';
import type { CountTask } from './count-worker.js';
import {
  type AccountingInput,
  type accountExecution,
  accountWith,
  countSample,
  countSampleRoughly,
} from './execution.js';
import { countTokens, exactCounts, roughTokens, truncateToTokens } from './tokens.js';

/**
 * Token counting off the event loop: one worker thread (piscina) holds the o200k_base tokenizer
 * and does every count the gateway makes while serving, so a long, CJK or hostile text delays
 * only the execution it belongs to. Each count has a deadline; past it the worker is stopped and
 * the figure is estimated from the text's length (`estimated: true`).
 */

/** Default deadline of one count, in ms, when the caller gives none. */
export const COUNT_DEADLINE_MS = 5_000;

const worker = new HostWorker<CountTask>(new URL('./count-worker', import.meta.url));

/**
 * True when counts are made on this thread, without the worker: without gpt-tokenizer (an
 * optional peer) every count is an estimate from length, which costs nothing.
 */
const estimatesOnly = (): boolean => !exactCounts();

/**
 * Starts the counting worker now, so the first execution does not wait for it (servers call this;
 * one-shot commands let it start on first use).
 */
export function warmCounter(): void {
  if (!estimatesOnly()) void countTokensOffThread(['']);
}

/**
 * o200k_base tokens of every tool definition of a catalog as `tools/list` presents it (the
 * `tools` array as JSON): what direct tool calling loads into the context. Counted on the worker,
 * once per catalog version.
 */
export function definitionCounter(catalog: ReadonlyCatalog): () => Promise<number> {
  let count: Promise<number> | undefined;
  catalog.on('changed', () => {
    count = undefined;
  });
  return () => {
    count ??= countTokensOffThread([JSON.stringify(catalog.allTools().map((t) => t.tool))]).then(
      ([counted]) => counted?.tokens ?? 0,
    );
    return count;
  };
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
  if (estimatesOnly()) return Promise.resolve(texts.map(countTokens));
  return worker.run({ kind: 'count', texts }, deadlineMs, () =>
    texts.map((text) =>
      worker.unavailable ? countTokens(text) : { tokens: roughTokens(text.length), estimated: true },
    ),
  );
}

/** {@link accountExecution} on the worker thread, within `deadlineMs` (then estimated from lengths). */
export function accountOffThread(
  input: AccountingInput,
  deadlineMs = COUNT_DEADLINE_MS,
): Promise<ReturnType<typeof accountExecution>> {
  if (estimatesOnly()) return Promise.resolve(accountWith(input, countSampleRoughly));
  return worker.run({ kind: 'account', input }, deadlineMs, () =>
    accountWith(input, worker.unavailable ? countSample : countSampleRoughly),
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
  if (estimatesOnly()) return Promise.resolve(truncateToTokens(text, maxTokens));
  return worker.run({ kind: 'truncate', text, maxTokens }, deadlineMs, () =>
    worker.unavailable
      ? truncateToTokens(text, maxTokens)
      : {
          text: cutToBytes(text, maxTokens),
          truncated: true,
          totalTokens: roughTokens(text.length),
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
export function closeCounter(): Promise<void> {
  return worker.close();
}
