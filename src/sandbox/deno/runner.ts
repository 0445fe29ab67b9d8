import { guestSource } from '../guest/source.js';
import { RUNNER_ANSWERS, RUNNER_IO } from '../subprocess/protocol.js';
import { BUFFER_BUDGET } from './buffers.js';

/**
 * Source of the program the Deno subprocess runs (written to a file at start). It reads one `run`
 * message from stdin, takes private references to stdin, stdout and `Deno.exit`, removes `Deno`,
 * `process` and the other Node globals, installs `__host` and `console`, imports the bundled
 * script from a `data:` URL and reports the outcome. Every line it writes starts with the run's
 * nonce, which the script cannot read (the line is built and written only through references
 * taken before the script runs), so the script cannot forge a message. The host enforces the
 * log cap again on its side.
 */
export const RUNNER_SOURCE = `
${RUNNER_IO}
const first = parse(await nextLine());
nonce = first.nonce;
const errOut = Deno.stderr;
const writeErr = Deno.stderr.writeSync;
const memoryUsage = Deno.memoryUsage;
const limitBytes = first.memoryMb * 1048576;
${BUFFER_BUDGET}
// The same globals as the QuickJS sandbox: no runtime namespace, no network, no timers, no storage.
for (const name of ['Deno', 'process', 'Buffer', 'global', 'setImmediate', 'clearImmediate', 'require', 'module',
  '__dirname', '__filename', 'fetch', 'WebSocket', 'WebSocketStream', 'EventSource', 'Worker', 'BroadcastChannel',
  'XMLHttpRequest', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'navigator', 'caches',
  'localStorage', 'sessionStorage', 'open', 'alert', 'prompt', 'confirm', 'close']) {
  try { delete globalThis[name]; } catch {}
}
${guestSource('helpers')}
const answer = (p, m) => (m.ok ? p.resolve(m.value) : p.reject(rebuild(m.error)));
${RUNNER_ANSWERS}
const host = {};
for (const name of first.hostFunctions) {
  host[name] = (...args) => {
    if (finished) return new Promise(() => {});
    const id = nextId++;
    let text;
    try { text = stringify(args); if (!isArray(parse(text))) throw 0; } catch (e) {
      // A toJSON of the script's may have turned the list of arguments into something else.
      return Promise.reject(e === 0 ? new TypeError('the arguments of ' + name + ' did not turn into a JSON list (a toJSON on Object.prototype?)') : e);
    }
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      send({ type: 'call', id, name, args: rawJson(text) });
    });
  };
}
Object.defineProperty(globalThis, '__host', { value: Object.freeze(host) });
let logChars = 0;
let dropped = false;
const make = (level) => (...args) => {
  if (dropped) return;
  const message = args.map(fmt).join(' ');
  if (logChars + message.length > first.maxLogChars) {
    dropped = true;
    send({ type: 'log', level: 'warn', message: '[toolscript: console output past ' + first.maxLogChars + ' characters was dropped]' });
    return;
  }
  logChars += message.length;
  send({ type: 'log', level, message });
};
globalThis.console = Object.freeze({ log: make('log'), info: make('info'), warn: make('warn'), error: make('error'), debug: make('log') });
let outcome;
try {
  const bytes = encoder.encode(first.code);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const m = await import('data:text/javascript;base64,' + btoa(binary));
  const value = await m.default;
  outcome = { type: 'done', ok: true, json: serialize(value) };
} catch (e) {
  outcome = { type: 'done', ok: false, error: describe(e) };
}
finished = true;
outcome.memoryBytes = memoryUsage().heapUsed;
try { send(outcome); } catch (e) { send({ type: 'done', ok: false, error: describe(e), memoryBytes: outcome.memoryBytes }); }
exit(0);
`;
