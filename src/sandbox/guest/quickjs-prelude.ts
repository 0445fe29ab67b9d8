/**
 * Guest code: runs inside every fresh QuickJS context before the script, never in Node (read as
 * text by `guestSource`, see ./source.ts, and called by quickjs/prelude.ts). It turns the two raw
 * host hooks into `__host.<name>(...)` (JSON in, JSON out — a value's long strings apart, see
 * `splitLongStrings` in sandbox/host.ts — errors rebuilt as `Error`s) and
 * `console`. Only strings cross the boundary, so no host object is ever reachable from the script.
 *
 * `prelude` returns `[describe, serialize]`: the host keeps those two function handles and calls
 * them itself, so a script cannot replace how its result or its errors are turned into JSON (no
 * global names them). The host pastes this file and the helpers (./helpers.ts) into one function
 * and calls `prelude` there, so none of these names is a global the script could see.
 */

/** What ./helpers.ts defines, pasted before this file. */
declare const fmt: (value: unknown) => string;
declare const describe: (thrown: unknown) => unknown;
declare const rebuild: (error: { name: string; message: string; fields: Record<string, unknown> }) => Error;
declare const serialize: (value: unknown) => string | undefined;
declare const consoleOf: (make: (level: string) => (...args: unknown[]) => void) => Console;

/** The hooks the host installs on the context's global object, removed here before the script runs. */
interface RawHooks {
  /** A value's JSON, or (a value holding long strings) its JSON without them and then each of them. */
  __toolscript_call_raw?: (name: string, args: string) => Promise<string | string[] | undefined>;
  __toolscript_log_raw?: (level: string, message: string) => void;
}

// Builtins the bridge relies on, taken before the script can replace them (the helpers use them).
const { parse, stringify } = JSON;
const { keys, defineProperty } = Object;
/** Where a long string stood in a split answer's JSON (`LONG_STRING_MARK` in sandbox/host.ts). */
const MARK = '\u0000toolscript-long-string:';
// Taken now too: answers arrive while the script runs, after it may have replaced them.
const { slice } = String.prototype;
const { apply } = Reflect;
const cut = (text: string, start: number, end?: number): string => apply(slice, text, [start, end]);

/** A split answer's value: its JSON parsed, each marked place given its long string back. */
const joined = (parts: string[]): unknown => {
  const place = (v: unknown): unknown => {
    if (typeof v === 'string')
      return v.length > MARK.length && cut(v, 0, MARK.length) === MARK ? parts[1 + +cut(v, MARK.length)] : v;
    if (v === null || typeof v !== 'object') return v;
    // Own data properties, as JSON.parse makes them (a key "__proto__" included).
    for (const key of keys(v))
      defineProperty(v, key, {
        value: place((v as Record<string, unknown>)[key]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    return v;
  };
  return place(parse(parts[0] as string));
};
const prelude = (hostFunctionNames: string[]) => {
  const hooks = globalThis as unknown as RawHooks;
  const raw = hooks.__toolscript_call_raw as NonNullable<RawHooks['__toolscript_call_raw']>;
  const rawLog = hooks.__toolscript_log_raw as NonNullable<RawHooks['__toolscript_log_raw']>;
  delete hooks.__toolscript_call_raw;
  delete hooks.__toolscript_log_raw;
  const host: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of hostFunctionNames) {
    host[name] = (...args) =>
      raw(name, stringify(args)).then(
        (s) => (s === undefined ? undefined : typeof s === 'string' ? parse(s) : joined(s)),
        (j: string) => {
          throw rebuild(parse(j));
        },
      );
  }
  Object.defineProperty(globalThis, '__host', { value: Object.freeze(host) });
  const make =
    (level: string) =>
    (...args: unknown[]) => {
      rawLog(level, args.map(fmt).join(' '));
    };
  globalThis.console = consoleOf(make);
  return [(e: unknown) => stringify(describe(e)), serialize];
};

export {};
