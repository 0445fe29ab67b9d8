import type { ExecutionResult } from './result.js';
import { resultJson } from './result-json.js';

/** Call traces kept in {@link executionMeta}; the rest are counted in `callsOmitted`. */
export const META_MAX_CALLS = 1000;

/** What an answer carries about an execution besides its text (`_meta.toolscript` over MCP). */
export type ExecutionMeta = Omit<ExecutionResult, 'output' | 'result' | 'logs' | 'calls' | 'content'> & {
  /** Content blocks answered beside the text (their data is in the answer's `content`, not here). */
  contentBlocks?: number;
  /** The script's result, when the model saw all of it (the output was not cut). */
  result?: unknown;
  /** Console lines, when the model saw all of them. */
  logs?: string[];
  /** Characters of the result as JSON. */
  resultChars: number;
  /** Number of console lines. */
  logLines: number;
  /** Call traces, the first {@link META_MAX_CALLS}. */
  calls: ExecutionResult['calls'];
  /** Number of calls the script made. */
  callCount: number;
  /** Calls left out of `calls`, when any. */
  callsOmitted?: number;
};

/**
 * The execution as an answer's metadata: never more than the model-visible output plus sizes.
 * The result and logs come along only when the output was not cut (the model saw them whole);
 * otherwise their sizes do. `exec --json` and `Gateway.execute` still give the whole value.
 */
export function executionMeta(execution: ExecutionResult): ExecutionMeta {
  const { output: _output, result, logs, calls, content, ...rest } = execution;
  const resultChars = result === undefined ? 0 : (resultJson(execution)?.length ?? 0);
  const whole = execution.truncated === undefined;
  return {
    ...rest,
    ...(content?.length ? { contentBlocks: content.length } : {}),
    ...(whole ? { result, logs } : {}),
    resultChars,
    logLines: logs.length,
    calls: calls.length > META_MAX_CALLS ? calls.slice(0, META_MAX_CALLS) : calls,
    callCount: calls.length,
    ...(calls.length > META_MAX_CALLS ? { callsOmitted: calls.length - META_MAX_CALLS } : {}),
  };
}
