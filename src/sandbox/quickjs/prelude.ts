/**
 * Global code evaluated in every fresh QuickJS context before the script. It turns the two raw host
 * hooks into `__host.<name>(...)` (JSON in, JSON out, errors rebuilt as `Error`s) and `console`.
 * Only strings cross the boundary, so no host object is ever reachable from the script.
 */
export function preludeSource(hostFunctionNames: string[]): string {
  return `(() => {
  const raw = globalThis.__toolscript_call_raw;
  const rawLog = globalThis.__toolscript_log_raw;
  delete globalThis.__toolscript_call_raw;
  delete globalThis.__toolscript_log_raw;
  const rebuild = (json) => {
    const d = JSON.parse(json);
    const e = new Error(d.message);
    e.name = d.name;
    for (const k of Object.keys(d.fields || {})) e[k] = d.fields[k];
    return e;
  };
  const host = {};
  for (const name of ${JSON.stringify(hostFunctionNames)}) {
    host[name] = (...args) => raw(name, JSON.stringify(args)).then(
      (s) => (s === undefined ? undefined : JSON.parse(s)),
      (j) => { throw rebuild(j); },
    );
  }
  Object.defineProperty(globalThis, '__host', { value: Object.freeze(host) });
  const fmt = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return (v.stack ? v.name + ': ' + v.message + '\\n' + v.stack : v.name + ': ' + v.message).trimEnd();
    if (typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return String(v);
    try { const s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch { return String(v); }
  };
  const make = (level) => (...args) => { rawLog(level, args.map(fmt).join(' ')); };
  globalThis.console = Object.freeze({ log: make('log'), info: make('info'), warn: make('warn'), error: make('error'), debug: make('log') });
  const describe = (e) => {
    if (!(e instanceof Error)) {
      let message;
      try { message = typeof e === 'string' ? e : JSON.stringify(e); } catch { message = String(e); }
      return JSON.stringify({ name: 'Error', message: 'Uncaught ' + message, fields: {} });
    }
    const fields = {};
    for (const k of Object.keys(e)) { if (k === 'name' || k === 'message' || k === 'stack') continue; try { fields[k] = JSON.parse(JSON.stringify(e[k])); } catch {} }
    const stack = typeof e.stack === 'string' ? e.stack.split('\\n').slice(0, 8).join('\\n') : undefined;
    return JSON.stringify({ name: e.name, message: e.message, stack, fields });
  };
  const serialize = (v) => {
    if (v === undefined) return undefined;
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
  };
  Object.defineProperty(globalThis, '__toolscript_describe', { value: describe });
  Object.defineProperty(globalThis, '__toolscript_serialize', { value: serialize });
})();`;
}
