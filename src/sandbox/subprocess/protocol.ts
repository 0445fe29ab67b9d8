/**
 * The JSON-lines protocol as both Deno runners (JavaScript, `deno/runner.ts`, and Python,
 * `python/runner.ts`) speak it inside their process; `run.ts` is the host's side.
 */

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
