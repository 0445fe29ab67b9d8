/**
 * The token-counting worker thread (run by the pool in `counter.ts`). Every o200k_base count the
 * gateway makes after start-up runs here, so a long or hostile text never holds the event loop
 * that serves other sessions.
 */
import { type AccountingInput, accountExecution } from './execution.js';
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
      return accountExecution(task.input);
    case 'truncate':
      return truncateToTokens(task.text, task.maxTokens);
  }
}
