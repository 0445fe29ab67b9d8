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
  if (answer.value === undefined) return {};
  // A value the call cache froze is written as JSON once, however many scripts read it.
  return splitLongStrings(answer.value) ?? { resolve: jsonText(answer.value) };
}

/** How a host call ended, as JSON text (see {@link dispatchHostCallJson}). */
export interface HostAnswerJson {
  resolve?: string;
  /**
   * The value's long strings, taken out of `resolve` (see {@link splitLongStrings}): each stands
   * there as {@link LONG_STRING_MARK} and its index here. On the way to a script thread a string
   * may travel as its UTF-8 bytes (see `packAnswer` in quickjs/threads.ts).
   */
  strings?: (string | Uint8Array)[];
  reject?: string;
}

/**
 * What marks a long string's place in a split answer's JSON; the guest's prelude
 * (guest/quickjs-prelude.ts) puts the string back. A value holding a string that starts with it
 * is never split.
 */
export const LONG_STRING_MARK = '\u0000toolscript-long-string:';
/** Strings at least this long are taken out of the JSON (a file's or a page's text). */
export const LONG_STRING_CHARS = 4096;
/** Values of more nodes than this are sent as JSON whole: putting strings back walks them. */
const MAX_SPLIT_NODES = 256;

/**
 * A small value holding long strings (`{ content: "<a file>" }`) as JSON without them, plus the
 * strings: the guest then parses a few bytes of JSON and takes each string as it is, where
 * parsing the whole JSON again copied every character once more (QuickJS's `JSON.parse` took 7
 * to 12 ms for 1.6 MB of mail). Undefined, so the value goes as JSON whole, when it has no long
 * string, more than {@link MAX_SPLIT_NODES} nodes, anything `JSON.stringify` would change (a
 * `toJSON`, `undefined`, a non-finite number, a class instance), or a string that starts with
 * {@link LONG_STRING_MARK}. A long string holding NUL stays in the JSON.
 */
export function splitLongStrings(value: unknown): HostAnswerJson | undefined {
  const strings: string[] = [];
  let nodes = 0;
  const copy = (v: unknown): unknown => {
    if (++nodes > MAX_SPLIT_NODES) throw SPLIT_REFUSED;
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw SPLIT_REFUSED;
      return v;
    }
    if (typeof v === 'string') {
      if (v.startsWith(LONG_STRING_MARK)) throw SPLIT_REFUSED;
      // A string holding NUL stays in the JSON: QuickJS would take a raw one only up to the NUL.
      if (v.length < LONG_STRING_CHARS || v.includes('\u0000')) return v;
      strings.push(v);
      return `${LONG_STRING_MARK}${strings.length - 1}`;
    }
    if (Array.isArray(v)) return v.map(copy);
    if (typeof v !== 'object') throw SPLIT_REFUSED;
    const proto = Object.getPrototypeOf(v);
    if ((proto !== Object.prototype && proto !== null) || 'toJSON' in v) throw SPLIT_REFUSED;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(v)) {
      if (child === undefined) throw SPLIT_REFUSED;
      Object.defineProperty(out, key, {
        value: copy(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  try {
    const skeleton = copy(value);
    return strings.length ? { resolve: JSON.stringify(skeleton), strings } : undefined;
  } catch (error) {
    if (error === SPLIT_REFUSED) return undefined;
    throw error;
  }
}

const SPLIT_REFUSED = Symbol('not split');

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
