/**
 * JavaScript both sandbox backends evaluate inside the guest before the script (the QuickJS
 * prelude and the Deno runner), so the two behave alike. Each piece expects `parse`, `stringify`
 * and `keys` (JSON.parse, JSON.stringify, Object.keys) taken before any script code ran.
 */

/**
 * Defines `fmt(value)`: one console argument as text (strings as they are, errors with their
 * stack, other values as JSON where possible).
 */
export const GUEST_FORMAT = `const fmt = (v) => {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return (v.stack ? v.name + ': ' + v.message + '\\n' + v.stack : v.name + ': ' + v.message).trimEnd();
  if (typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  try { const s = stringify(v); return s === undefined ? String(v) : s; } catch { return String(v); }
};`;

/**
 * Defines `describe(thrown)`: `{ name, message, stack, fields }` of a thrown value, with every
 * JSON-safe own field (such as `code`) in `fields` and the stack cut to 8 lines.
 */
export const GUEST_DESCRIBE = `const describe = (e) => {
  if (!(e instanceof Error)) {
    let message;
    try { message = typeof e === 'string' ? e : stringify(e); } catch { message = String(e); }
    return { name: 'Error', message: 'Uncaught ' + message, fields: {} };
  }
  const fields = {};
  for (const k of keys(e)) { if (k === 'name' || k === 'message' || k === 'stack') continue; try { fields[k] = parse(stringify(e[k])); } catch {} }
  const stack = typeof e.stack === 'string' ? e.stack.split('\\n').slice(0, 8).join('\\n') : undefined;
  return { name: String(e.name), message: String(e.message), stack, fields };
};`;

/** Defines `rebuild({ name, message, fields })`: a host function's error as an `Error` for the script. */
export const GUEST_REBUILD = `const rebuild = (d) => {
  const e = new Error(d.message);
  e.name = d.name;
  for (const k of keys(d.fields || {})) e[k] = d.fields[k];
  return e;
};`;

/** Defines `serialize(value)`: the script's result as JSON (bigints as strings), or undefined. */
export const GUEST_SERIALIZE = `const serialize = (v) => (v === undefined ? undefined : stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)));`;
