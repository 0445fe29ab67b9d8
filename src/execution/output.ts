import { truncateOffThread } from '../accounting/counter.js';
import type { ExecutionResult } from './result.js';

/**
 * The model-visible text of an execution: the logs, then `Result:` and the result as compact
 * JSON (`json`, when the caller has it already), or `Error [CODE]: message`. Cut to `maxTokens` o200k_base tokens with a closing note
 * saying how much was cut and what to do. The cut is tokenized on the counting worker within
 * `deadlineMs` (past it, the text is cut by bytes and the total estimated).
 */
export async function renderOutput(
  execution: Pick<ExecutionResult, 'logs' | 'result' | 'error'>,
  maxTokens: number,
  deadlineMs?: number,
  json?: string,
): Promise<{ output: string; truncated?: ExecutionResult['truncated'] }> {
  const parts: string[] = [];
  if (execution.logs.length) parts.push(execution.logs.join('\n'));
  if (execution.error) parts.push(`Error [${execution.error.code}]: ${execution.error.message}`);
  else if (execution.result !== null && execution.result !== undefined) {
    parts.push(
      `Result:\n${typeof execution.result === 'string' ? execution.result : (json ?? JSON.stringify(execution.result))}`,
    );
  } else parts.push('Result: (none; export default a value or use a top-level return to see one)');
  const full = parts.join('\n\n');
  // An o200k_base token covers at least one UTF-8 byte, so a text of at most maxTokens bytes fits.
  if (full.length <= maxTokens && Buffer.byteLength(full) <= maxTokens) return { output: full };
  const cut = await truncateOffThread(full, maxTokens, deadlineMs);
  if (!cut.truncated) return { output: full };
  const about = cut.estimated ? 'about ' : '';
  return {
    output: `${cut.text}\n\n[toolscript: output cut to ${maxTokens} of ${about}${cut.totalTokens} tokens. Filter, aggregate or slice in the script and return only what is needed.]`,
    truncated: { shownTokens: maxTokens, totalTokens: cut.totalTokens, estimated: cut.estimated },
  };
}
