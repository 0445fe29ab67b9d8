/**
 * Guest code: this file runs inside the sandbox, never in Node. Both JavaScript backends evaluate
 * it before the script (the QuickJS prelude, the Deno runner), so the two behave alike; it is
 * type-checked and linted with the rest, and read as text by {@link guestSource} (./source.ts).
 *
 * It defines `fmt`, `describe`, `rebuild`, `serialize` and `consoleOf` in the scope it is pasted into, which
 * must have `parse`, `stringify` and `keys` (JSON.parse, JSON.stringify, Object.keys) taken before
 * any script code ran.
 */

declare const parse: typeof JSON.parse;
declare const stringify: typeof JSON.stringify;
declare const keys: typeof Object.keys;

/** A thrown value as it crosses the boundary: what the host's `fromGuestError` reads. */
interface GuestError {
  name: string;
  message: string;
  stack?: string | undefined;
  /** Every JSON-safe own field of the thrown value (such as `code`). */
  fields: Record<string, unknown>;
}

/** One console argument as text: strings as they are, errors with their stack, other values as JSON where possible. */
const fmt = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v instanceof Error)
    return (v.stack ? `${v.name}: ${v.message}\n${v.stack}` : `${v.name}: ${v.message}`).trimEnd();
  if (typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint')
    return String(v);
  try {
    const s = stringify(v);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
};

/** A thrown value as `{ name, message, stack, fields }`, the stack cut to 8 lines. */
const describe = (e: unknown): GuestError => {
  if (!(e instanceof Error)) {
    let message: string;
    try {
      message = typeof e === 'string' ? e : stringify(e);
    } catch {
      message = String(e);
    }
    return { name: 'Error', message: `Uncaught ${message}`, fields: {} };
  }
  const fields: Record<string, unknown> = {};
  for (const k of keys(e)) {
    if (k === 'name' || k === 'message' || k === 'stack') continue;
    try {
      fields[k] = parse(stringify((e as unknown as Record<string, unknown>)[k]));
    } catch {}
  }
  const stack = typeof e.stack === 'string' ? e.stack.split('\n').slice(0, 8).join('\n') : undefined;
  return { name: String(e.name), message: String(e.message), stack, fields };
};

/** A host function's error as an `Error` for the script, its fields (`code`, `server`…) copied on. */
const rebuild = (d: GuestError): Error => {
  const e = new Error(d.message);
  e.name = d.name;
  for (const k of keys(d.fields || {})) (e as unknown as Record<string, unknown>)[k] = d.fields[k];
  return e;
};

/** The script's result as JSON (bigints as strings), or undefined. */
const serialize = (v: unknown): string | undefined =>
  v === undefined ? undefined : stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

/** The script's `console`, frozen: each level's function made by `make` (`debug` logs as `log`). */
const consoleOf = (make: (level: string) => (...args: unknown[]) => void): Console =>
  Object.freeze({
    log: make('log'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    debug: make('log'),
  }) as unknown as Console;

export {};
