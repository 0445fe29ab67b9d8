/**
 * Guest code: the start of both Deno runners (JavaScript, ./deno-runner.ts, and Python's), the
 * guest's side of the JSON-lines protocol whose host side is subprocess/run.ts. It takes private
 * references to the builtins and to stdin, stdout and `Deno.exit` before any script code runs, and
 * defines `nextLine()` and `send(message)`, which writes one line prefixed with `nonce` (set from
 * the run message), its envelope built field by field so that no `toJSON` a script sets can
 * change it.
 */
import type { GuestDeno } from './apis.js';

declare const Deno: GuestDeno;

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
const byteLength = (
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length') as PropertyDescriptor
).get as () => number;
const stdout = Deno.stdout;
const writeSync = Deno.stdout.writeSync;
const exit = Deno.exit;
const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
let buffered = '';
/** The next line from stdin, without its newline; undefined at the end. */
async function nextLine(): Promise<string | undefined> {
  for (;;) {
    const i = buffered.indexOf('\n');
    if (i >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      return line;
    }
    const { value, done } = await reader.read();
    if (done) return undefined;
    buffered += value;
  }
}
let nonce = '';
// A field already written as JSON (checked by the caller), sent as it is: rawJson(text).
const raws = new WeakSet<object>();
const isRaw = WeakSet.prototype.has;
const addRaw = WeakSet.prototype.add;
function rawJson(text: string): { text: string } {
  const holder = { text };
  apply(addRaw, raws, [holder]);
  return holder;
}
// One message as JSON, its envelope written field by field: JSON.stringify asks objects for
// toJSON (through prototypes a script may have patched), so it only ever writes one field's
// value, never the envelope around it; an undefined field is left out, and a value it cannot
// write is null. The envelope's fields (type, id, ok…) are the runner's own.
function line(message: Record<string, unknown>): string {
  const names = keys(message);
  let text = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const field = message[name];
    if (field === undefined) continue;
    const value =
      field !== null && typeof field === 'object' && apply(isRaw, raws, [field])
        ? (field as { text: string }).text
        : stringify(field);
    text += `${text ? ',' : ''}${stringify(name)}:${typeof value === 'string' ? value : 'null'}`;
  }
  return `{${text}}`;
}
/** Writes `message` as one line, prefixed with the nonce, through the references taken above. */
function send(message: Record<string, unknown>): void {
  let bytes: Uint8Array = apply(encode, encoder, [`${nonce}${line(message)}\n`]);
  while (apply(byteLength, bytes, []) > 0)
    bytes = apply(subarray, bytes, [apply(writeSync, stdout, [bytes])]);
}

/**
 * Removes the globals no script may reach: the runtime's namespace, Node's, network, workers,
 * storage and dialogs, and `extra` (the JavaScript runner also removes timers).
 */
function removeGlobals(extra: string[]): void {
  const names = [
    'Deno',
    'process',
    'Buffer',
    'global',
    'require',
    'module',
    'fetch',
    'WebSocket',
    'WebSocketStream',
    'EventSource',
    'Worker',
    'BroadcastChannel',
    'XMLHttpRequest',
    'navigator',
    'caches',
    'localStorage',
    'sessionStorage',
    'open',
    'alert',
    'prompt',
    'confirm',
    'close',
  ];
  for (const name of [...names, ...extra]) {
    try {
      delete (globalThis as Record<string, unknown>)[name];
    } catch {}
  }
}

/** Console output allowed per run, in characters: the run message's `maxLogChars`. */
let maxLogChars = 0;
let logChars = 0;
/** True once output went past `maxLogChars`: everything after is dropped. */
let dropped = false;
/** Sends one line of the script's output, or, past `maxLogChars`, one warning and nothing more. */
function log(level: string, message: string): void {
  if (dropped) return;
  if (logChars + message.length > maxLogChars) {
    dropped = true;
    send({
      type: 'log',
      level: 'warn',
      message: `[toolscript: console output past ${maxLogChars} characters was dropped]`,
    });
    return;
  }
  logChars += message.length;
  send({ type: 'log', level, message });
}
