/**
 * What the bridge records of each call and takes from its caller: the call's trace and kept texts,
 * who approves it, and a direct call's outcome.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { TextSample } from '../accounting/execution.js';
import type { Approver } from '../approvals/approvals.js';
import type { JsonValue, RunClock } from '../sandbox/contract.js';
import type { TraceContext } from '../telemetry/spans.js';
import type { Elicitor } from '../upstream/elicitation.js';

/** One call made by a script. */
export interface CallTrace {
  /** The server, as configured; `(unknown)` when the script named no configured server. */
  server: string;
  /** Original MCP tool name; `(unknown)` when the server has no such tool (the error names it). */
  tool: string;
  /** Wall time of the call in ms, validation included. */
  ms: number;
  ok: boolean;
  /** Bytes of the arguments as JSON (UTF-8). */
  argsBytes: number;
  /** Bytes of the raw upstream result as JSON (UTF-8); 0 when there was none. */
  resultBytes: number;
  /** Error code when `ok` is false. */
  error?: string;
  /** o200k_base tokens of the arguments (filled in after the execution). */
  argsTokens?: number;
  /** o200k_base tokens of the upstream result as a direct-calling client shows it (filled in after the execution). */
  resultTokens?: number;
  /** Set for a tool the config caches (`cache`): true when the result came from the cache. */
  cached?: boolean;
  /** When the call started, in ms since the execution's host functions were made (about its start). */
  startMs?: number;
}

/** The texts of one call kept for token counting: arguments as JSON, the result as a client shows it. */
export interface CallPayload {
  args: TextSample;
  result: TextSample;
}

/** Who is asked when a call needs approval, and how its arguments are shown (see `Approvals`). */
export interface ApprovalContext {
  /** Session id for the request and the audit log. */
  session: string;
  /** Asks a person; without one, a listed tool fails with `APPROVAL_REQUIRED`. */
  approver?: Approver | undefined;
  /** The arguments as the person sees them (PII tokens instead of values when PII is on). */
  show?: ((args: JsonValue) => JsonValue) | undefined;
  /** The run's clock, paused while the person decides. */
  clock?: RunClock | undefined;
  /** Passes an upstream server's own questions on to the person (see `Elicitor`). */
  elicitor?: Elicitor | undefined;
  /** The execution's OpenTelemetry context: each call's CLIENT span starts in it. */
  trace?: TraceContext | undefined;
}

/** Prepares a call's arguments before they are checked (e.g. PII untokenization). */
export type PrepareArgs = (server: string, tool: string, args: JsonValue) => Promise<JsonValue> | JsonValue;

/** A direct call's outcome (see `Bridge.direct`): the upstream's result, or why there is none. */
export type DirectCall = { trace: CallTrace; payload: CallPayload } & (
  | { result: CallToolResult; error?: undefined }
  | { result?: undefined; error: unknown }
);
