/**
 * Guest code: runs inside every fresh QuickJS context before the script, never in Node (read as
 * text by `guestSource`, see ./source.ts, and called by quickjs/prelude.ts). It turns the two raw
 * host hooks into `__host.<name>(...)` (JSON in, JSON out, errors rebuilt as `Error`s) and
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
  __toolscript_call_raw?: (name: string, args: string) => Promise<string | undefined>;
  __toolscript_log_raw?: (level: string, message: string) => void;
}

// Builtins the bridge relies on, taken before the script can replace them (the helpers use them).
const { parse, stringify } = JSON;
const { keys } = Object;
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
        (s) => (s === undefined ? undefined : parse(s)),
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
