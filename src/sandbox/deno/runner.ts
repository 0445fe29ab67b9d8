import { guestSource } from '../guest/source.js';

/**
 * Source of the program the Deno subprocess runs (written to a file at start): the guest files
 * that make it, in order (see ../guest/deno-runner.ts, which runs last and uses the others).
 */
export const RUNNER_SOURCE = (
  ['protocol-io', 'protocol-answers', 'helpers', 'buffer-budget', 'deno-runner'] as const
)
  .map(guestSource)
  .join('\n');
