/**
 * The token-counting worker thread (run by the pool in `counter.ts`). Every o200k_base count the
 * gateway makes after start-up runs here, so a long or hostile text never holds the event loop
 * that serves other sessions.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { type AccountingInput, accountWith, countSample, type TextSample } from './execution.js';
import { countTokens, truncateToTokens } from './tokens.js';

/** One unit of work for the worker; the answer is the named function's return value. */
export type CountTask =
  | { kind: 'count'; texts: string[] }
  | { kind: 'account'; input: AccountingInput }
  | { kind: 'truncate'; text: string; maxTokens: number };

// Load the rank table now, so the worker reports ready only when it can count at once.
countTokens('');

export default function run(task: CountTask): unknown {
  switch (task.kind) {
    case 'count':
      return task.texts.map((text) => countTokens(text));
    case 'account':
      return accountWith(task.input, countRemembered);
    case 'truncate':
      return truncateToTokens(task.text, task.maxTokens);
  }
}

/** Payloads shorter than this are counted every time: hashing them would cost about as much. */
const REMEMBER_FROM_CHARS = 2_000;
/** Counts of long payloads, by what was counted of them (see {@link countRemembered}). */
const remembered = new LRUCache<string, { tokens: number; estimated: boolean }>({ max: 1024 });

/**
 * {@link countSample}, remembering the counts of long payloads: a result read again (from the
 * call cache, or by the same script run again) is counted once. The key is what the count
 * depends on: the prefix counted (SHA-256), how much of it, and the payload's full length.
 * Tokenizing runs at about 4 MB/s here, hashing at hundreds: 1.7 MB of cached mail results took
 * 20 ms to count on each run.
 */
function countRemembered(sample: TextSample, maxChars: number): { tokens: number; estimated: boolean } {
  const counted = sample.text.length > maxChars ? sample.text.slice(0, maxChars) : sample.text;
  if (counted.length < REMEMBER_FROM_CHARS) return countSample(sample, maxChars);
  const key = `${sample.length}:${counted.length}:${createHash('sha256').update(counted).digest('base64')}`;
  const known = remembered.get(key);
  if (known) return known;
  const fresh = countSample(sample, maxChars);
  remembered.set(key, fresh);
  return fresh;
}
