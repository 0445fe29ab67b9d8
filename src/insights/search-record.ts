import { queryTerms } from '../discovery/text.js';
import { sessionLabel } from '../util/session-label.js';
import type { SearchRecord } from './types.js';

/*
 * Apart from records.ts, so a gateway that only executes (\`toolscript exec\`) never loads the
 * discovery's text processing (its stop words).
 */

/** Tools kept per search record. */
export const MAX_SEARCH_TOOLS = 10;

/**
 * The record of one `search_tools` answer (see {@link SearchRecord}).
 * @param query the query as the model sent it, already PII-tokenized when the session tokenizes;
 *   only its index terms are kept.
 * @param tools the tools answered, best first, as `<server>.<tool>`.
 */
export function searchRecord(
  query: string,
  tools: string[],
  session: string,
  time = Date.now(),
): SearchRecord {
  return {
    kind: 'search',
    time,
    caller: sessionLabel(session),
    terms: queryTerms(query).slice(0, 32),
    tools: tools.slice(0, MAX_SEARCH_TOOLS),
  };
}
