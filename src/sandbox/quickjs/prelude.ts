import { guestSource } from '../guest/source.js';

/**
 * The guest files the prelude is made of, read once when this module loads (in a source checkout
 * that transpiles them, which must not happen inside a run's time limit).
 */
const GUEST = `${guestSource('quickjs-prelude')}\n${guestSource('helpers')}`;

/**
 * Global code evaluated in every fresh QuickJS context before the script: the guest files
 * ../guest/quickjs-prelude.ts and ../guest/helpers.ts inside one function, so that none of their
 * names is a global. Its completion value is `[describe, serialize]` (see `prelude` there): the
 * host keeps those two function handles and calls them itself.
 */
export function preludeSource(hostFunctionNames: string[]): string {
  return `(() => {\n${GUEST}\nreturn prelude(${JSON.stringify(hostFunctionNames)});\n})();`;
}
