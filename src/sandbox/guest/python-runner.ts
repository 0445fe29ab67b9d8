/**
 * Guest code: the Python sandbox's runner program (arguments: Pyodide's folder, the snapshot
 * file), after ./protocol-io.ts and ./protocol-answers.ts, with `PRELUDE` (python/prelude.py)
 * written before them by python/runner.ts. It boots Pyodide from the snapshot (read access to the
 * package and the snapshot only), then revokes its read permission, so from then on the process
 * has no permission at all: no file, network, environment or subprocess, whatever Python (or
 * JavaScript reached from it) tries. It removes `Deno` and the other runtime globals, then waits
 * for one `run` message on stdin, like the JavaScript runner (./deno-runner.ts): the same
 * nonce-prefixed JSON lines carry host calls, logs and the outcome. Each process runs one script
 * and exits.
 */
import type { AnswerMessage, GuestDeno, LoadPyodide, RunMessage } from './apis.js';

declare const Deno: GuestDeno;
declare const PRELUDE: string;
/** From ./protocol-io.ts. */
declare const parse: typeof JSON.parse;
declare const stringify: typeof JSON.stringify;
declare const isArray: typeof Array.isArray;
declare const exit: (code?: number) => never;
declare const nextLine: () => Promise<string | undefined>;
declare let nonce: string;
declare const rawJson: (text: string) => { text: string };
declare const send: (message: Record<string, unknown>) => void;
declare const removeGlobals: (extra: string[]) => void;
declare let maxLogChars: number;
declare const logChars: number;
declare const dropped: boolean;
declare const log: (level: string, message: string) => void;
/** From ./protocol-answers.ts. */
declare const pending: Map<number, (text: string) => void>;
declare let nextId: number;
declare let finished: boolean;
declare const listenForAnswers: () => void;

const [indexURL, snapshotFile] = Deno.args as [string, string];
const { loadPyodide } = (await import(new URL('pyodide.mjs', `file://${indexURL}`).href)) as {
  loadPyodide: LoadPyodide;
};
const py = await loadPyodide({ indexURL, _loadSnapshot: Deno.readFileSync(snapshotFile), env: {} });
const memoryUsage = Deno.memoryUsage;
// Pyodide finds its source of random bytes on first use, through require('node:crypto'): use it
// once now, while require is there, so os.urandom, secrets and uuid4 work once it is gone.
py.runPython('import os; os.urandom(1)');
// From here on the process holds no permission at all.
await Deno.permissions.revoke({ name: 'read' });
removeGlobals([]);
// Ready: the host may hand this process a script.
send({ type: 'ready' });
const first = parse((await nextLine()) ?? 'null') as RunMessage;
nonce = first.nonce;
// The host's answer line as it came ({ id, ok, value } or { id, ok: false, error }): what Python
// reads is never re-written here, where a script may have patched toJSON.
const answer = (resolve: (text: string) => void, _m: AnswerMessage, text: string) => resolve(text);
listenForAnswers();
const allowed = new Set(first.hostFunctions);
// Host calls from Python: (name, JSON of the arguments) -> JSON of { ok, value } or { ok: false, error }.
const refuse = (message: string) =>
  `{"ok":false,"error":{"name":"Error","message":${stringify(String(message))},"fields":{}}}`;
const call = (name: string, argsJson: unknown): Promise<string> => {
  if (finished || !allowed.has(name)) return Promise.resolve(refuse(`no host function ${name}`));
  let valid = false;
  try {
    valid = typeof argsJson === 'string' && isArray(parse(argsJson));
  } catch {}
  if (!valid) return Promise.resolve(refuse(`the arguments of ${name} are not a JSON list`));
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    send({ type: 'call', id, name, args: rawJson(argsJson as string) });
  });
};
maxLogChars = first.maxLogChars;
// Python's stdout and stderr as raw bytes, split into lines here. Python writes each line as it is
// printed, so it leaves even if the script then hangs; an unfinished last line is sent when the
// run ends. Past the output limit a write returns at once, so a print flood costs only
// Python's own work (Pyodide's batched handler would still decode and split every line).
const stream = (level: string) => {
  const decoder = new TextDecoder();
  let partial = '';
  return {
    write: (bytes: Uint8Array) => {
      if (dropped) return bytes.length;
      const text = decoder.decode(bytes, { stream: true });
      // Text without a newline only grows the unfinished line (no re-split of what came before);
      // a line longer than the output left is dropped as soon as it is.
      if (!text.includes('\n')) {
        partial += text;
        if (logChars + partial.length > maxLogChars) log(level, partial);
        return bytes.length;
      }
      const lines = (partial + text).split('\n');
      partial = lines.pop() as string;
      for (const line of lines) if (!dropped) log(level, line);
      return bytes.length;
    },
    end: () => {
      const rest = partial + decoder.decode();
      if (rest && !dropped) log(level, rest);
    },
  };
};
const streams = [stream('log'), stream('error')] as const;
py.setStdout(streams[0]);
py.setStderr(streams[1]);
// Scripts have no standard input: reading it meets end of file (input() raises EOFError), as
// under "python script.py < /dev/null". This process's own stdin carries the host's answers.
py.setStdin({ stdin: () => undefined });
let outcome: Record<string, unknown>;
try {
  py.runPython(PRELUDE);
  py.globals.get('_install')(
    call,
    py.toPy(first.modules),
    py.toPy(first.workspaceOps),
    py.toPy(first.stateOps),
  );
  const runner = py.globals.get('_run_script') as (code: string) => Promise<string>;
  py.runPython('_seal()');
  // Not registered at all any more: a script that removes the import guard from sys.meta_path
  // still cannot import them.
  py.unregisterJsModule('js');
  py.unregisterJsModule('pyodide_js');
  const ran = parse(await runner(first.code)) as { ok: boolean; json?: string; error?: unknown };
  outcome = ran.ok
    ? { type: 'done', ok: true, json: ran.json }
    : { type: 'done', ok: false, error: ran.error };
} catch (e) {
  outcome = {
    type: 'done',
    ok: false,
    error: { name: 'Error', message: String((e as Error | undefined)?.message || e), fields: {} },
  };
}
finished = true;
try {
  py.runPython('import sys; sys.stdout.flush(); sys.stderr.flush()');
} catch {}
for (const s of streams) s.end();
// The interpreter's heap: JavaScript's, and the WebAssembly memory Python lives in.
try {
  const used = memoryUsage();
  outcome.memoryBytes = used.heapUsed + used.external;
} catch {}
send(outcome);
exit(0);
