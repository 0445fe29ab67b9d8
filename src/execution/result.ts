import type { ExecutionTokens } from '../accounting/execution.js';
import type { CallTrace } from '../bridge/bridge.js';
import type { ExecutionErrorCode } from '../errors.js';
import type { ExecutionHint } from './hints.js';
import type { MediaBlock } from './media.js';

/**
 * The outcome of one execution. `exec --json` prints it; over MCP it travels in the
 * `execute_code` result's `_meta.toolscript`, while the text content is {@link ExecutionResult.output}.
 */
export interface ExecutionResult {
  ok: boolean;
  /** The script's default export (or top-level `return`), as JSON; `null` when none or on failure. */
  result: unknown;
  /** Console output in order; `warn`/`error` lines are prefixed `[warn] ` / `[error] `. */
  logs: string[];
  error: { code: ExecutionErrorCode; message: string; details?: Record<string, unknown> } | null;
  /** Every call the script made, in order. */
  calls: CallTrace[];
  /** What the model reads: logs, then the result as JSON (or the error), cut to `maxOutputTokens`. */
  output: string;
  /**
   * Images, audio and resource links the script returned (a content block or an array of them),
   * answered over MCP as content beside `output`; `result` is then their one-line descriptions.
   */
  content?: MediaBlock[];
  /** Present when `output` was cut to the token budget. */
  truncated?: { shownTokens: number; totalTokens: number; estimated: boolean };
  /** Token accounting: code mode against direct tool calling (o200k_base; an estimate for other models). */
  tokens: ExecutionTokens;
  /** Wall time of the execution in ms, transpiling included (token counting excluded). */
  ms: number;
  /**
   * How the agent could do better, read from this execution's trace (at most 3, see
   * `executionHints`); the first also ends `output` as one `hint:` line. Absent when there is none.
   */
  hints?: ExecutionHint[];
}
