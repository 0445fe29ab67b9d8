/**
 * Global code evaluated in every fresh QuickJS context before the script. It turns the two raw host
 * hooks into `__host.<name>(...)` (JSON in, JSON out, errors rebuilt as `Error`s) and `console`.
 * Only strings cross the boundary, so no host object is ever reachable from the script.
 *
 * Its completion value is `[describe, serialize]`: the host keeps those two function handles and
 * calls them itself, so a script cannot replace how its result or its errors are turned into
 * JSON (no global names them).
 */
export function preludeSource(hostFunctionNames: string[]): string {
  return `(() => {
  // Builtins the bridge relies on, taken before the script can replace them.
  const { parse, stringify } = JSON;
  const { keys } = Object;
  const raw = globalThis.__toolscript_call_raw;
  const rawLog = globalThis.__toolscript_log_raw;
  delete globalThis.__toolscript_call_raw;
  delete globalThis.__toolscript_log_raw;
  const rebuild = (json) => {
    const d = parse(json);
    const e = new Error(d.message);
    e.name = d.name;
    for (const k of keys(d.fields || {})) e[k] = d.fields[k];
    return e;
  };
  const host = {};
  for (const name of ${JSON.stringify(hostFunctionNames)}) {
    host[name] = (...args) => raw(name, stringify(args)).then(
      (s) => (s === undefined ? undefined : parse(s)),
      (j) => { throw rebuild(j); },
    );
  }
  Object.defineProperty(globalThis, '__host', { value: Object.freeze(host) });
  const fmt = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return (v.stack ? v.name + ': ' + v.message + '\\n' + v.stack : v.name + ': ' + v.message).trimEnd();
    if (typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return String(v);
    try { const s = stringify(v); return s === undefined ? String(v) : s; } catch { return String(v); }
  };
  const make = (level) => (...args) => { rawLog(level, args.map(fmt).join(' ')); };
  globalThis.console = Object.freeze({ log: make('log'), info: make('info'), warn: make('warn'), error: make('error'), debug: make('log') });
  const describe = (e) => {
    if (!(e instanceof Error)) {
      let message;
      try { message = typeof e === 'string' ? e : stringify(e); } catch { message = String(e); }
      return stringify({ name: 'Error', message: 'Uncaught ' + message, fields: {} });
    }
    const fields = {};
    for (const k of keys(e)) { if (k === 'name' || k === 'message' || k === 'stack') continue; try { fields[k] = parse(stringify(e[k])); } catch {} }
    const stack = typeof e.stack === 'string' ? e.stack.split('\\n').slice(0, 8).join('\\n') : undefined;
    return stringify({ name: e.name, message: e.message, stack, fields });
  };
  const serialize = (v) => {
    if (v === undefined) return undefined;
    return stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
  };
  return [describe, serialize];
})();`;
}
