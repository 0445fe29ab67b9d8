import { GUEST_DESCRIBE, GUEST_FORMAT, GUEST_REBUILD, GUEST_SERIALIZE } from '../guest.js';
import { BUFFER_BUDGET } from './buffers.js';

/**
 * The start of both Deno runners (JavaScript and Python): private references to the builtins and
 * to stdin, stdout and `Deno.exit`, taken before any script code runs; `nextLine()`; and
 * `send(message)`, which writes one line prefixed with `nonce` (set from the run message), its
 * envelope built field by field so that no `toJSON` a script sets can change it.
 */
export const RUNNER_IO = `
// Builtins the runner relies on, taken before the script can replace them. Everything that
// touches a line holding the nonce is called through these private references (Reflect.apply on
// captured functions), never through a prototype the script could patch.
const { parse, stringify } = JSON;
const { keys } = Object;
const { isArray } = Array;
const apply = Reflect.apply;
const encoder = new TextEncoder();
const encode = TextEncoder.prototype.encode;
const subarray = Uint8Array.prototype.subarray;
const byteLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length').get;
const stdout = Deno.stdout;
const writeSync = Deno.stdout.writeSync;
const exit = Deno.exit;
const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
let buffered = '';
async function nextLine() {
  for (;;) {
    const i = buffered.indexOf('\\n');
    if (i >= 0) { const line = buffered.slice(0, i); buffered = buffered.slice(i + 1); return line; }
    const { value, done } = await reader.read();
    if (done) return undefined;
    buffered += value;
  }
}
let nonce = '';
// A field already written as JSON (checked by the caller), sent as it is: rawJson(text).
const raws = new WeakSet();
const isRaw = WeakSet.prototype.has;
const addRaw = WeakSet.prototype.add;
function rawJson(text) {
  const holder = { text };
  apply(addRaw, raws, [holder]);
  return holder;
}
// One message as JSON, its envelope written field by field: JSON.stringify asks objects for
// toJSON (through prototypes a script may have patched), so it only ever writes one field's
// value, never the envelope around it; an undefined field is left out, and a value it cannot
// write is null. The envelope's fields (type, id, ok…) are the runner's own.
function line(message) {
  const names = keys(message);
  let text = '';
  for (let i = 0; i < names.length; i++) {
    const field = message[names[i]];
    if (field === undefined) continue;
    const value = field !== null && typeof field === 'object' && apply(isRaw, raws, [field]) ? field.text : stringify(field);
    text += (text ? ',' : '') + stringify(names[i]) + ':' + (typeof value === 'string' ? value : 'null');
  }
  return '{' + text + '}';
}
function send(message) {
  let bytes = apply(encode, encoder, [nonce + line(message) + '\\n']);
  while (apply(byteLength, bytes, []) > 0) bytes = apply(subarray, bytes, [apply(writeSync, stdout, [bytes])]);
}
`;

/**
 * The host's answers to the guest's calls: `pending` (id → what `answer(p, m, line)`, defined by each
 * runner, settles), `nextId`, `finished`, and the loop reading answer lines from stdin.
 */
export const RUNNER_ANSWERS = `
const pending = new Map();
let nextId = 0;
let finished = false;
(async () => {
  for (;;) {
    const line = await nextLine();
    if (line === undefined) return;
    const m = parse(line);
    const p = pending.get(m.id);
    if (!p) continue;
    pending.delete(m.id);
    answer(p, m, line);
  }
})();
`;

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
${GUEST_REBUILD}
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
${GUEST_FORMAT}
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
${GUEST_DESCRIBE}
${GUEST_SERIALIZE}
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
try { send(outcome); } catch (e) { send({ type: 'done', ok: false, error: describe(e) }); }
exit(0);
`;
