/**
 * Guest code: the program the Deno subprocess runs, after ./protocol-io.ts, ./protocol-answers.ts,
 * ./helpers.ts and ./buffer-budget.ts (deno/runner.ts pastes them into one file, written at
 * start). It reads one `run` message from stdin, takes private references to stderr and
 * `Deno.memoryUsage`, removes `Deno`, `process` and the other Node globals, installs `__host` and
 * `console`, imports the bundled script from a `data:` URL and reports the outcome. Every line it
 * writes starts with the run's nonce, which the script cannot read (the line is built and written
 * only through references taken before the script runs), so the script cannot forge a message.
 * The host enforces the log cap again on its side.
 */
import type { AnswerMessage, GuestDeno, RunMessage } from './apis.js';

declare const Deno: GuestDeno;
/** From ./protocol-io.ts. */
declare const parse: typeof JSON.parse;
declare const stringify: typeof JSON.stringify;
declare const isArray: typeof Array.isArray;
declare const apply: typeof Reflect.apply;
declare const encoder: TextEncoder;
declare const exit: (code?: number) => never;
declare const nextLine: () => Promise<string | undefined>;
declare let nonce: string;
declare const rawJson: (text: string) => { text: string };
declare const send: (message: Record<string, unknown>) => void;
declare const removeGlobals: (extra: string[]) => void;
declare let maxLogChars: number;
declare const dropped: boolean;
declare const log: (level: string, message: string) => void;
/** From ./protocol-answers.ts. */
declare const pending: Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>;
declare let nextId: number;
declare let finished: boolean;
declare const listenForAnswers: () => void;
/** From ./helpers.ts. */
declare const fmt: (value: unknown) => string;
declare const describe: (thrown: unknown) => Record<string, unknown>;
declare const rebuild: (error: NonNullable<AnswerMessage['error']>) => Error;
declare const serialize: (value: unknown) => string | undefined;
declare const consoleOf: (make: (level: string) => (...args: unknown[]) => void) => Console;
/** From ./buffer-budget.ts. */
declare const installBufferBudget: (
  limitBytes: number,
  memoryUsage: GuestDeno['memoryUsage'],
  writeErr: (bytes: Uint8Array) => void,
) => void;

const first = parse((await nextLine()) ?? 'null') as RunMessage;
nonce = first.nonce;
const errOut = Deno.stderr;
const writeErr = Deno.stderr.writeSync;
const memoryUsage = Deno.memoryUsage;
installBufferBudget(first.memoryMb * 1048576, memoryUsage, (bytes) => apply(writeErr, errOut, [bytes]));
// The same globals as the QuickJS sandbox: no runtime namespace, no network, no timers, no storage.
removeGlobals([
  'setImmediate',
  'clearImmediate',
  '__dirname',
  '__filename',
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
]);
const answer = (
  p: { resolve: (value: unknown) => void; reject: (error: unknown) => void },
  m: AnswerMessage,
) => (m.ok ? p.resolve(m.value) : p.reject(rebuild(m.error as NonNullable<AnswerMessage['error']>)));
listenForAnswers();
const host: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
for (const name of first.hostFunctions) {
  host[name] = (...args) => {
    if (finished) return new Promise(() => {});
    const id = nextId++;
    let text: string;
    try {
      text = stringify(args);
      if (!isArray(parse(text))) throw 0;
    } catch (e) {
      // A toJSON of the script's may have turned the list of arguments into something else.
      return Promise.reject(
        e === 0
          ? new TypeError(
              `the arguments of ${name} did not turn into a JSON list (a toJSON on Object.prototype?)`,
            )
          : e,
      );
    }
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      send({ type: 'call', id, name, args: rawJson(text) });
    });
  };
}
Object.defineProperty(globalThis, '__host', { value: Object.freeze(host) });
maxLogChars = first.maxLogChars;
const make =
  (level: string) =>
  (...args: unknown[]) => {
    if (!dropped) log(level, args.map(fmt).join(' '));
  };
globalThis.console = consoleOf(make);
let outcome: Record<string, unknown>;
try {
  const bytes = encoder.encode(first.code);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const m = await import(`data:text/javascript;base64,${btoa(binary)}`);
  const value = await m.default;
  outcome = { type: 'done', ok: true, json: serialize(value) };
} catch (e) {
  outcome = { type: 'done', ok: false, error: describe(e) };
}
finished = true;
outcome.memoryBytes = memoryUsage().heapUsed;
try {
  send(outcome);
} catch (e) {
  send({ type: 'done', ok: false, error: describe(e), memoryBytes: outcome.memoryBytes });
}
exit(0);
