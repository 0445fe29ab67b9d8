import { guestSource } from '../guest/source.js';

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
  ${guestSource('helpers')}
  const host = {};
  for (const name of ${JSON.stringify(hostFunctionNames)}) {
    host[name] = (...args) => raw(name, stringify(args)).then(
      (s) => (s === undefined ? undefined : parse(s)),
      (j) => { throw rebuild(parse(j)); },
    );
  }
  Object.defineProperty(globalThis, '__host', { value: Object.freeze(host) });
  const make = (level) => (...args) => { rawLog(level, args.map(fmt).join(' ')); };
  globalThis.console = Object.freeze({ log: make('log'), info: make('info'), warn: make('warn'), error: make('error'), debug: make('log') });
  return [(e) => stringify(describe(e)), serialize];
})();`;
}
