/**
 * The host half both sandbox backends share: the console cap, dispatching a call to a host
 * function, a guest error's fields as `{ code, details }`, and the run's result.
 */

import { jsonText } from '../util/frozen.js';
import type { HostFunction, JsonValue, LogEntry, SandboxError, SandboxRunResult } from './contract.js';
import { hostErrorFields, type Outcome, readOutcome } from './errors.js';

/** Console output kept per run when `limits.maxLogChars` is not given, in characters. */
export const DEFAULT_MAX_LOG_CHARS = 1_000_000;

/**
 * A run's console output, capped at `maxChars` characters by the host itself (never trusting
 * the guest to keep the cap); past it one warning says what was dropped.
 */
export class LogCollector {
  readonly logs: LogEntry[] = [];
  private chars = 0;
  private dropped = false;

  constructor(private readonly maxChars = DEFAULT_MAX_LOG_CHARS) {}

  add(level: LogEntry['level'], message: string): void {
    if (this.dropped) return;
    if (this.chars + message.length > this.maxChars) {
      this.dropped = true;
      this.logs.push({
        level: 'warn',
        message: `[toolscript: console output past ${this.maxChars} characters was dropped]`,
      });
      return;
    }
    this.chars += message.length;
    this.logs.push({ level, message });
  }
}

/**
 * Calls the host function `name` with `args` (a JSON array) and settles with its value, or with
 * its error as the fields the guest rebuilds it from (see {@link hostErrorFields}). Never rejects.
 */
export async function dispatchHostCall(
  hostFunctions: Record<string, HostFunction>,
  name: string,
  args: JsonValue[],
): Promise<
  { ok: true; value: JsonValue | undefined } | { ok: false; error: ReturnType<typeof hostErrorFields> }
> {
  try {
    const fn = Object.hasOwn(hostFunctions, name) ? hostFunctions[name] : undefined;
    if (!fn) throw new Error(`No host function '${name}'`);
    return { ok: true, value: await fn(...args) };
  } catch (error) {
    return { ok: false, error: hostErrorFields(error) };
  }
}

/**
 * A host call as JSON text in and out: `argsJson` is the JSON array of arguments; the answer is
 * the value's JSON (`resolve`, absent for `undefined`) or the error's fields as JSON (`reject`,
 * see {@link hostErrorFields}). Never rejects. Text crosses threads and the WebAssembly boundary
 * without a structured copy.
 */
export async function dispatchHostCallJson(
  hostFunctions: Record<string, HostFunction>,
  name: string,
  argsJson: string,
): Promise<HostAnswerJson> {
  let args: JsonValue[];
  try {
    args = JSON.parse(argsJson) as JsonValue[];
  } catch (error) {
    return { reject: JSON.stringify(hostErrorFields(error)) };
  }
  const answer = await dispatchHostCall(hostFunctions, name, args);
  if (!answer.ok) return { reject: JSON.stringify(answer.error) };
  // A value the call cache froze is written as JSON once, however many scripts read it.
  return answer.value === undefined ? {} : { resolve: jsonText(answer.value) };
}

/** How a host call ended, as JSON text (see {@link dispatchHostCallJson}). */
export interface HostAnswerJson {
  resolve?: string;
  reject?: string;
}

/** What the guest's `describe` (see `guest.ts`) reports of a thrown value. */
export interface GuestError {
  name: string;
  message: string;
  stack?: string | undefined;
  fields?: Record<string, unknown> | undefined;
}

/** A guest error as a {@link SandboxError}: its code (see {@link guestErrorCode}), other fields as `details`. */
export function fromGuestError(error: GuestError): SandboxError {
  const { code, ...details } = (error.fields ?? {}) as Record<string, JsonValue>;
  return {
    code: guestErrorCode(error.name, error.message, code),
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(Object.keys(details).length ? { details } : {}),
  };
}

/** The result of a run from its outcome (the result's JSON parsed; see {@link readOutcome}). */
export function runResult(
  outcome: Outcome,
  logs: LogCollector,
  started: number,
  memoryBytes?: number,
): SandboxRunResult {
  const read = readOutcome(outcome);
  return {
    ok: read.ok,
    result: read.ok ? read.result : undefined,
    ...(read.ok && outcome.ok && outcome.json !== undefined ? { json: outcome.json } : {}),
    logs: logs.logs,
    error: read.ok ? null : read.error,
    ms: performance.now() - started,
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
  };
}

/**
 * The code of an error thrown in the guest: `MODULE_NOT_FOUND` for an import that resolves to
 * nothing (as QuickJS and Deno word it), else its own `code` field, `SYNTAX_ERROR`,
 * `MEMORY_LIMIT` for V8's size limits (which memory bombs reach before the heap limit), or
 * `RUNTIME_ERROR`.
 */
export function guestErrorCode(name: string, message: string, code: JsonValue | undefined): string {
  if (code === 'ERR_MODULE_NOT_FOUND') return 'MODULE_NOT_FOUND';
  if (typeof code === 'string') return code;
  if (name === 'SyntaxError' && !MODULE_MISSING.test(message)) return 'SYNTAX_ERROR';
  if (MODULE_MISSING.test(message)) return 'MODULE_NOT_FOUND';
  if (
    /^(Invalid string length|Invalid array length|Array buffer allocation failed|Invalid typed array length)/.test(
      message,
    )
  )
    return 'MEMORY_LIMIT';
  return 'RUNTIME_ERROR';
}

const MODULE_MISSING =
  /Cannot find module|Module not found|Could not find export|could not load module|Unsupported scheme|Requires import access/i;
